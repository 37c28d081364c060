"""One pass over the mailbox: fetch -> prepare -> record -> route -> one handler -> commit -> mailbox action.

`poll_mailbox` fetches the new messages in groups (mailbox.batch_size, at most
GROUP_BYTES) and gives each group to `process_fetched`, the one driver: it records
and handles a list of messages in one transaction. Only after that commit are the
messages moved or flagged (pipeline/intake/actions.py).

A group is the fast case: one transaction, its shared questions asked once
(pipeline/store/group_batch.py), its messages' rows inserted together before any
handler runs (pipeline/intake/recording.py), what the handlers add inserted with one
flush at its end, and its handlers run without savepoints. When a group cannot be done that way (another
poller recorded one of its messages, a handler failed or held its message, the
database refused a value, or a crash cut the group short in an earlier pass, which
leaves the `group_through` mark) the group is taken again through the same function
one message at a time, each a list of one whose handler runs in a savepoint. A
handler cannot tell which of the two it runs in.

A crash at any point leaves each message either recorded (and its action finished by
the next pass) or not recorded and still waiting in the inbox. Parsing and reading
attachments happen in pipeline/intake/prepare.py, a group ahead in a child process on
a big pass.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from pipeline.compose import may_auto_reply
from pipeline.config import Settings
from pipeline.faults import crashpoint
from pipeline.intake.actions import Recorded, apply_actions, finish_pending_actions, mailbox_target, recorded
from pipeline.intake.handlers import HandlerResult, courtesy
from pipeline.intake.handling import NeedsIsolation, run_handler, run_in_group
from pipeline.intake.mailbox import Fetched, MailSource, open_source
from pipeline.intake.prepare import Prepared, Preparer, prepare
from pipeline.intake.recording import Entry, record_all
from pipeline.intake.rule_files import load_rules
from pipeline.intake.rules import Routing, Rule
from pipeline.store import db, group_batch
from pipeline.store import records as store
from pipeline.store.models import Message, utcnow
from pipeline.store.records import FolderKey

log = logging.getLogger(__name__)
# Messages handled in one transaction hold their bytes until it commits.
GROUP_BYTES = 8_000_000
Progress = Callable[[int], None]
# What became of one message: (outcome, its mailbox action if ours to do); None: another poller has it.
Handled = tuple[str, Recorded | None] | None


@dataclass
class PollSummary:
    mailbox: str = ""
    folder: str = ""
    fetched: int = 0
    outcomes: Counter = field(default_factory=Counter)
    already_recorded: int = 0
    moved_or_flagged: int = 0
    finished_from_last_time: int = 0
    uidvalidity_reset: bool = False
    read_ahead: int = 0  # messages prepared in the child process (pipeline.intake.prepare)
    read_ahead_cpu_seconds: float = 0.0  # the CPU time that took, beside this process's
    replies_spooled: int = 0  # filled in by pipeline/passes.py once the pass has committed
    spool_error: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["outcomes"] = dict(self.outcomes)
        return data


def poll_mailbox(settings: Settings, on_new: Callable[[int], Progress] | None = None) -> PollSummary:
    """Read every new message once. Raises MailboxError / DatabaseError only when the pass cannot run.

    The replies it queues are spooled by the caller (pipeline/passes.py: poll_once).
    """
    rules = load_rules(settings.rules_path)
    db.require_schema(settings.database.url)
    started = time.monotonic()
    with open_source(settings) as source:
        summary = PollSummary(mailbox=source.key, folder=source.folder)
        key = FolderKey(source.key, source.folder)
        epoch = source.epoch()
        last_uid, singles_through = _start_pass(settings, key, epoch, summary)
        summary.finished_from_last_time = finish_pending_actions(settings, source, key, epoch)
        locations = source.new_locations(last_uid)
        advance = on_new(len(locations)) if on_new else None
        with Preparer(settings.limits, len(locations)) as preparer:
            # The next group is fetched and handed to the preparer before this one is stored.
            for group, prepared in preparer.ahead(_fetched_groups(settings, source, locations)):
                results = _handle_group(settings, rules, key, epoch, group, prepared, singles_through)
                summary.moved_or_flagged += apply_actions(settings, source, _tally(summary, results, advance))
            summary.read_ahead = preparer.from_child
            summary.read_ahead_cpu_seconds = round(preparer.child_cpu_seconds, 3)
        summary.seconds = round(time.monotonic() - started, 3)
        _finish_pass(settings, key, summary.seconds)
    return summary


def _start_pass(settings: Settings, key: FolderKey, epoch: int, summary: PollSummary) -> tuple[int, int]:
    """(the last UID recorded, the last UID of a group a crash cut short: those go one at a time)."""
    with db.transaction(settings.database.url) as session:
        state = store.get_state(session, key)
        if state.uidvalidity != epoch:
            if state.uidvalidity:
                # Every UID changed meaning. Start again from 1; messages already
                # recorded are recognised by Message-ID + SHA-256 and only filed again.
                log.warning(
                    "UIDVALIDITY of %s %s changed from %s to %s: rescanning the folder",
                    key.mailbox,
                    key.folder,
                    state.uidvalidity,
                    epoch,
                )
                summary.uidvalidity_reset = True
            state.uidvalidity = epoch
            state.last_uid = 0
            state.group_through = 0
        return state.last_uid, state.group_through


def _finish_pass(settings: Settings, key: FolderKey, seconds: float) -> None:
    with db.transaction(settings.database.url) as session:
        state = store.get_state(session, key)
        state.last_poll_at = utcnow()
        state.last_poll_seconds = seconds


def _fetched_groups(
    settings: Settings, source: MailSource, locations: list[tuple[str, int | None]]
) -> Iterator[list[Fetched]]:
    size = settings.mailbox.batch_size
    for start in range(0, len(locations), size):
        yield from _groups(source.fetch(locations[start : start + size], settings.limits.max_message_bytes))


def _groups(fetched: Iterable[Fetched]) -> Iterator[list[Fetched]]:
    """Fetched messages in runs of at most GROUP_BYTES (a run is held in memory until its commit)."""
    group: list[Fetched] = []
    size = 0
    try:
        for one in fetched:
            if group and size + len(one.raw) > GROUP_BYTES:
                yield group
                group, size = [], 0
            group.append(one)
            size += len(one.raw)
    except Exception:
        if group:  # the messages fetched before a failed fetch are still recorded, then the pass stops
            yield group
        raise
    if group:
        yield group


def _handle_group(
    settings: Settings,
    rules: list[Rule],
    key: FolderKey,
    epoch: int,
    group: list[Fetched],
    prepared: list[Prepared],
    singles_through: int,
) -> list[Handled]:
    """The group in one transaction when it can be, else each message alone: both through process_fetched."""
    if _groupable(group, singles_through):
        results = process_fetched(settings, rules, key, epoch, group, prepared)
        if results is not None:
            return results
    one_at_a_time: list[Handled] = []
    for one, ready in zip(group, prepared):
        one_at_a_time += process_fetched(settings, rules, key, epoch, [one], [ready]) or [None]
    return one_at_a_time


def _groupable(fetched: list[Fetched], singles_through: int) -> bool:
    """Several messages with UIDs, none of them in a group that a crash cut short."""
    return len(fetched) > 1 and all(f.uid is not None and f.uid > singles_through for f in fetched)


def _tally(summary: PollSummary, results: list[Handled], advance: Progress | None) -> list[Recorded]:
    """Count the outcomes; return the mailbox actions still to do."""
    actions = []
    for result in results:
        summary.fetched += 1
        if result is None:
            summary.already_recorded += 1
        else:
            outcome, item = result
            if outcome == "already":
                summary.already_recorded += 1
            else:
                summary.outcomes[outcome] += 1
            if item is not None:
                actions.append(item)
        if advance:
            advance(1)
    return actions


# ---- the driver: record and handle a list of messages in one transaction ------------------


def process_fetched(
    settings: Settings,
    rules: list[Rule],
    key: FolderKey,
    epoch: int,
    fetched: list[Fetched],
    prepared: list[Prepared] | None = None,
) -> list[Handled] | None:
    """Record and handle these messages in one transaction; None when it was undone.

    A list of several (a group) first commits its last UID as `group_through`: a
    crash inside the group leaves that mark, and the next pass takes those messages
    one at a time, so the messages before one that kills the process are still filed.
    None for a group means: take its messages one at a time. None for a message
    alone means another poller recorded it first (and does its mailbox action).
    """
    prepared = prepared if prepared is not None else [prepare(f.raw, settings.limits) for f in fetched]
    alone = len(fetched) == 1
    last = max((f.uid for f in fetched if f.uid is not None), default=None)
    if not alone and last is not None:
        store.mark_group(settings.database.url, key, last)
    try:
        handled = _commit(settings, rules, key, epoch, fetched, prepared, last)
    except IntegrityError:
        if alone:
            log.info("message at %s/%s is being handled by another poller", key.folder, fetched[0].location)
        else:
            log.info(
                "messages up to UID %s in %s are partly handled by another poller: one at a time", last, key.folder
            )
        return None
    except (NeedsIsolation, DBAPIError) as exc:  # (the database being gone is a DatabaseError by now: the pass stops)
        if alone:  # a value refused outside the handler's savepoint: nothing smaller to try
            raise
        # Alone, a failing handler or a value the database refuses quarantines just its message.
        why = str(exc) if isinstance(exc, NeedsIsolation) else type(exc.orig).__name__
        log.info("messages up to UID %s in %s: one at a time (%s)", last, key.folder, why)
        return None
    for _committed in handled:
        crashpoint(settings, "after_commit")
    quarantined = [
        (result[1].id, ready.mail, one.raw)
        for result, one, ready in zip(handled, fetched, prepared)
        if result is not None and result[0] == "quarantined" and result[1] is not None
    ]
    if quarantined:  # after the commit that recorded them, in a transaction of its own
        courtesy.answer_quarantined(settings, quarantined)
    return handled


def _commit(
    settings: Settings,
    rules: list[Rule],
    key: FolderKey,
    epoch: int,
    fetched: list[Fetched],
    prepared: list[Prepared],
    last: int | None,
) -> list[Handled]:
    """The one transaction: every message recorded and handled, the folder's state moved on, then commit."""
    with db.transaction(settings.database.url) as session:
        handled = _record_and_handle(session, settings, rules, key, epoch, fetched, prepared)
        if last is not None:
            store.advance_last_uid(session, key, last)
            if len(fetched) > 1:
                store.clear_group(session, key, last)
        session.flush()  # what the handlers added, table by table (a group's in one INSERT per table)
        results: list[Handled] = [(outcome, recorded(record) if ours else None) for outcome, record, ours in handled]
    for outcome, record, _ours in handled:
        _log_outcome(record, outcome)
    return results


