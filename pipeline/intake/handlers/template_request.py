"""The `template_request` handler: reply with the blank reporting template attached (Word and Excel)."""

from __future__ import annotations

from pipeline.compose import queue_reply
from pipeline.intake.handlers.base import HandlerContext, HandlerResult
from pipeline.templates_io import FORMATS, generate_template, template_filename, template_text
from pipeline.templates_io.generate import CONTENT_TYPES

ATTACHED_FORMATS = ("docx", "xlsx")


def _formats(ctx: HandlerContext) -> tuple[str, ...]:
    """The rule may choose what to attach: options = { formats = ["docx", "xlsx", "csv"] }."""
    wanted = ctx.options.get("formats") or ATTACHED_FORMATS
    return tuple(f for f in wanted if f in FORMATS) or ATTACHED_FORMATS


class TemplateRequestHandler:
    name = "template_request"
    description = (
        "Reply with the blank reporting template attached as .docx and .xlsx (rule option `formats` to change)."
    )

    def handle(self, ctx: HandlerContext) -> HandlerResult:
        network = ctx.settings.network
        attachments = [
            (template_filename(fmt), CONTENT_TYPES[fmt], generate_template(fmt, network)) for fmt in _formats(ctx)
        ]
        text = "\n".join(
            [
                f"Here is the blank reporting template of the {network.name}, attached.",
                "",
                f"Fill it in and send it back to {network.shared_address} as an attachment. If you prefer, reply to this message",
                "and type your answers after the colons below (leave File No blank for a new plan).",
                "",
                template_text(network),
                f"-- \n{network.name}",
                "This is an automatic reply.",
            ]
        )
        reply = queue_reply(
            ctx.session,
            ctx.settings,
            ctx.mail,
            subject=f"Reporting template: {network.short_name}",
            text=text,
            kind="template",
            attachments=attachments,
            source=ctx.record,
        )
        if reply is None:
            return HandlerResult(
                "processed", "template not sent: automatic mail, our own address, or the daily reply limit"
            )
        return HandlerResult("processed", f"template sent to {ctx.mail.from_addr}", {"outgoing_id": reply})
