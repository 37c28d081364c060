"""Moving a message again after a person decides about it: out of Held (or Quarantine) to where it belongs.

A held message was moved to Held after its commit. When a person releases or
discards it, the new place is written on its row in the same transaction as the
decision (`plan_refile`: `action_from` says where it sits now, `action_target`
where it goes), and the move is done only after that commit: right away by the
command when the mailbox answers (pipeline/intake/held_actions.py), else by the
next pass (`refile_pending`, called with the other unfinished actions). The message is found in Held again by
Message-ID, size and SHA-256, never by a UID, so repeating the move, or a crash
between the move and marking it done, only finds nothing left to move.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.errors import WrongState
from pipeline.intake.mailbox import MailSource, Sought
from pipeline.store import db
from pipeline.store import records as store
from pipeline.store.models import Message
from pipeline.store.records import FolderKey

log = logging.getLogger(__name__)


def discard_folder(settings: Settings) -> str:
    """Where a discarded message is filed: beside the other processed mail, apart from it."""
    return f"{settings.mailbox.processed_folder}/Discarded"


def current_folder(row: Message) -> str:
    """Where the message sits now ('' = still where it was fetched), as far as its row knows."""
    return row.action_target if row.action_done else row.action_from


def plan_refile(session: Session, settings: Settings, row: Message, target: str, flags: tuple[str, ...] = ()) -> None:
    """Write the move of a decided message on its row, in the caller's transaction; done after commit.

    A message that has not left the polled folder yet keeps the ordinary pending
    action, with the new target. One that sits in Held goes from there; it cannot go
    back to the polled folder (it would be read as new mail), so '' means processed.
    """
    if not row.action_done and row.id not in store.claim_actions(session, [row.id]):
        raise WrongState(f"message {row.id} is being filed by another mln right now; try again in a minute")
    now_in = current_folder(row)
    if now_in and not target:
        target = settings.mailbox.processed_folder
    if target == now_in and not flags:
        row.action_from, row.action_target, row.action_done = "", target, True
        return
    row.action_from, row.action_target, row.flags = now_in, target, " ".join(flags)
    row.action = "move" if target else "keep"
    row.action_done = False
    store.claim_for_us(row)


def refile_pending(settings: Settings, source: MailSource, key: FolderKey, ids: list[int] | None = None) -> int:
    """Move decided messages out of the folder they were filed in; how many rows are now done."""
    with db.transaction(settings.database.url) as session:
        query = select(Message).where(
            Message.mailbox == key.mailbox,
            Message.folder == key.folder,
            Message.action_done.is_(False),
            Message.action_from != "",
        )
        if ids is not None:
            query = query.where(Message.id.in_(ids))
        rows = list(session.scalars(query))
        ours = store.claim_actions(session, [r.id for r in rows])
        groups: dict[tuple[str, str, tuple[str, ...]], list[Sought]] = defaultdict(list)
        for r in rows:
            if r.id in ours:
                groups[(r.action_from, r.action_target, tuple(r.flags.split()))].append(_sought(settings, r))
    done = 0
    for (folder, move_to, flags), sought in groups.items():
        found = source.move_found(folder, sought, move_to, flags)
        missing = [s.id for s in sought if s.id not in found]
        if missing:
            log.info("refile: %s not found in %s (moved already, or by a person)", missing, folder)
        with db.transaction(settings.database.url) as session:
            store.mark_actions_done(session, [s.id for s in sought])
        done += len(sought)
    return done


def _sought(settings: Settings, row: Message) -> Sought:
    return Sought(
        row.id,
        row.location,
        row.message_id,
        row.size,
        row.sha256,
        headers_only=row.size > settings.limits.max_message_bytes,
    )
