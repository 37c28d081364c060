"""The `unrecognised` handler: a person's message no rule recognised is kept for the lead, and answered.

Holding a member's message without a word leaves them believing their plan
arrived. So the sender is told, in the same pass, that a person will read the
message, that no reporting template was found in it, what we need instead
(with the blank form attached), and why any attachment could not be read.
The message itself stays held, visible to the communications lead.
A bare "did you get my plan?" is answered with where that sender's plans stand
(pipeline/intake/handlers/chasers.py) and filed; with no plan of theirs to name,
it gets this answer, saying we have none from them.
Automatic mail, our own mail and senders over the daily limit get no reply
(pipeline.compose.queue_reply decides).
"""

from __future__ import annotations

import re

from pipeline.compose import queue_reply
from pipeline.errors import TemplateError
from pipeline.intake.handlers.base import HandlerContext, HandlerResult
from pipeline.intake.handlers.chasers import answer_chaser, asks_after_a_plan
from pipeline.intake.handlers.replies import FORMATS_SENTENCE
from pipeline.mail import body_start
from pipeline.templates_io import generate_template, template_filename
from pipeline.templates_io.generate import CONTENT_TYPES

_ABOUT_A_PLAN = re.compile(
    r"\b(plans?|forms?|templates?|submissions?|returns?|file no|improvement|practice example|project)\b", re.I
)
MAX_REASONS = 5  # one line per unreadable attachment, up to this many


class UnrecognisedHandler:
    name = "unrecognised"
    description = "Keep the message for a person and tell the sender so, with the blank form and what we need."

    def handle(self, ctx: HandlerContext) -> HandlerResult:
        asked = answer_chaser(ctx, only_if_asked=True)
        if asked is not None:
            if _ABOUT_A_PLAN.search(f"{ctx.mail.subject}\n{body_start(ctx.mail.text or '', 12)}"):
                return asked
            # "Did you get the minutes?" from someone with plans: they hear where their plans stand,
            # and a person still reads what they asked.
            return HandlerResult("held", f"{ctx.options.get('reason', 'held')}; {asked.reason}")
        reason = ctx.options.get("reason", f"held by rule {ctx.rule.name!r}")
        unreadable = _unreadable(ctx)
        network = ctx.settings.network
        reply = queue_reply(
            ctx.session,
            ctx.settings,
            ctx.mail,
            subject=f"We have your message: {network.short_name}",
            text=_text(ctx, unreadable),
            kind="reply",
            attachments=[
                (template_filename(fmt), CONTENT_TYPES[fmt], generate_template(fmt, network))
                for fmt in ("docx", "xlsx")
            ],
            source=ctx.record,
        )
        told = "; the sender was told" if reply is not None else "; no reply sent (automatic mail or daily limit)"
        return HandlerResult("held", reason + told, {"outgoing_id": reply} if reply is not None else {})


def _unreadable(ctx: HandlerContext) -> list[str]:
    """Why each attachment that could not be read was not, in the reader's own words for the sender."""
    reasons = []
    for read in ctx.forms:
        if isinstance(read.error, TemplateError):
            reasons.append(str(read.error))
    return reasons[:MAX_REASONS]


def _text(ctx: HandlerContext, unreadable: list[str]) -> str:
    network = ctx.settings.network
    lines = ["Thank you for your message. The communications lead will read it.", ""]
    if asks_after_a_plan(ctx.mail):
        lines += [
            f"We have no recent improvement plan from {ctx.mail.from_addr}. If a colleague sent it for you, "
            "the communications lead can find it: reply with its File No or its title.",
            "",
        ]
    lines += ["If you meant to send an improvement plan: we could not find a reporting template in your message."]
    if unreadable:
        lines += ["", "What we found:"] + [f"  - {reason}" for reason in unreadable]
    lines += [
        "",
        "What we need: one completed reporting template per improvement plan, with at least its title, key theme, "
        "location, lead contact, status and a short summary.",
        f"Please send it to {network.shared_address}. {FORMATS_SENTENCE}",
        "A blank form is attached, as Word and as Excel.",
        "",
        f"-- \n{network.name}",
        "This is an automatic reply.",
    ]
    return "\n".join(lines)
