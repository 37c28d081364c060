"""Forgetting a subscriber everywhere their address and their mail are kept, in the caller's transaction.

`forget` (pipeline/people/subscribers/registry.py) deletes the subscriber row, and
their lists, consent trail and bounces with it. Their address and mail are kept in
two more places, erased here in the same transaction:

- The outgoing table: each row sent to them keeps its edition, kind, status and
  times, so every edition's counts still add up, but its recipient becomes
  `forgotten:` and the address's suppression hash; a one-off message loses its
  bytes and subject; mail not yet sent is cancelled. The hash still matches their
  address if they ever rejoin, so an edition they had is not sent to them again
  (`sent_before`, used by pipeline/mailing/sending.py).
- The incoming-message log: messages from them, and those about them (a join asked
  for them by someone else, a complaint or bounce that names them), lose sender,
  subject, bytes, attachments and error text. Message-ID and SHA-256 stay, so a
  copy still in the mailbox is known as handled and never handled twice. A message
  that carried a submitted plan, or the consent to share one, is kept: it is the
  plan's record (members' data, kept on its own terms), not the list's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from pipeline.people.subscribers.suppression import address_digest
from pipeline.store.models import (
    Attachment,
    AutoReplyCount,
    Complaint,
    Message,
    Outgoing,
    Submission,
    Subscriber,
)
from pipeline.store.models.intake import deflate

REDACTED_PREFIX = "forgotten:"
ERASED_NOTE = "erased: the person asked to be forgotten"
# Messages these handlers took are a plan's record (the form, the consent to share it), kept with the plan.
PLAN_HANDLERS = ("submission", "share_consent")


@dataclass
class Erased:
    """What forgetting one address changed, for the person who asked and for the after-commit tidy-up."""

    address_sha256: str
    subscriber: bool = False
    outgoing_redacted: int = 0
    outgoing_cancelled: int = 0
    messages_erased: int = 0
    messages_kept_for_plans: int = 0
    spool_names: list[str] = field(default_factory=list)  # outbox files of cancelled mail, removed after commit

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k != "spool_names"}


def redacted_address(address: str) -> str:
    """What stands in for a forgotten address: its suppression hash, never the address."""
    return REDACTED_PREFIX + address_digest(address)


def sent_before(recipients: set[str]) -> Callable[[str], bool]:
    """Whether an address has a row among an edition's `recipients`, as itself or, once forgotten, as its hash.

    `recipients` is read on each call, so addresses added to it later count too.
    """
    hashed = {r for r in recipients if r.startswith(REDACTED_PREFIX)}
    return lambda address: address in recipients or (bool(hashed) and redacted_address(address) in hashed)


def erase_traces(session: Session, address: str, subscriber: Subscriber | None) -> Erased:
    """Redact the outgoing rows and erase the incoming messages of `address` (lower case)."""
    erased = Erased(address_digest(address), subscriber=subscriber is not None)
    messages = _messages_about(session, address, subscriber)
    plans = set(session.scalars(select(Submission.message_pk).where(Submission.message_pk.in_(messages))))
    plans |= set(
        session.scalars(select(Message.id).where(Message.id.in_(messages), Message.handler.in_(PLAN_HANDLERS)))
    )
    erased.messages_kept_for_plans = len(plans)
    gone = [pk for pk in messages if pk not in plans]
    _erase_messages(session, address, gone)
    erased.messages_erased = len(gone)
    _redact_outgoing(session, address, subscriber, gone, erased)
    session.execute(delete(AutoReplyCount).where(func.lower(AutoReplyCount.address) == address))
    return erased


def remove_spool_files(outbox: Path, names: list[str]) -> None:
    """Outbox files of mail cancelled by `forget` (they hold the address); after commit."""
    for name in names:
        (outbox / name).unlink(missing_ok=True)


def _messages_about(session: Session, address: str, subscriber: Subscriber | None) -> list[int]:
    about = [func.lower(Message.from_addr) == address, func.lower(Message.reason).contains(address, autoescape=True)]
    if subscriber is not None:
        linked = [subscriber.request_message_pk, subscriber.confirm_message_pk]
        linked += session.scalars(select(Complaint.message_pk).where(Complaint.subscriber_id == subscriber.id))
        about.append(Message.id.in_([pk for pk in linked if pk is not None]))
    return sorted(session.scalars(select(Message.id).where(or_(*about))))


def _erase_messages(session: Session, address: str, ids: list[int]) -> None:
    if not ids:
        return
    session.execute(
        delete(Attachment).where(Attachment.message_pk.in_(ids)), execution_options={"synchronize_session": False}
    )
    hashed, empty = redacted_address(address), deflate(b"")
    for row in session.scalars(select(Message).where(Message.id.in_(ids))):
        if row.from_addr.lower() == address:
            row.from_addr, row.from_name = hashed, ""
        row.subject, row.error, row.raw_compressed = "", "", empty
        row.reason = _without(row.reason, address, hashed)
        if row.outcome in ("held", "quarantined"):  # nothing is left for a person to decide on
            row.outcome, row.reason = "ignored", ERASED_NOTE


def _redact_outgoing(
    session: Session, address: str, subscriber: Subscriber | None, messages: list[int], erased: Erased
) -> None:
    mine = [func.lower(Outgoing.recipient) == address]
    if subscriber is not None:
        mine.append(Outgoing.subscriber_id == subscriber.id)
    answering = Outgoing.source_message_pk.in_(messages) if messages else None
    query = select(Outgoing).where(or_(*mine, *([answering] if answering is not None else [])))
    hashed = redacted_address(address)
    for row in session.scalars(query):
        if row.kind != "bulletin":  # a one-off message's words were written to or about them
            row.raw, row.subject = None, ""
        row.last_error = _without(row.last_error, address, hashed)
        theirs = row.recipient.lower() == address or (subscriber is not None and row.subscriber_id == subscriber.id)
        if not theirs:
            continue  # an answer to someone else about them: that person's address stays
        row.recipient, row.subscriber_id = hashed, None
        erased.outgoing_redacted += 1
        if row.status == "queued":
            row.status, row.last_error = "cancelled", ERASED_NOTE
            erased.outgoing_cancelled += 1
            if row.spool_name and not row.claimed_by:  # a claimed one is being sent: the sender removes its file
                erased.spool_names.append(row.spool_name)


def _without(text: str, address: str, hashed: str) -> str:
    return re.sub(re.escape(address), hashed, text or "", flags=re.IGNORECASE)
