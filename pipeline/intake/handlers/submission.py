"""The `submission` handler: read every completed form in a message, file each one, answer the sender.

Forms come from attachments (.docx .xlsx .odt .ods .csv .txt, macro-enabled
variants read for values only) or, when no attachment holds one, from the
body. Each form becomes a Submission: `pending` when it passes the checks,
`needs_changes` with its problems when it does not. The sender gets one reply:
the File No, title and what happens next, or each problem in plain words and
how to resend. A message with no recognisable form is held for a person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.compose import AttachmentSpec, queue_reply
from pipeline.errors import TemplateError, Unsupported
from pipeline.intake.handlers.base import HandlerContext, HandlerResult
from pipeline.intake.handlers.chasers import answer_chaser, arrival_of, tell_author
from pipeline.intake.handlers.filing import Filed, file_form, store_attachments
from pipeline.intake.handlers.replies import acknowledgement, no_form_reply
from pipeline.store.counters import file_year, reserve_sequences
from pipeline.store.models import Attachment, Outgoing
from pipeline.templates_io import RawForm, generate_template, read_text_forms, template_filename, validate_form
from pipeline.templates_io.extract import FormCollector, feed_lines
from pipeline.templates_io.generate import CONTENT_TYPES
from pipeline.templates_io.html_text import html_to_form_text

# More forms than this in one message is an import, not a return: a person should look first.
MAX_FORMS_PER_MESSAGE = 50
_MEANT_AS_SUBMISSION = re.compile(r"\b(template|improvement|plan|form|submission|return|update)\b", re.I)


@dataclass
class Found:
    forms: list[tuple[RawForm, Attachment | None]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # sentences for the sender, one per unreadable attachment
    unsupported: list[str] = field(default_factory=list)  # PDFs and the like: worth a word only if no form was found


class SubmissionHandler:
    name = "submission"
    description = (
        "Read completed reporting templates (attached or in the body), file them, acknowledge or list problems."
    )

    def handle(self, ctx: HandlerContext) -> HandlerResult:
        stored = store_attachments(ctx.session, ctx.settings, ctx.record, ctx.mail.attachments)
        found = find_forms(ctx, stored)
        if not found.forms:
            return self._no_form(ctx, found)
        if len(found.forms) > MAX_FORMS_PER_MESSAGE:
            subject, text = _too_many_forms(ctx, len(found.forms))
            told = _reply(ctx, subject, text, kind="reply") is not None
            return HandlerResult(
                "held",
                f"{len(found.forms)} forms in one message (more than {MAX_FORMS_PER_MESSAGE}); "
                "a person should check it before they are filed" + ("; the sender was told" if told else ""),
            )
        arrival = arrival_of(ctx, len(found.forms))
        checked = [(validate_form(raw, ctx.settings.network), attachment) for raw, attachment in found.forms]
        new_themes = [form.values["theme"] for form, _ in checked if form.values["theme_number"]]
        # Reserving takes the sequence locks in one order before any other lock of filing. A plan
        # named by File No or thread has its latest revision locked before a File No may be issued;
        # one new form found by content or title takes no lock before its File No, so needs none.
        named = bool(arrival.thread or arrival.file_nos) or any(form.values["file_no"] for form, _ in checked)
        if len(new_themes) > 1 or (new_themes and named):
            reserve_sequences(ctx.session, ctx.settings, new_themes, file_year(ctx.settings, ctx.record.received_at))
        filed = [file_form(ctx.session, ctx.settings, arrival, form, attachment) for form, attachment in checked]
        subject, text = acknowledgement(ctx.settings, filed, found.errors)
        reply = _reply(ctx, subject, text, kind="ack" if all(f.form.ok for f in filed) else "reply")
        for item in filed:
            if not item.repeat:
                item.submission.reply = reply
        # The author hears of a forward that filed something; a repeat was answered when it first came.
        for author, name in dict.fromkeys(
            (f.submission.sender, f.submission.sender_name) for f in filed if f.submission.forwarded_by and not f.repeat
        ):
            tell_author(ctx, arrival.forward, author, name, subject, text)
        # The attachments, submissions and reply are linked by relationship and inserted by the driver's flush.
        return HandlerResult(
            "processed",
            _summary(filed, reply is not None),
            {
                "submissions": [f.submission for f in filed],
                "file_nos": [f.file_no for f in filed],
                "repeats": [f.file_no for f in filed if f.repeat],
            },
        )

    def _no_form(self, ctx: HandlerContext, found: Found) -> HandlerResult:
        reasons = found.errors + found.unsupported
        partial = _partial_form_in_body(ctx.mail.text)
        # "Did my plan arrive?" is answered with where it stands, not with a blank form.
        asked = answer_chaser(ctx, only_if_asked=bool(reasons) or partial)
        if asked is not None:
            return asked
        meant = (
            bool(reasons)
            or partial
            or (bool(ctx.mail.attachments) and bool(_MEANT_AS_SUBMISSION.search(ctx.mail.subject or "")))
        )
        replied = False
        if meant or not ctx.mail.is_auto_submitted:  # every person gets an answer (#19); meant or not
            subject, text = no_form_reply(ctx.settings, reasons)
            attachments = [
                (template_filename(fmt), CONTENT_TYPES[fmt], generate_template(fmt, ctx.settings.network))
                for fmt in ("docx", "xlsx")
            ]
            replied = _reply(ctx, subject, text, kind="reply", attachments=attachments) is not None
        why = "; ".join(reasons) if reasons else "no completed reporting template found in the attachments or the body"
        return HandlerResult("held", f"no recognisable form: {why}" + ("; the sender was told" if replied else ""))


def find_forms(ctx: HandlerContext, stored: list[Attachment | None]) -> Found:
    """Forms in the attachments (read by pipeline/intake/prepare.py); failing that, in the body."""
    found = Found()
    for row, read in zip(stored, ctx.forms, strict=True):
        try:
            forms = read.result()
        except Unsupported as exc:
            found.unsupported.append(str(exc))
            continue
        except TemplateError as exc:
            found.errors.append(str(exc))
            continue
        found.forms.extend((form, row) for form in forms)
    if not found.forms:
        found.forms.extend((form, None) for form in body_forms(ctx.mail.text, ctx.mail.html))
    return found


def body_forms(text: str, html: str) -> list[RawForm]:
    """Forms typed in the body: the plain-text part, else the HTML part laid out as lines and cells."""
    return read_text_forms(text) or (read_text_forms(html_to_form_text(html)) if html else [])


def _partial_form_in_body(text: str) -> bool:
    """Some box of the form filled in the body, though not enough of it to count as a form."""
    collector = FormCollector("message body")
    feed_lines(collector, (text or "").splitlines())
    return any(v.text for form in collector.forms for v in form.values())


def _too_many_forms(ctx: HandlerContext, count: int) -> tuple[str, str]:
    network = ctx.settings.network
    lines = [
        f"Thank you for your message. We found {count} reporting templates in it, more than the "
        f"{MAX_FORMS_PER_MESSAGE} we file from one message without a person looking first.",
        "",
        "The communications lead will check them before they are filed; you do not need to send them again. "
        "No File Nos have been issued for them yet.",
        "",
        f"-- \n{network.name}",
        "This is an automatic reply.",
    ]
    return f"We have your {count} plans: {network.short_name}", "\n".join(lines)


def _reply(
    ctx: HandlerContext, subject: str, text: str, kind: str, attachments: Sequence[AttachmentSpec] = ()
) -> Outgoing | None:
    return queue_reply(
        ctx.session,
        ctx.settings,
        ctx.mail,
        subject=subject,
        text=text,
        kind=kind,
        attachments=attachments,
        source=ctx.record,
    )


def _summary(filed: list[Filed], replied: bool) -> str:
    parts = [
        f"{f.file_no or 'no File No'} (already received, {f.how})"
        if f.repeat
        else f"{f.file_no or 'no File No'} ({f.submission.status}{', ' + f.how if f.how not in ('', 'new') else ''})"
        for f in filed
    ]
    noun = "submission" if len(filed) == 1 else "submissions"
    return f"{len(filed)} {noun}: {', '.join(parts)}" + (
        "" if replied else "; no reply sent (automatic mail or daily limit)"
    )
