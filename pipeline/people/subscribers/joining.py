"""Joining, confirming and leaving by email (or the web), with the confirmation trail.

Nobody is subscribed without a reply from the address being subscribed: a join
request creates a `pending` subscriber and sends a confirmation to that address,
whose Reply-To is `bulletin+confirm-TOKEN@domain`; the confirm step checks the
token *and* that the reply came from that address.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.compose import build_message, clean_header, queue_message
from pipeline.config import Settings
from pipeline.errors import InvalidToken
from pipeline.people.subscribers import registry
from pipeline.people.subscribers.consent import CONFIRM_WORDING_VERSION, record_consent
from pipeline.people.subscribers.suppression import is_suppressed, lift_suppression, suppress
from pipeline.people.subscribers.tokens import consume_token, make_token, read_token, token_address
from pipeline.store import counters
from pipeline.store.models import Message, Outgoing, Subscriber, Suppression, utcnow

CONFIRM_RESEND_AFTER = dt.timedelta(hours=24)
LEAVE_CONFIRM = "confirm-leave"  # the Outgoing kind of a request to confirm leaving


@dataclass
class Outcome:
    """What a join / confirm / leave did, in words for the message log."""

    done: bool
    reason: str
    subscriber: Subscriber | None = None


def request_join(
    session: Session,
    settings: Settings,
    address: str,
    list_name: str,
    *,
    name: str = "",
    requested_by: str = "",
    via: str = "email",
    source: Message | None = None,
) -> Outcome:
    """Record a join request and queue a confirmation to `address` (never to the requester).

    A request never changes an existing subscriber's record (status, consent trail, name):
    anyone can ask, and only the owner's confirmation (`confirm`) changes it. A new address
    gets a `pending` record. Limits: `lists.joins_per_sender_per_day` confirmations for one
    sender's requests (a From anyone can forge), and one a day to any one address.
    """
    address = registry.normalise_address(address)
    registry.check_list(settings, list_name)
    requester = (requested_by or address).lower()
    if _confirmations_today(session, requester) >= settings.lists.joins_per_sender_per_day:
        return Outcome(
            False, f"join requests from {requester} are over today's limit ({settings.lists.joins_per_sender_per_day})"
        )
    subscriber = registry.find(session, address)
    if subscriber is not None and subscriber.status == "active" and list_name in _confirmed_lists(subscriber):
        return Outcome(False, f"{address} is already on the {list_name} list", subscriber)
    if requester != address and is_suppressed(session, address):
        # They asked not to be mailed: only a request from the address itself may lead to a confirmation.
        return Outcome(False, f"{address} is on the suppression list; only they can ask to rejoin", subscriber)
    created = subscriber is None
    if subscriber is None:
        subscriber = Subscriber(
            email=address,
            name=name,
            status="pending",
            joined_via=via,
            requested_by=requester if requester != address else "",
            request_message_pk=source.id if source is not None else None,
        )
        session.add(subscriber)
    registry.add_membership(subscriber, list_name, confirmed=False)  # takes effect only when confirmed
    session.flush()
    if _confirmed_to_recently(session, address):
        return Outcome(False, f"a confirmation went to {address} less than a day ago; not sending another", subscriber)
    queue_confirmation(session, settings, subscriber, list_name, requester, source)
    if created:
        subscriber.confirmation_sent_at = utcnow()
    return Outcome(True, f"confirmation sent to {address} for the {list_name} list", subscriber)


def _confirmed_lists(subscriber: Subscriber) -> list[str]:
    return [m.list_name for m in subscriber.memberships if m.confirmed]


def _confirmations_today(session: Session, requester: str) -> int:
    """Confirmations sent today because of mail from `requester` (mass-join guard)."""
    start = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        session.scalar(
            select(func.count())
            .select_from(Outgoing)
            .join(Message, Outgoing.source_message_pk == Message.id)
            .where(Outgoing.kind == "confirm", Outgoing.created_at >= start, func.lower(Message.from_addr) == requester)
        )
        or 0
    )


def _confirmed_to_recently(session: Session, address: str, kind: str = "confirm") -> bool:
    """Whether a confirmation request of `kind` went to `address` in the last CONFIRM_RESEND_AFTER."""
    since = utcnow() - CONFIRM_RESEND_AFTER
    return bool(
        session.scalar(
            select(func.count())
            .select_from(Outgoing)
            .where(Outgoing.kind == kind, Outgoing.recipient == address, Outgoing.created_at >= since)
        )
    )


def queue_confirmation(
    session: Session, settings: Settings, subscriber: Subscriber, list_name: str, requester: str, source: Message | None
) -> Outgoing:
    token = make_token(settings, "confirm", subscriber.id)
    reply_address = token_address(settings, "confirm", token)
    short = settings.network.short_name
    who = "You" if requester == subscriber.email else f"Someone ({requester})"
    lines = [
        f"{who} asked to add {subscriber.email} to the {short} Bulletin ({list_name} list).",
        "",
        "To confirm, simply reply to this message. If it was not you, ignore it: nothing happens.",
        f"This request expires in {settings.security.confirm_days} days.",
    ]
    if settings.web.base_url:
        lines += ["", f"Or confirm on the web: {settings.web.base_url.rstrip('/')}/confirm/{token}"]
    msg = _confirm_by_reply(
        settings, subscriber, f"Please confirm your subscription to the {short} Bulletin", lines, reply_address
    )
    if source is not None and source.message_id and requester == subscriber.email:
        msg["In-Reply-To"] = clean_header(source.message_id)  # threads under their own request
    return queue_message(session, settings, msg, kind="confirm", source=source, subscriber_id=subscriber.id)


def _confirm_by_reply(
    settings: Settings, subscriber: Subscriber, subject: str, lines: list[str], reply_address: str
) -> EmailMessage:
    """A request that the subscriber confirms by a plain Reply: its Reply-To is the token address."""
    msg = build_message(
        settings,
        subscriber.email,
        subject,
        "\n".join(lines) + "\n",
        to_name=subscriber.name,
        headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
    )
    del msg["Reply-To"]
    msg["Reply-To"] = reply_address
    return msg


def confirm(
    session: Session,
    settings: Settings,
    token_text: str,
    from_addr: str,
    *,
    via: str = "email",
    source: Message | None = None,
    now: dt.datetime | None = None,
) -> Outcome:
    """Confirm a join with its token; the reply must come from the address being subscribed.

    `from_addr=""` is for the web link, where following the link is the proof.
    """
    try:
        token = read_token(settings, token_text, "confirm", now)
    except InvalidToken as exc:
        return Outcome(False, str(exc))
    subscriber = session.get(Subscriber, token.subscriber_id)
    if subscriber is None:
        return Outcome(False, "token refused: no such subscriber any more")
    if from_addr and from_addr.strip().lower() != subscriber.email:
        return Outcome(False, f"confirmation for {subscriber.email} came from {from_addr}: not accepted", subscriber)
    try:
        consume_token(session, token)
    except InvalidToken as exc:
        return Outcome(False, str(exc), subscriber)
    _record_request(session, subscriber)
    _activate(settings, subscriber, via, source)
    # Their own confirmed request is the one way off the suppression list (suppression.py).
    lifted = lift_suppression(session, subscriber.email)
    record_consent(
        subscriber,
        "confirmed",
        source=via,
        list_name=", ".join(subscriber.lists),
        detail=_confirm_detail(session, subscriber, source, lifted),
        wording_version=CONFIRM_WORDING_VERSION,
    )
    state = "waits for approval" if subscriber.awaiting_approval else "is now active"
    return Outcome(True, f"{subscriber.email} confirmed ({', '.join(subscriber.lists)}) and {state}", subscriber)


def _confirm_detail(session: Session, subscriber: Subscriber, source: Message | None, lifted: bool) -> str:
    parts = [f"reply {source.message_id}" if source is not None and source.message_id else "confirm link"]
    if subscriber.requested_by:
        parts.append(f"requested by {subscriber.requested_by}")
    if lifted:
        parts.append("taken off the suppression list")
    return "; ".join(parts)


def _record_request(session: Session, subscriber: Subscriber) -> None:
    """The request being confirmed becomes the record's: who asked, in which message.

    It is the one behind the latest confirmation sent to this subscriber; a request
    itself never writes to an existing record (see request_join).
    """
    request = session.scalar(
        select(Message)
        .join(Outgoing, Outgoing.source_message_pk == Message.id)
        .where(Outgoing.kind == "confirm", Outgoing.subscriber_id == subscriber.id)
        .order_by(Outgoing.id.desc())
        .limit(1)
    )
    if request is not None:
        asker = (request.from_addr or "").lower()
        subscriber.requested_by = asker if asker and asker != subscriber.email else ""
        subscriber.request_message_pk = request.id


def _activate(settings: Settings, subscriber: Subscriber, via: str, source: Message | None) -> None:
    for membership in subscriber.memberships:
        membership.confirmed = True
    subscriber.confirmed_at = utcnow()
    subscriber.confirmed_via = via
    subscriber.confirm_message_pk = source.id if source is not None else None
    subscriber.bounce_score = 0
    subscriber.disabled_at, subscriber.disabled_reason = None, ""
    if settings.lists.approval_required and subscriber.approved_at is None:
        subscriber.awaiting_approval = True
        subscriber.status = "pending"
    else:
        subscriber.status = "active"


def unsubscribe_by_token(
    session: Session, settings: Settings, token_text: str, via: str = "email", now: dt.datetime | None = None
) -> Outcome:
    """List-Unsubscribe (mailto or one-click): the token is the proof; effective at once."""
    try:
        token = read_token(settings, token_text, "unsubscribe", now)
    except InvalidToken as exc:
        return Outcome(False, str(exc))
    subscriber = session.get(Subscriber, token.subscriber_id)
    if subscriber is None:
        return Outcome(False, "token refused: no such subscriber any more")
    try:
        consume_token(session, token)
    except InvalidToken as exc:
        return Outcome(False, str(exc), subscriber)
    return _leave(session, subscriber, via)


def unsubscribe_address(session: Session, address: str, via: str = "email") -> Outcome:
    """A leave request from the subscriber's own address, whose sender the receiving server verified."""
    subscriber = registry.find(session, address)
    if subscriber is None:
        return Outcome(False, f"{address} is not a subscriber")
    return _leave(session, subscriber, via)


