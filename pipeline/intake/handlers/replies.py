"""The words of our automatic answers to members. Plain text; no 'Label: value' lines, so a
reply that quotes one of these is never mistaken for a form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pipeline.config import Settings
from pipeline.intake.handlers.plan_status import received_on, status_sentence
from pipeline.templates_io.choices import UNCLEAR, Reading

if TYPE_CHECKING:
    from pipeline.intake.handlers.filing import Filed

FORMATS_SENTENCE = (
    "You can send the form as a Word (.docx), Excel (.xlsx), OpenDocument (.odt or .ods) or CSV file, "
    "or type it into the body of an email with one 'Label: value' line per box."
)


def _short(title: str, limit: int = 70) -> str:
    title = " ".join((title or "").split())
    return title if len(title) <= limit else title[: limit - 1] + "\u2026"


def _where(source: str) -> str:
    return "typed in your email" if source == "message body" else f"from {source}"


def acknowledgement(settings: Settings, filed: Sequence[Filed], errors: Sequence[str]) -> tuple[str, str]:
    """Subject and text answering a message whose forms were filed (some may need changes)."""
    ok = [f for f in filed if f.form.ok]
    bad = [f for f in filed if not f.form.ok]
    subject = _subject(filed, bad)
    lines = [
        "Thank you for your improvement plan."
        if len(filed) == 1
        else f"Thank you for your {len(filed)} improvement plans.",
        "",
    ]
    for f in ok:
        lines += _accepted(f)
    for f in bad:
        lines += _problems(f)
    if errors:
        lines += ["We could not read some of what you attached:"] + [f"  - {e}" for e in errors] + [""]
    if any(not f.repeat for f in ok):
        lines += [
            "What happens next: the communications lead reviews each plan. Once approved it appears in the next "
            "bi-monthly bulletin of the network (in the external edition only if you said it may be shared).",
            "",
        ]
    if bad:
        lines += [
            "How to resend: correct the form and send it again to "
            f"{settings.network.shared_address}. {FORMATS_SENTENCE}",
            "",
        ]
    lines += [f"-- \n{settings.network.name}", "This is an automatic reply."]
    return subject, "\n".join(lines)


def _subject(filed: Sequence[Filed], bad: Sequence[Filed]) -> str:
    if len(filed) == 1:
        f = filed[0]
        if f.repeat:
            return f"Already received: {_short(f.submission.title)} ({f.file_no or 'no File No yet'})"
        if bad:
            return f"Please check your improvement plan: {_short(f.submission.title) or 'untitled'}"
        return f"Received: {_short(f.submission.title)} ({f.file_no})"
    if bad:
        return f"Please check {len(bad)} of your {len(filed)} improvement plans"
    return f"Received: {len(filed)} improvement plans ({', '.join(f.file_no for f in filed)})"


def _accepted(f: Filed) -> list[str]:
    s = f.submission
    if f.repeat:
        return _repeat(f)
    if f.replaced:
        what = f"{f.file_no}, in place of the copy that needed changes"
    else:
        what = f"an update to {f.file_no} (revision {s.revision})" if s.is_update else f"File No {f.file_no}"
    return [
        f'We have received "{_short(s.title, 200)}" ({_where(s.source)}) and filed it as {what}.',
        *_how_read(f),
        f"To update this plan later, send the form again with {f.file_no} in the File No box.",
        "",
    ]


def _how_read(f: Filed) -> list[str]:
    """One line on sharing unless the member clearly said yes, then how we read any box we had to interpret."""
    lines = [] if f.submission.share_externally is True else [share_sentence(f.form.share)]
    if f.form.notes:
        lines += ["We read some boxes as follows; if we got one wrong, tell us or send the form again:"]
        lines += [f"  - {note}" for note in f.form.notes]
    return lines


def share_sentence(share: Reading) -> str:
    """Why the plan stays inside the network, in one line, and how to let it out."""
    if share.chosen and share.value is False:
        why = "You said no to sharing it externally, so"
    elif share.state == UNCLEAR:
        why = f"We could not read '{_short(share.written, 60)}' as a clear yes to sharing it externally, so"
    else:
        why = "You did not say whether it may be shared externally, so"
    return f"{why} we will not share this outside the network: reply YES to allow it."


def _repeat(f: Filed) -> list[str]:
    """The same plan again: nothing new was filed; say where the one we have stands."""
    s = f.submission
    filed_as = f"File No {f.file_no}" if f.file_no else f"our submission {s.id} (no File No yet)"
    if f.how == "twice in this message":
        return [
            f'"{_short(s.title, 200)}" came twice in your message ({_where(s.source)} and again); '
            f"we have filed it once, as {filed_as}.",
            "",
        ]
    return [
        f'"{_short(s.title, 200)}" was already received as {filed_as} on {received_on(s)}; this copy is the same, '
        "so nothing new was filed.",
        status_sentence(s),
        *([f"To update this plan, send the changed form with {f.file_no} in the File No box."] if f.file_no else []),
        "",
    ]


def _problems(f: Filed) -> list[str]:
    s = f.submission
    if f.repeat:
        return _repeat(f)
    title = _short(s.title, 200) or "the form without a title"
    lines = [f'We have kept "{title}" ({_where(s.source)}), but it needs some changes before it can be reviewed:']
    lines += [f"  - {problem}" for problem in f.form.problems]
    lines += _how_read(f)
    if f.file_no:
        lines.append(f"When you resend it, put {f.file_no} in the File No box so it replaces this copy.")
    elif s.file_no_given:
        lines.append(
            f"When you resend it, give the File No from our acknowledgement of the plan: we have no plan "
            f"filed as {s.file_no_given}."
        )
    else:
        lines.append("When you resend it, leave the File No box blank.")
    return lines + [""]


def no_form_reply(settings: Settings, reasons: Sequence[str]) -> tuple[str, str]:
    """Subject and text for a message meant as a submission in which no form could be read."""
    lines = ["Thank you for your message. We could not find a completed improvement plan in it."]
    if reasons:
        lines += ["", "What we found:"] + [f"  - {r}" for r in reasons]
    lines += [
        "",
        f"Please send the completed form to {settings.network.shared_address}. {FORMATS_SENTENCE}",
        "A blank form is attached, as Word and as Excel.",
        "",
        "A person will also look at your message.",
        "",
        f"-- \n{settings.network.name}",
        "This is an automatic reply.",
    ]
    return "We could not read your improvement plan", "\n".join(lines)
