"""Mailbox actions, after commit: move or flag the messages whose results are committed.

A message's action is decided with its outcome (`mailbox_target`) and written on its
row in the same transaction; it is done only after that commit, batched by target,
and then marked done. A crash between the two leaves it pending, and the next pass
finishes it (`finish_pending_actions`). The claim on a row's action decides which
of two pollers does it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.config import Settings
from pipeline.faults import crashpoint
from pipeline.intake.mailbox import MailboxAction, MailSource
from pipeline.intake.refile import refile_pending
from pipeline.intake.rules import Rule
from pipeline.store import db
from pipeline.store import records as store
from pipeline.store.models import Message
from pipeline.store.records import FolderKey


@dataclass(frozen=True)
class Recorded:
    """A committed message whose mailbox action is still to do."""

    id: int
    location: str
    uid: int | None
    move_to: str
    flags: tuple[str, ...]


def recorded(record: Message) -> Recorded:
    """What the action of a row needs, read before its session closes."""
    return Recorded(
        record.id, record.location.rsplit("/", 1)[-1], record.uid, record.action_target, tuple(record.flags.split())
    )


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


def apply_actions(settings: Settings, source: MailSource, items: Iterable[Recorded]) -> int:
    """Move/flag committed messages, grouped by target, then mark them done."""
    groups: dict[tuple[str, tuple[str, ...]], list[Recorded]] = defaultdict(list)
    for item in items:
        groups[(item.move_to, item.flags)].append(item)
    done = 0
    for (move_to, flags), same in groups.items():
        source.apply(
            MailboxAction(
                locations=[i.location for i in same],
                move_to=move_to,
                flags=flags,
                uids=[i.uid for i in same if i.uid is not None],
            )
        )
        crashpoint(settings, "after_move")
        with db.transaction(settings.database.url) as session:
            store.mark_actions_done(session, [i.id for i in same])
        done += len(same)
    return done


def finish_pending_actions(settings: Settings, source: MailSource, key: FolderKey, epoch: int) -> int:
    """Finish mailbox actions that a crash (or another poller) left undone."""
    refiled = refile_pending(settings, source, key)  # decided by a person after they were filed (Held)
    with db.transaction(settings.database.url) as session:
        pending = [r for r in store.pending_actions(session, key, epoch) if not r.action_from]
        ours = store.claim_actions(session, [r.id for r in pending])
        rows = [recorded(r) for r in pending if r.id in ours]
    if not rows:
        return refiled
    present = source.present([(r.location, r.uid) for r in rows])
    gone = [r.id for r in rows if r.location not in present]
    with db.transaction(settings.database.url) as session:
        store.mark_actions_done(session, gone)
    return apply_actions(settings, source, [r for r in rows if r.location in present]) + len(gone) + refiled