def ask_to_confirm_leaving(
    session: Session, settings: Settings, address: str, *, source: Message | None = None, in_reply_to: str = ""
) -> Outcome:
    """A leave request we cannot trust came from `address`: ask that address to confirm it.

    The request goes to the subscriber's own address with a Reply-To of
    bulletin+unsubscribe-TOKEN@domain: a plain Reply leaves (the token reached that
    mailbox), and ignoring it changes nothing. At most one a day to one address.
    """
    subscriber = registry.find(session, address)
    if subscriber is None:
        return Outcome(False, f"{address} is not a subscriber")
    if subscriber.status == "unsubscribed":
        return Outcome(False, f"{subscriber.email} had already left", subscriber)
    if _confirmed_to_recently(session, subscriber.email, LEAVE_CONFIRM):
        return Outcome(
            False,
            f"a request to confirm leaving went to {subscriber.email} less than a day ago; not sending another",
            subscriber,
        )
    if not counters.count_auto_reply(session, subscriber.email, settings.limits.auto_replies_per_day):
        return Outcome(False, f"{subscriber.email} has had today's automatic replies; not asking", subscriber)
    token = make_token(settings, "unsubscribe", subscriber.id, days=settings.security.confirm_days)
    short = settings.network.short_name
    lines = [
        f"We received a request to stop sending the {short} Bulletin to {subscriber.email}.",
        "",
        "To confirm, simply reply to this message. If it was not you, ignore it: you stay subscribed.",
        f"This request expires in {settings.security.confirm_days} days.",
    ]
    if settings.web.base_url:
        lines += ["", f"Or leave on the web: {settings.web.base_url.rstrip('/')}/unsubscribe/{token}"]
    reply_address = token_address(settings, "unsubscribe", token)
    msg = _confirm_by_reply(settings, subscriber, f"Please confirm: leave the {short} Bulletin", lines, reply_address)
    if in_reply_to:
        msg["In-Reply-To"] = clean_header(in_reply_to)
    queue_message(session, settings, msg, kind=LEAVE_CONFIRM, source=source, subscriber_id=subscriber.id)
    return Outcome(True, f"asked {subscriber.email} to confirm leaving", subscriber)


