"""One pass over the mailbox: fetch -> route -> one handler -> store -> mailbox action.

Messages are fetched in groups (mailbox.batch_size, at most GROUP_BYTES); each
group is recorded and handled in one transaction, or, after a crash inside a
group or a handler failing in one, each of its messages in its own. The mailbox
action (move or flag) happens only after that commit, batched by folder. A crash
at any point leaves each message either recorded (and its action finished by the
next pass) or not recorded and still waiting in the inbox. Parsing and reading
attachments happen in pipeline.intake.prepare, a group ahead in a child process on a
big pass.
"""
from __future__ import annotations

import dataclasses
import logging
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from pipeline.store import db
from pipeline.store import records as store
from pipeline.store import group_batch
from pipeline.config import Settings
from pipeline.errors import HoldMessage
from pipeline.faults import crashpoint
from pipeline.intake.handlers import HandlerContext, HandlerResult, get_handler
from pipeline.mail import IncomingMail
from pipeline.store.models import Message, utcnow
from pipeline.intake.prepare import Prepared, Preparer, prepare
from pipeline.intake.rules import Routing, Rule, load_rules, route
from pipeline.intake.mailbox import Fetched, MailboxAction, MailSource, open_source
from pipeline.store.records import FolderKey

log = logging.getLogger(__name__)
# Messages handled in one transaction hold their bytes until it commits.
GROUP_BYTES = 8_000_000
Progress = Callable[[int], None]


class NeedsIsolation(Exception):
    """A handler in a group failed or held its message: handle the group one message at a time."""


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
    read_ahead: int = 0  # messages parsed in the child process (pipeline.intake.prepare)
    read_ahead_cpu_seconds: float = 0.0  # the CPU time that took, beside this process's
    replies_spooled: int = 0  # filled in by pipeline/passes.py once the pass has committed
    spool_error: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["outcomes"] = dict(self.outcomes)
        return data


@dataclass(frozen=True)
class Recorded:
    """A committed message whose mailbox action is still to do."""

    id: int
    location: str
    uid: int | None
    move_to: str
    flags: tuple[str, ...]


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
                recorded = _tally(summary, results, advance)
                summary.moved_or_flagged += apply_actions(settings, source, recorded)
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
                log.warning("UIDVALIDITY of %s %s changed from %s to %s: rescanning the folder",
                            key.mailbox, key.folder, state.uidvalidity, epoch)
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


def _fetched_groups(settings: Settings, source: MailSource, locations: list[tuple[str, int | None]]) -> Iterator[list[Fetched]]:
    size = settings.mailbox.batch_size
    for start in range(0, len(locations), size):
        yield from _groups(source.fetch(locations[start:start + size], settings.limits.max_message_bytes))


def _handle_group(settings: Settings, rules: list[Rule], key: FolderKey, epoch: int, group: list[Fetched],
                  prepared: list[Prepared], singles_through: int) -> list[tuple[str, Recorded | None] | None]:
    """The group in one transaction when it can be, else each message in its own."""
    if _groupable(group, singles_through):
        results = process_group(settings, rules, key, epoch, group, prepared)
        if results is not None:
            return results
    results = []
    for fetched, ready in zip(group, prepared):
        results.append(process_fetched(settings, rules, key, epoch, fetched, ready))
        crashpoint(settings, "after_commit")
    return results


def _tally(summary: PollSummary, results: list[tuple[str, Recorded | None] | None], advance: Progress | None) -> list[Recorded]:
    """Count the outcomes; return the mailbox actions still to do."""
    recorded = []
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
                recorded.append(item)
        if advance:
            advance(1)
    return recorded


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


def _groupable(fetched: list[Fetched], singles_through: int) -> bool:
    """Several messages with UIDs, none of them in a group that a crash cut short."""
    return len(fetched) > 1 and all(f.uid is not None and f.uid > singles_through for f in fetched)


