"""share_consent: a member's YES, in reply to our acknowledgement, lets their plan out of the network.

The acknowledgement of a plan not cleared for sharing says "we will not share this
outside the network: reply YES to allow it". A reply whose first line is a clear yes
(read as the Share externally box is read), from the address that sent the plan or
its lead contact, sets Share externally to yes on the plans that acknowledgement (or a
File No in the subject) names, with an audit event. Anything less certain is held
for a person: consent is never guessed. The member is told so in the same pass,
with what we read, so a "Yes, but not my email address" is answered, not ignored.

A clear NO ("No", "No thanks", "Please do not share") from the same people is their
answer too: Share externally is set to no (even on a plan whose form said yes: the
latest word is theirs), with an audit event, and they are told we will not share it.
A line that only starts with "no" ("No problem", "No attachment this time") is not one.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.compose import queue_reply
from pipeline.intake.handlers.base import HandlerContext, HandlerResult
from pipeline.mail import body_start
from pipeline.store.models import AuditEvent, Item, Outgoing, Submission
from pipeline.templates_io.consent import read_consent
from pipeline.templates_io.validate import loose_file_no

_GREETING = re.compile(
    r"^(hi|hello|hiya|dear|good (morning|afternoon|evening)|morning|afternoon)\b[^.!?]{0,40}[,!.]?$", re.IGNORECASE
)
_FILE_NO = re.compile(r"\b(?:[A-Za-z0-9]{1,10}-)?[A-Za-z]{2}\d?-\d{4}-\d{1,6}\b")
# A no about sharing: a bare no, or a line that says it is about sharing. read_consent must agree.
_CLEAR_NO = re.compile(
    r"^\s*(?:(?:no|nope|nah)\s*[.!,-]*\s*(?:(?:thanks|thank you)\s*[.!]*)?\s*$"
    r"|(?:no|nope)\b.{0,80}\b(?:shar|extern|outside|public|internal)"
    r"|(?:please\s+)?(?:do\s+not|don.?t|dont|rather\s+not|prefer\s+not\s+to)\s+(?:share|publish)"
    r"|not\s+(?:happy|willing|ok|okay)\b.{0,40}\bshar)",
    re.IGNORECASE,
)


class ShareConsentHandler:
    name = "share_consent"
    description = (
        "A YES to sharing a plan outside the network, in reply to our acknowledgement, from the plan's sender."
    )

    def handle(self, ctx: HandlerContext) -> HandlerResult:
        first = _answer_line(ctx.mail.text)
        answer = read_consent(first)
        if answer.chosen and answer.value is False and _CLEAR_NO.match(first):
            return _record_no(ctx, first)
        if not (answer.chosen and answer.value is True):
            told = _ask_again(ctx, first)
            return HandlerResult(
                "held", f"a reply about sharing that is not a clear yes ({first[:60]!r}): a person should read it{told}"
            )
        named = answered_plans(ctx.session, ctx)
        plans = [s for s in named if _from_member(ctx.mail.from_addr, s)]
        if not plans:
            told = _not_matched(ctx, others=bool(named))
            return HandlerResult(
                "held", f"a YES to sharing that answers none of this sender's plans: a person should read it{told}"
            )
        for plan in plans:
            if plan.share_externally is not True:
                _record_answer(ctx, plan, "share consent", first, True)
        _thank(ctx, plans)
        return HandlerResult(
            "processed", f"share externally set to yes on {', '.join(_names(plans))}", {"submissions": plans}
        )


def _answer_line(text: str) -> str:
    """The first line the member typed after any greeting: 'Hi Sam,' then 'Yes, happy to share'."""
    lines = body_start(text, lines=3).splitlines()
    return next((line for line in lines if not _GREETING.match(line)), "")


def answered_plans(session: Session, ctx: HandlerContext) -> list[Submission]:
    """The plans our message in this thread acknowledged, and the latest revision of any File No in the subject."""
    ids = [i for i in (ctx.mail.in_reply_to, *ctx.mail.references) if i][:50]
    found: dict[int, Submission] = {}
    if ids:
        ours = select(Outgoing.source_message_pk).where(
            Outgoing.message_id.in_(ids), Outgoing.source_message_pk.is_not(None)
        )
        for row in session.scalars(select(Submission).where(Submission.message_pk.in_(ours)).order_by(Submission.id)):
            found[row.id] = row
    file_nos = {
        loose_file_no(m.group(0), ctx.settings.network.file_no_prefix)
        for m in _FILE_NO.finditer(ctx.mail.subject or "")
    }
    if file_nos - {""}:
        latest = (
            select(Submission)
            .join(Item, Submission.item_id == Item.id)
            .where(Item.file_no.in_(file_nos - {""}))
            .order_by(Submission.item_id, Submission.revision.desc())
        )
        seen: set[int | None] = set()
        for row in session.scalars(latest):
            if row.item_id not in seen:
                seen.add(row.item_id)
                found.setdefault(row.id, row)
    return list(found.values())


def _from_member(address: str, plan: Submission) -> bool:
    address = (address or "").strip().lower()
    return bool(address) and address in ((plan.sender or "").lower(), (plan.lead_email or "").lower())


def _names(plans: list[Submission]) -> list[str]:
    return [p.file_no or f"submission {p.id}" for p in plans]


def _thank(ctx: HandlerContext, plans: list[Submission]) -> None:
    network = ctx.settings.network
    lines = [
        (
            "Thank you. We will now share these plans outside the network, in the external edition of the bulletin "
            "and on the network's public pages, with their contact details:"
        ),
        "",
    ]
    lines += [f'  - {name} "{" ".join((p.title or "").split())[:120]}"' for name, p in zip(_names(plans), plans)]
    lines += [
        "",
        f"If you change your mind, write to {network.shared_address} before the next bulletin.",
        "",
        f"-- \n{network.name}",
        "This is an automatic reply.",
    ]
    subject = f"Shared externally: {', '.join(_names(plans))}"
    queue_reply(
        ctx.session, ctx.settings, ctx.mail, subject=subject, text="\n".join(lines), kind="reply", source=ctx.record
    )


def _ask_again(ctx: HandlerContext, said: str) -> str:
    """A yes with a condition ("Yes, but not my email address", "Yes - internal only") is not a yes: ask."""
    network = ctx.settings.network
    quoted = " ".join(said.split())[:200]
    lines = [
        f'Thank you for your reply. We read it as: "{quoted}"',
        "",
        "We could not tell from this whether we may share your plan outside the network, so for now it stays "
        "within the network: it will not appear in the external edition of the bulletin or on the public pages.",
        "",
        "Please reply to this message with YES to share it outside the network (with its contact details), "
        "or NO to keep it within the network.",
        f"If you would like it shared without some of its details, say which in your reply: "
        f"the communications lead at {network.shared_address} will read it.",
        "",
        f"-- \n{network.name}",
        "This is an automatic reply.",
    ]
    return _send(ctx, "Sharing your plan: please reply YES or NO", lines)


def _not_matched(ctx: HandlerContext, others: bool, said_no: bool = False) -> str:
    """A YES (or NO) we cannot tie to one of the sender's plans: say why, and how to make it count."""
    network = ctx.settings.network
    word = "NO" if said_no else "YES"
    why = (
        f"Only the person who sent the plan, or its lead contact, can answer for it; "
        f"please ask them to reply {word} to our acknowledgement."
        if others
        else f"We could not tell which plan it is about. Please reply {word} to the acknowledgement we sent for the "
        "plan, or put its File No in the subject."
    )
    said = "asking us not to share" if said_no else "agreeing to share"
    lines = [
        f"Thank you for your reply {said} a plan outside the network.",
        "",
        why,
        "Until then the plan stays within the network; the communications lead will also read your message.",
        "",
        f"-- \n{network.name}",
        "This is an automatic reply.",
    ]
    return _send(ctx, "Sharing your plan: we need a little more", lines)