def _leave(
    session: Session, subscriber: Subscriber, via: str, reason: str = "unsubscribed", detail: str = ""
) -> Outcome:
    """They asked to go: off every list, a `withdrawn` consent record, and on the suppression list."""
    detail = detail or f"via {via}"
    if subscriber.status == "unsubscribed":
        suppress(session, subscriber.email, reason, detail)
        return Outcome(False, f"{subscriber.email} had already left", subscriber)
    registry.remove_all(subscriber, via)
    record_consent(subscriber, "withdrawn", source=via, detail=f"{reason}: {detail}")
    suppress(session, subscriber.email, reason, detail)
    return Outcome(True, f"{subscriber.email} left the bulletin", subscriber)


def suppress_at_request(session: Session, address: str) -> Suppression:
    """Their request, passed on by the lead: off every list and on the suppression list."""
    address = registry.normalise_address(address)
    subscriber = registry.find(session, address)
    detail = "at their request, recorded by the communications lead"
    if subscriber is not None:
        _leave(session, subscriber, "cli", reason="requested", detail=detail)
    return suppress(session, address, "requested", detail)


def leave_after_complaint(session: Session, subscriber: Subscriber, detail: str) -> Outcome:
    """A spam report about our mail: they leave at once and go on the suppression list."""
    return _leave(session, subscriber, "complaint", reason="complaint", detail=detail)


def unsubscribe_link(settings: Settings, subscriber_id: int) -> tuple[str, str]:
    """(mailto address, https link or "") for a bulletin copy's List-Unsubscribe."""
    token = make_token(settings, "unsubscribe", subscriber_id)
    link = f"{settings.web.base_url.rstrip('/')}/unsubscribe/{token}" if settings.web.base_url else ""
    return token_address(settings, "unsubscribe", token), link


def list_unsubscribe_headers(settings: Settings, subscriber_id: int) -> dict[str, str]:
    """List-Unsubscribe (+ -Post when a web base URL is set, RFC 8058) for one bulletin copy."""
    return unsubscribe_headers(*unsubscribe_link(settings, subscriber_id))


def unsubscribe_headers(mailto: str, link: str) -> dict[str, str]:
    """The same for an unsubscribe address and link already made."""
    if link:
        return {
            "List-Unsubscribe": f"<{link}>, <mailto:{mailto}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return {"List-Unsubscribe": f"<mailto:{mailto}>"}


def bounce_address(settings: Settings, subscriber_id: int) -> str:
    """The VERP envelope sender for a copy to this subscriber: bulletin+bounce-TOKEN@domain."""
    return token_address(settings, "bounce", make_token(settings, "bounce", subscriber_id))