def _record_and_handle(
    session: Session,
    settings: Settings,
    rules: list[Rule],
    key: FolderKey,
    epoch: int,
    fetched: list[Fetched],
    prepared: list[Prepared],
) -> list[tuple[str, Message, bool]]:
    """(outcome, row, whether its mailbox action is ours) for each message: all recorded first, then each handled."""
    alone = len(fetched) == 1
    with _shared_answers(session, settings, prepared, alone):
        entries = record_all(session, rules, key, epoch, fetched, prepared)
        handled = []
        for entry in entries:
            outcome = _decide(session, settings, entry, alone)
            handled.append((outcome, entry.record, _claim(session, entry.record, outcome)))
            crashpoint(settings, "before_commit")
    return handled


@contextlib.contextmanager
def _shared_answers(session: Session, settings: Settings, prepared: list[Prepared], alone: bool) -> Iterator[None]:
    """A group's shared questions (members, reply counts, File Nos) asked once: pipeline/store/group_batch.py.

    Not for a message alone: its handler runs in a savepoint, which the counts the
    batch keeps in memory could not follow back. It asks as it goes.
    """
    if alone:
        yield
        return
    mails = [r.mail for r in prepared if r.mail is not None]
    repliable = [m.from_addr for m in mails if may_auto_reply(settings, m)[0]]
    # First: it may wait for another poller's group to commit.
    batch = group_batch.begin(
        session, len(prepared), [m.from_addr for m in mails], repliable, settings.limits.auto_replies_per_day
    )
    try:
        yield
        batch.finish(session)
    finally:
        group_batch.end(session)


