"""Recording fetched messages: the claim row, duplicates, and finished mailbox actions.

A message's row is written in the same transaction as its handler's result.
The unique (mailbox, folder, location) key is the claim: a second poller
inserting the same message waits for the first one's commit and then fails,
so each message is handled once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, bindparam, case, func, null, select, union_all, update
from sqlalchemy.orm import Session

from pipeline.mail import Fetched, IncomingMail
from pipeline.store import db
from pipeline.store.claims import claimant_is_gone, new_claim_token
from pipeline.store.models import MailboxState, Message
from pipeline.store.statements import execute_core, prepared


@dataclass(frozen=True)
class FolderKey:
    mailbox: str
    folder: str


def get_state(session: Session, key: FolderKey) -> MailboxState:
    query = select(MailboxState).where(MailboxState.mailbox == key.mailbox, MailboxState.folder == key.folder)
    state = session.scalar(query)
    if state is None:
        # Two pollers starting on a new folder at once: the second waits for the first's row, then uses it.
        execute_core(
            session,
            prepared(session, "state.create", _create_state),
            {"p_mailbox": key.mailbox, "p_folder": key.folder},
        )
        state = session.scalar(query)
    assert state is not None  # created just above, or by the poller we waited for
    return state


def _create_state(insert: Callable) -> Any:
    return (
        insert(MailboxState.__table__)
        .values(
            mailbox=bindparam("p_mailbox"), folder=bindparam("p_folder"), uidvalidity=0, last_uid=0, group_through=0
        )
        .on_conflict_do_nothing(index_elements=["mailbox", "folder"])
    )


def advance_last_uid(session: Session, key: FolderKey, uid: int) -> None:
    """last_uid = max(last_uid, uid), in SQL, so concurrent pollers never move it back."""
    execute_core(session, _ADVANCE_LAST_UID, {"p_mailbox": key.mailbox, "p_folder": key.folder, "p_uid": uid})


def mark_group(url: str, key: FolderKey, last_uid: int) -> None:
    """Commit that messages up to `last_uid` are being handled together (see intake/poll.py: process_fetched)."""
    db.execute_alone(url, _MARK_GROUP, {"p_mailbox": key.mailbox, "p_folder": key.folder, "p_uid": last_uid})


def clear_group(session: Session, key: FolderKey, last_uid: int) -> None:
    """In the group's own transaction: it committed, so its mark is no longer needed (unless another group's)."""
    execute_core(session, _CLEAR_GROUP, {"p_mailbox": key.mailbox, "p_folder": key.folder, "p_uid": last_uid})


_STATE = MailboxState.__table__
_UID = bindparam("p_uid", type_=BigInteger)


def _state_row():  # type: ignore[no-untyped-def]
    """UPDATE of one folder's mailbox_state row; built once per statement below."""
    return update(_STATE).where(_STATE.c.mailbox == bindparam("p_mailbox"), _STATE.c.folder == bindparam("p_folder"))


_ADVANCE_LAST_UID = _state_row().values(last_uid=case((_STATE.c.last_uid < _UID, _UID), else_=_STATE.c.last_uid))
_MARK_GROUP = _state_row().values(group_through=_UID)
_CLEAR_GROUP = _state_row().where(_STATE.c.group_through == _UID).values(group_through=0)


def find_at(session: Session, key: FolderKey, location: str) -> Message | None:
    return session.scalar(
        select(Message).where(
            Message.mailbox == key.mailbox, Message.folder == key.folder, Message.location == location
        )
    )


def find_same(session: Session, message_id: str, sha256: str) -> Message | None:
    """An earlier record of the very same message (same Message-ID and bytes)."""
    return session.scalar(
        select(Message).where(Message.message_id == message_id, Message.sha256 == sha256).order_by(Message.id).limit(1)
    )


def find_existing(
    session: Session, key: FolderKey, location: str, message_id: str, sha256: str
) -> tuple[Message | None, Message | None]:
    """(the row recorded at this location, the earliest record of the very same message), in one query.

    The same answers as find_at and find_same, in one round trip instead of two.
    """
    # Ids first, without the ORM (almost always none: a new message); objects only for what was found.
    params = {
        "p_mailbox": key.mailbox,
        "p_folder": key.folder,
        "p_location": location,
        "p_message_id": message_id,
        "p_sha256": sha256,
    }
    found = execute_core(session, prepared(session, "find_existing", _find_existing), params).scalars()
    ids = sorted({i for i in found if i is not None})
    if not ids:
        return None, None
    rows = session.scalars(select(Message).where(Message.id.in_(ids)).order_by(Message.id)).all()
    existing = next((r for r in rows if (r.mailbox, r.folder, r.location) == (key.mailbox, key.folder, location)), None)
    earliest = next((r for r in rows if (r.message_id, r.sha256) == (message_id, sha256)), None)
    return existing, earliest


def maybe_recorded(session: Session, key: FolderKey, wanted: list[tuple[str, str, str]]) -> set[int]:
    """Which of a group's (location, message_id, sha256) find_existing could find: one query for the group.

    Almost always none (new mail), and then no message of the group asks again.
    A match of both lists that is not one message's own pair only makes that message ask.
    """
    if not wanted:
        return set()
    params = {
        "p_mailbox": key.mailbox,
        "p_folder": key.folder,
        "p_locations": sorted({w[0] for w in wanted}),
        "p_message_ids": sorted({w[1] for w in wanted}),
        "p_sha256s": sorted({w[2] for w in wanted}),
    }
    found = execute_core(session, prepared(session, "maybe_recorded", _maybe_recorded), params).all()
    locations = {location for location, _, _ in found if location is not None}
    pairs = {(message_id, sha256) for location, message_id, sha256 in found if location is None}
    return {
        i
        for i, (location, message_id, sha256) in enumerate(wanted)
        if location in locations or (message_id, sha256) in pairs
    }