def _send(ctx: HandlerContext, subject: str, lines: list[str]) -> str:
    reply = queue_reply(
        ctx.session, ctx.settings, ctx.mail, subject=subject, text="\n".join(lines), kind="reply", source=ctx.record
    )
    return "; the sender was told" if reply is not None else "; no reply sent (automatic mail or daily limit)"


def _record_no(ctx: HandlerContext, first: str) -> HandlerResult:
    """A clear no, from the plan's sender or lead contact: recorded as their answer, and acknowledged."""
    named = answered_plans(ctx.session, ctx)
    plans = [s for s in named if _from_member(ctx.mail.from_addr, s)]
    if not plans:
        told = _not_matched(ctx, others=bool(named), said_no=True)
        return HandlerResult(
            "held", f"a NO to sharing that answers none of this sender's plans: a person should read it{told}"
        )
    for plan in plans:
        _record_answer(ctx, plan, "share refusal", first, False)
    network = ctx.settings.network
    lines = [
        "Thank you for letting us know. We will not share this outside the network:",
        "",
        *[f'  - {name} "{" ".join((p.title or "").split())[:120]}"' for name, p in zip(_names(plans), plans)],
        "",
        "It stays within the network: it will not appear in the external edition of the bulletin or on the "
        "network's public pages. If you change your mind, reply YES to our acknowledgement.",
        "",
        f"-- \n{network.name}",
        "This is an automatic reply.",
    ]
    told = _send(ctx, f"Not shared outside the network: {', '.join(_names(plans))}", lines)
    return HandlerResult(
        "processed", f"share externally set to no on {', '.join(_names(plans))}{told}", {"submissions": plans}
    )


def _record_answer(ctx: HandlerContext, plan: Submission, action: str, said: str, share: bool) -> None:
    """Set the plan's answer to sharing, with an audit event quoting what the member wrote."""
    ctx.session.add(
        AuditEvent(
            submission_id=plan.id,
            action=action,
            actor=ctx.mail.from_addr,
            detail={"was": plan.share_externally, "said": said[:200]},
        )
    )
    plan.share_externally = share