def _decide(session: Session, settings: Settings, entry: Entry, alone: bool) -> str:
    """The message's outcome: as recorded before, a duplicate, unreadable, too big, or what its handler says."""
    record, mail = entry.record, entry.prepared.mail
    if entry.already:
        return "already"
    if entry.same is not None:
        record.duplicate_of_id = entry.same.id
        _set_outcome(settings, record, None, HandlerResult("duplicate", f"same message as #{entry.same.id}"))
    elif mail is None:
        record.error = entry.prepared.parse_error
        _set_outcome(settings, record, None, HandlerResult("quarantined", "the message could not be parsed"))
    elif entry.fetched.truncated:
        limit_mb = settings.limits.max_message_bytes // 1_000_000
        told = courtesy.too_big(session, settings, mail, record, entry.fetched.size)  # from its headers alone
        _set_outcome(
            settings,
            record,
            None,
            HandlerResult(
                "held",
                f"message is {entry.fetched.size / 1_000_000:.1f} MB, over the {limit_mb} MB limit; only its headers were stored{told}",
            ),
        )
    else:
        assert entry.routing is not None
        run = run_handler if alone else run_in_group
        _set_outcome(
            settings, record, entry.routing, run(session, settings, record, mail, entry.prepared.forms, entry.routing)
        )
    return record.outcome


def _claim(session: Session, record: Message, outcome: str) -> bool:
    """Whether this record's mailbox action is ours to do (claiming it if so).

    A row new in this transaction is ours: its claim goes in with the transaction's
    last flush. A row recorded earlier is ours only if we win its claim.
    """
    if record.action_done:
        return False
    if outcome != "already":
        store.claim_for_us(record)
        return True
    return record.id in store.claim_actions(session, [record.id])


def _set_outcome(settings: Settings, record: Message, routing: Routing | None, result: HandlerResult) -> None:
    record.outcome = result.outcome
    record.reason = result.reason[:4000]
    rule = routing.rule if routing else None
    record.action_target = mailbox_target(settings, record.outcome, rule)
    record.action = "move" if record.action_target else "keep"
    record.flags = " ".join(routing.flags) if routing else ""
    record.action_done = not record.action_target and not record.flags


def _log_outcome(record: Message, outcome: str) -> None:
    if outcome != "already":
        log.info(
            "%s: %s (rule %s) %s",
            record.id,
            outcome,
            record.rule or "-",
            record.reason,
            extra={"message_id": record.message_id, "outcome": outcome, "rule": record.rule},
        )