def process_group(settings: Settings, rules: list[Rule], key: FolderKey, epoch: int,
                  group: list[Fetched], prepared: list[Prepared]) -> list[tuple[str, Recorded | None]] | None:
    """Record and handle several messages in one transaction; None when they must go one at a time.

    One commit for the group instead of one per message: the commit and the
    transaction around it were a third of a message's own cost. Before it starts,
    the group's last UID is committed as `group_through`; a crash inside the group
    leaves that mark, and the next pass takes those messages one at a time, so
    the messages before one that kills the process are still filed. A conflict with another
    poller (IntegrityError), or a handler that fails or holds its message, undoes
    the group, which is then handled one at a time, each handler in its savepoint.
    Handlers in a group run without one: a savepoint was two more round trips.
    """
    last = max(f.uid for f in group if f.uid is not None)
    store.mark_group(settings.database.url, key, last)
    try:
        with db.transaction(settings.database.url) as session:
            handled = _handle_in_one(session, settings, rules, key, epoch, group, prepared)
            store.advance_last_uid(session, key, last)
            store.clear_group(session, key, last)
            session.flush()  # the group's rows, table by table (the claim of each new message is its insert)
            items = [_recorded(record) if claimed else None for _outcome, record, claimed in handled]
    except IntegrityError:
        log.info("messages up to UID %s in %s are partly handled by another poller: one at a time", last, key.folder)
        return None
    except NeedsIsolation as why:
        log.info("messages up to UID %s in %s: one at a time (%s)", last, key.folder, why)
        return None
    except DBAPIError as exc:  # (the database being gone is a DatabaseError by now: the pass stops)
        # A value the database refused (too long, out of range): alone, the message is quarantined.
        log.info("messages up to UID %s in %s: one at a time (%s)", last, key.folder, type(exc.orig).__name__)
        return None
    results = []
    for (outcome, record, _claimed), item in zip(handled, items):
        _log_outcome(record, outcome)
        crashpoint(settings, "after_commit")
        results.append((outcome, item))
    return results


def _handle_in_one(session: Session, settings: Settings, rules: list[Rule], key: FolderKey, epoch: int,
                   group: list[Fetched], prepared: list[Prepared]) -> list[tuple[str, Message, bool]]:
    """(outcome, record, whether its mailbox action is ours) for each message, in one transaction, nothing flushed yet."""
    batch = _begin_batch(session, settings, prepared)  # first: it may wait for another poller's group to commit
    wanted = [(store.location_of(f, epoch), r.mail.message_id if r.mail else "", r.sha256) for f, r in zip(group, prepared)]
    maybe_recorded = store.maybe_recorded(session, key, wanted)
    handled = []
    pending: set[tuple[str, str]] = set()
    try:
        for index, (fetched, ready) in enumerate(zip(group, prepared)):
            look = index in maybe_recorded
            if wanted[index][1:] in pending:
                session.flush()  # the same message twice in one group: the second must find the first
                look = True
            pending.add(wanted[index][1:])
            outcome, record = _record_and_handle(session, settings, rules, key, epoch, fetched, ready, isolated=False, look=look)
            handled.append((outcome, record, _claim(session, record, outcome)))
            crashpoint(settings, "before_commit")
        batch.finish(session)
    finally:
        group_batch.end(session)
    return handled


def _begin_batch(session: Session, settings: Settings, prepared: list[Prepared]) -> group_batch.GroupBatch:
    """The group's shared questions (members, reply counts, File Nos), asked once: pipeline/store/group_batch.py."""
    from pipeline.compose import may_auto_reply

    mails = [r.mail for r in prepared if r.mail is not None]
    repliable = [m.from_addr for m in mails if may_auto_reply(settings, m)[0]]
    return group_batch.begin(session, len(prepared), [m.from_addr for m in mails], repliable,
                             settings.limits.auto_replies_per_day)


def _claim(session: Session, record: Message, outcome: str) -> bool:
    """Whether this record's mailbox action is ours to do (claiming it if so).

    New rows are ours to file; their claim needs no id and goes into the row's own
    INSERT or UPDATE at the transaction's last flush. A row recorded earlier is ours
    only if we win its claim.
    """
    if record.action_done:
        return False
    if outcome != "already":
        store.claim_for_us(record)
        return True
    return record.id in store.claim_actions(session, [record.id])


