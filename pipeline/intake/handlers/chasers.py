"""The plan's story beyond one form: who wrote a forwarded plan, telling its author, and answering
"did this arrive?" with where the plan stands instead of filing it again."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pipeline.compose import queue_reply
from pipeline.config import Settings
from pipeline.intake.forwards import Forward, find_forward
from pipeline.intake.handlers.base import HandlerContext, HandlerResult
from pipeline.intake.handlers.filing import Arrival
from pipeline.intake.handlers.plan_status import received_on, status_sentence
from pipeline.intake.same_plan import file_nos_in
from pipeline.mail import IncomingMail, body_start
from pipeline.store.models import AuditEvent, Message, Outgoing, Submission, utcnow
from pipeline.store.plans import latest_revision, resolve_file_no

_THING = r"(this|it|that|(my|our|the)( \w+){1,2})"
_CHASER = re.compile(
    rf"\b(did {_THING} (get|receive|arrive|come through|reach)|did you (get|receive)|(just )?checking( in)?( that| if| whether)?"
    rf"|(has|have|was|were) {_THING} (arrived|been received|received|come through|got through|reached you)"
    r"|confirm (receipt|you (have )?(got|received))|have you (got|received|had)\b"
    r"|check (that |if |whether )?(you )?(have )?(got|received|had)\b|(if|whether) you (have |had )?(got|received)\b"
    r"|(got|get|gone|come) through\b|(any|an) (news|update) on|not heard|have(n't| not) heard|chas(e|ing)"
    r"|arrived\s*\?|receive[d]? (this|it)\s*\?)",
    re.I,
)
# A sender's plans this recent are what an unspecific "did it arrive?" asks about.
RECENT = dt.timedelta(days=90)
MAX_PLANS = 5


def our_addresses(settings: Settings) -> frozenset[str]:
    return frozenset(
        a.lower() for a in (settings.smtp.from_address, settings.smtp.reply_to, settings.network.shared_address) if a
    )


def arrival_of(ctx: HandlerContext, forms: int) -> Arrival:
    mail = ctx.mail
    return Arrival(
        record=ctx.record,
        thread=tuple(i for i in (mail.in_reply_to, *mail.references) if i),
        file_nos=tuple(file_nos_in([mail.subject, mail.text], ctx.settings.network.file_no_prefix)),
        forward=find_forward(mail, our_addresses(ctx.settings)),
        forms=forms,
    )


def tell_author(ctx: HandlerContext, forward: Forward | None, address: str, name: str, subject: str, text: str) -> None:
    """The plan's author gets the same answer as the colleague who forwarded it."""
    who = ctx.mail.from_name or ctx.mail.from_addr
    to_author = dataclasses.replace(
        ctx.mail,
        from_addr=address,
        from_name=name,
        message_id=forward.message_id if forward is not None else "",
        in_reply_to="",
        references=(),
    )
    text = f"{who} forwarded your improvement plan to us; this is the answer we sent them.\n\n{text}"
    queue_reply(ctx.session, ctx.settings, to_author, subject=subject, text=text, kind="ack", source=ctx.record)


def answer_chaser(ctx: HandlerContext, only_if_asked: bool) -> HandlerResult | None:
    """A message without a form that asks after plans we have (or, unless `only_if_asked`, names
    them by File No or thread): answer with where each stands instead of holding it."""
    mail = ctx.mail
    asking = asks_after_a_plan(mail)
    if only_if_asked and not asking:
        return None
    plans = _named_plans(ctx.session, ctx, asking)
    if not plans:
        return None
    lines = ["Thank you for your message. Here is where your improvement plans stand:", ""]
    for row in plans:
        title = " ".join(row.title.split())[:200] or "untitled"
        lines += [
            f'"{title}" was already received as File No {row.file_no or "(not yet issued)"} on {received_on(row)}.',
            status_sentence(row),
            "",
        ]
        detail = {"message_pk": ctx.record.id, "message_id": mail.message_id, "subject": mail.subject[:300]}
        ctx.session.add(AuditEvent(submission_id=row.id, action="asked", actor=mail.from_addr, detail=detail))
    lines += [f"-- \n{ctx.settings.network.name}", "This is an automatic reply."]
    numbers = ", ".join(r.file_no or f"submission {r.id}" for r in plans)
    reply = queue_reply(
        ctx.session,
        ctx.settings,
        mail,
        subject=f"Already received: {numbers}",
        text="\n".join(lines),
        kind="reply",
        source=ctx.record,
    )
    told = "; the sender was told" if reply is not None else "; no reply sent (automatic mail or daily limit)"
    return HandlerResult("processed", f"asked after {numbers}: already received{told}")


def asks_after_a_plan(mail: IncomingMail) -> bool:
    """'Did you get my plan?', 'Just checking this arrived', 'Any update on our submission?'."""
    return bool(_CHASER.search(mail.subject or "") or _CHASER.search(body_start(mail.text or "", 12)))


def _named_plans(session: Session, ctx: HandlerContext, asking: bool) -> list[Submission]:
    """Plans named by File No or by the thread; failing that, when it asks, the sender's recent ones."""
    mail = ctx.mail
    rows: dict[int, Submission] = {}
    for file_no in file_nos_in([mail.subject, mail.text], ctx.settings.network.file_no_prefix)[:MAX_PLANS]:
        item = resolve_file_no(session, file_no)
        latest = latest_revision(session, item, lock=False) if item is not None else None
        if latest is not None:
            rows[latest.id] = latest
    for row in _in_thread(session, (mail.in_reply_to, *mail.references)):
        rows.setdefault(row.id, row)
    if not rows and asking:
        since = utcnow() - RECENT
        query = (
            select(Submission)
            .where(or_(Submission.sender == mail.from_addr, Submission.forwarded_by == mail.from_addr))
            .where(Submission.received_at >= since)
            .order_by(Submission.id.desc())
            .limit(MAX_PLANS)
        )
        rows = {row.id: row for row in session.scalars(query)}
    current = [_latest(session, row) for row in rows.values()]
    return list({row.id: row for row in current}.values())[:MAX_PLANS]


def _latest(session: Session, row: Submission) -> Submission:
    if row.item is None:
        return row
    item = resolve_file_no(session, row.item.file_no) or row.item
    return latest_revision(session, item, lock=False) or row


def _in_thread(session: Session, thread: tuple[str, ...]) -> list[Submission]:
    ids = [i for i in thread if i][:50]
    if not ids:
        return []
    ours = select(Outgoing.source_message_pk).where(Outgoing.message_id.in_(ids))
    theirs = select(Message.id).where(Message.message_id.in_(ids))
    query = select(Submission).where(or_(Submission.message_pk.in_(ours), Submission.message_pk.in_(theirs)))
    return list(session.scalars(query.limit(MAX_PLANS)))