def _maybe_recorded(_insert: Callable) -> Any:
    table = Message.__table__
    at = select(table.c.location, null(), null()).where(
        table.c.mailbox == bindparam("p_mailbox"),
        table.c.folder == bindparam("p_folder"),
        table.c.location.in_(bindparam("p_locations", expanding=True)),
    )
    same = select(null(), table.c.message_id, table.c.sha256).where(
        table.c.message_id.in_(bindparam("p_message_ids", expanding=True)),
        table.c.sha256.in_(bindparam("p_sha256s", expanding=True)),
    )
    return union_all(at, same)


def _find_existing(_insert: Callable) -> Any:
    table = Message.__table__
    at = select(table.c.id).where(
        table.c.mailbox == bindparam("p_mailbox"),
        table.c.folder == bindparam("p_folder"),
        table.c.location == bindparam("p_location"),
    )
    same = select(func.min(table.c.id)).where(
        table.c.message_id == bindparam("p_message_id"), table.c.sha256 == bindparam("p_sha256")
    )
    return union_all(at, same)


def location_of(fetched: Fetched, epoch: int) -> str:
    return f"{epoch}/{fetched.uid}" if fetched.uid is not None else fetched.location


def new_record(
    key: FolderKey,
    fetched: Fetched,
    epoch: int,
    mail: IncomingMail | None,
    sha256: str,
    compressed: bytes | None = None,
) -> Message:
    """A new row for a fetched message; `compressed` is its raw bytes already deflated (pipeline.intake.prepare)."""
    record = Message(
        mailbox=key.mailbox,
        folder=key.folder,
        location=location_of(fetched, epoch),
        uidvalidity=epoch if fetched.uid is not None else None,
        uid=fetched.uid,
        sha256=sha256,
        size=fetched.size,
        received_at=dt.datetime.now(dt.UTC),
    )
    if compressed is not None:
        record.raw_compressed = compressed
    else:
        record.raw = fetched.raw
    record.attachments = []  # known empty: storing attachments need not ask the database
    if mail is not None:
        record.message_id = mail.message_id[:998]
        record.from_addr = mail.from_addr[:320]
        record.from_name = mail.from_name[:500]
        record.subject = mail.subject
        record.date_header = mail.date
        record.in_reply_to = mail.in_reply_to[:998]
        record.references = " ".join(mail.references)
        record.auto_submitted = mail.is_auto_submitted
    return record


def relocate(record: Message, key: FolderKey, fetched: Fetched, epoch: int) -> None:
    """The same message seen again at a new place (after a UIDVALIDITY change): file it again, don't rerun it."""
    record.location = location_of(fetched, epoch)
    record.uidvalidity = epoch if fetched.uid is not None else None
    record.uid = fetched.uid
    record.action_done = False


def pending_actions(session: Session, key: FolderKey, epoch: int) -> list[Message]:
    """Recorded messages whose mailbox action has not been done yet (a crash after commit)."""
    query = select(Message).where(
        Message.mailbox == key.mailbox, Message.folder == key.folder, Message.action_done.is_(False)
    )
    rows = list(session.scalars(query))
    return [r for r in rows if r.uid is None or r.uidvalidity == epoch]


# This process's claim token. A claim by a process that is gone (same host, pid
# not running) or older than the lease may be taken over.
CLAIM_TOKEN = new_claim_token()
CLAIM_LEASE = dt.timedelta(minutes=5)


def claim_for_us(record: Message) -> None:
    """Claim the mailbox action of a row we are writing in this transaction."""
    record.action_claim = CLAIM_TOKEN
    record.action_claimed_at = dt.datetime.now(dt.UTC)


def claim_actions(session: Session, ids: list[int]) -> set[int]:
    """Claim the pending mailbox actions of these rows; returns the ids that are now ours."""
    if not ids:
        return set()
    now = dt.datetime.now(dt.UTC)
    current = session.execute(select(Message.action_claim).where(Message.id.in_(ids)).distinct()).scalars()
    dead = [claim for claim in current if claim and claim != CLAIM_TOKEN and claimant_is_gone(claim)]
    claimable = (
        (Message.action_claim == "")
        | (Message.action_claim == CLAIM_TOKEN)
        | (Message.action_claimed_at < now - CLAIM_LEASE)
    )
    if dead:
        claimable = claimable | Message.action_claim.in_(dead)
    session.execute(
        update(Message)
        .where(Message.id.in_(ids), Message.action_done.is_(False), claimable)
        .values(action_claim=CLAIM_TOKEN, action_claimed_at=now)
    )
    return set(
        session.scalars(
            select(Message.id).where(
                Message.id.in_(ids), Message.action_claim == CLAIM_TOKEN, Message.action_done.is_(False)
            )
        )
    )


def mark_actions_done(session: Session, ids: list[int]) -> None:
    if ids:
        session.execute(update(Message).where(Message.id.in_(ids)).values(action_done=True))