def process_fetched(settings: Settings, rules: list[Rule], key: FolderKey, epoch: int,
                    fetched: Fetched, prepared: Prepared | None = None) -> tuple[str, Recorded | None] | None:
    """Record and handle one message in one transaction. None when another poller has it."""
    ready = prepared if prepared is not None else prepare(fetched.raw)
    try:
        with db.transaction(settings.database.url) as session:
            outcome, record = _record_and_handle(session, settings, rules, key, epoch, fetched, ready)
            item = _recorded(record) if _claim(session, record, outcome) else None
            if fetched.uid is not None:
                store.advance_last_uid(session, key, fetched.uid)
            crashpoint(settings, "before_commit")
            session.flush()
        _log_outcome(record, outcome)
        return outcome, item
    except IntegrityError:
        # Another poller inserted this message first; it will also do the mailbox action.
        log.info("message at %s/%s is being handled by another poller", key.folder, fetched.location)
        return None


def _record_and_handle(session: Session, settings: Settings, rules: list[Rule], key: FolderKey,
                       epoch: int, fetched: Fetched, prepared: Prepared, isolated: bool = True,
                       look: bool = True) -> tuple[str, Message]:
    """`look=False`: the group's one query (store.maybe_recorded) found no earlier record of this message."""
    mail, parse_error, sha256 = prepared.mail, prepared.parse_error, prepared.sha256
    existing, same = None, None
    if look:
        existing, same = store.find_existing(session, key, store.location_of(fetched, epoch), mail.message_id if mail else "", sha256)
    if existing is not None:
        return "already", existing
    if same is not None and same.uid is not None and same.uidvalidity != epoch and same.mailbox == key.mailbox:
        store.relocate(same, key, fetched, epoch)
        return "already", same
    record = store.new_record(key, fetched, epoch, mail, sha256, prepared.compressed)
    routing = None
    if same is None and mail is not None and not fetched.truncated:
        routing = route(rules, mail, explain=False)
        _set_routing(record, routing)  # in the INSERT below, not an UPDATE when the handler's savepoint opens
    session.add(record)
    if isolated or routing is None or getattr(get_handler(routing.handler), "needs_record_id", True):
        # The claim: a concurrent poller's insert of this message fails here or at its commit.
        # (In a group, a handler that needs no id leaves the insert to the group's one flush.)
        session.flush()
    if same is not None:
        record.duplicate_of_id = same.id
        _set_outcome(settings, record, None, HandlerResult("duplicate", f"same message as #{same.id}"))
    elif mail is None:
        record.error = parse_error
        _set_outcome(settings, record, None, HandlerResult("quarantined", "the message could not be parsed"))
    elif fetched.truncated:
        limit_mb = settings.limits.max_message_bytes // 1_000_000
        _set_outcome(settings, record, None, HandlerResult(
            "held", f"message is {fetched.size / 1_000_000:.1f} MB, over the {limit_mb} MB limit; only its headers were stored"))
    else:
        assert routing is not None and mail is not None
        _set_outcome(settings, record, routing, run_handler(session, settings, record, mail, routing, isolated))
    return record.outcome, record


def _set_routing(record: Message, routing: Routing) -> None:
    # Assigned only when different: an equal value set again still marks the row dirty,
    # and the savepoint opened next would run a flush for nothing.
    for name, value in (("rule", routing.rule.name), ("rule_hits", routing.hits()), ("handler", routing.handler)):
        if getattr(record, name) != value:
            setattr(record, name, value)


def run_handler(session: Session, settings: Settings, record: Message, mail: IncomingMail, routing: Routing,
                isolated: bool = True) -> HandlerResult:
    """Run the routed handler inside a savepoint: a failure undoes only what the handler wrote.

    `isolated=False` (a message in a group) runs it without one; a failure, or a hold,
    raises NeedsIsolation instead, and the group is handled again one message at a time.
    """
    _set_routing(record, routing)
    rule = dataclasses.replace(routing.rule, options=routing.options)
    context = HandlerContext(session=session, settings=settings, record=record, mail=mail, rule=rule, flush_later=not isolated)
    if not isolated:
        try:
            return get_handler(routing.handler).handle(context)
        except Exception as exc:  # noqa: BLE001 - HoldMessage too: what it wrote must be undone
            raise NeedsIsolation(f"handler {routing.handler}: {type(exc).__name__}") from exc
    try:
        with session.begin_nested():
            return get_handler(routing.handler).handle(context)
    except HoldMessage as hold:
        return HandlerResult("held", hold.reason)
    except Exception as exc:  # noqa: BLE001 - any handler failure quarantines this one message
        record.error = traceback.format_exc()
        log.error("handler %s failed: %s", routing.handler, exc, extra={"message_id": record.message_id})
        return HandlerResult("quarantined", f"handler {routing.handler} failed: {type(exc).__name__}: {exc}")


def _set_outcome(settings: Settings, record: Message, routing: Routing | None, result: HandlerResult) -> None:
    record.outcome = result.outcome
    record.reason = result.reason[:4000]
    rule = routing.rule if routing else None
    record.action_target = mailbox_target(settings, record.outcome, rule)
    record.action = "move" if record.action_target else "keep"
    record.flags = " ".join(routing.flags) if routing else ""
    record.action_done = not record.action_target and not record.flags


def mailbox_target(settings: Settings, outcome: str, rule: Rule | None) -> str:
    """Where a message goes once its outcome is committed ('' = stays in the inbox)."""
    m = settings.mailbox
    if outcome == "quarantined":
        return m.failed_folder
    if outcome == "held":
        return m.held_folder or m.processed_folder
    if rule is not None and rule.keep_in_inbox:
        return ""
    return (rule.move_to if rule is not None and rule.move_to else "") or m.processed_folder


def _recorded(record: Message) -> Recorded:
    return Recorded(record.id, record.location.rsplit("/", 1)[-1], record.uid, record.action_target, tuple(record.flags.split()))


def _log_outcome(record: Message, outcome: str) -> None:
    if outcome != "already":
        log.info("%s: %s (rule %s) %s", record.id, outcome, record.rule or "-", record.reason,
                 extra={"message_id": record.message_id, "outcome": outcome, "rule": record.rule})


# ---- mailbox actions, after commit ------------------------------------------------------


def apply_actions(settings: Settings, source: MailSource, recorded: Iterable[Recorded]) -> int:
    """Move/flag committed messages, grouped by target, then mark them done."""
    groups: dict[tuple[str, tuple[str, ...]], list[Recorded]] = defaultdict(list)
    for item in recorded:
        groups[(item.move_to, item.flags)].append(item)
    done = 0
    for (move_to, flags), items in groups.items():
        source.apply(MailboxAction(locations=[i.location for i in items], move_to=move_to, flags=flags,
                                   uids=[i.uid for i in items if i.uid is not None]))
        crashpoint(settings, "after_move")
        with db.transaction(settings.database.url) as session:
            store.mark_actions_done(session, [i.id for i in items])
        done += len(items)
    return done


def finish_pending_actions(settings: Settings, source: MailSource, key: FolderKey, epoch: int) -> int:
    """Finish mailbox actions that a crash (or another poller) left undone."""
    with db.transaction(settings.database.url) as session:
        pending = store.pending_actions(session, key, epoch)
        ours = store.claim_actions(session, [r.id for r in pending])
        rows = [_recorded(r) for r in pending if r.id in ours]
    if not rows:
        return 0
    present = source.present([(r.location, r.uid) for r in rows])
    gone = [r.id for r in rows if r.location not in present]
    with db.transaction(settings.database.url) as session:
        store.mark_actions_done(session, gone)
    return apply_actions(settings, source, [r for r in rows if r.location in present]) + len(gone)
