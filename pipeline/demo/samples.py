"""Which sample messages the demo's mailbox receives.

The messages are the real-world shapes kept in tests/messages/ (written by its
make_samples.py). The demo names its own, rather than taking every file there, so
that samples added for a test do not change the story the demo tells.
"""

from __future__ import annotations

from pipeline.config import REPO_ROOT
from pipeline.errors import MlnError

SAMPLES = REPO_ROOT / "tests" / "messages"

DEMO_SAMPLES = (
    # Plans as members send them: Word, Excel, PDF, zip, winmail.dat, typed in the body...
    "apple-html-table-no-colons.eml",
    "apple-mail-submission-body.eml",
    "apple-short-labels-body.eml",
    "csv-submission.eml",
    "forwarded-submission.eml",  # Anne Foster forwards Helen Okafor's plan: the first of three
    "gmail-merged-cells-xlsx.eml",
    "gmail-pages-file.eml",
    "gmail-photo-of-form.eml",
    "gmail-reply-above-quoted-form.eml",
    "gmail-signature-without-sign-off.eml",
    "gmail-submission-xlsx.eml",
    "gmail-xlsx-continuation-rows.eml",
    "gmail-zip-pdf-tick-boxes.eml",
    "gmail-zip-submission.eml",
    "html-only-submission.eml",  # Helen sends it herself, typed in an HTML email
    "iphone-submission-inline-docx.eml",
    "non-ascii.eml",
    "outlook-body-form-with-logo.eml",
    "outlook-docx-merged-label.eml",
    "outlook-guidance-sheet-xlsx.eml",
    "outlook-legacy-doc.eml",
    "outlook-pdf-form.eml",
    "outlook-plain-pdf.eml",
    "outlook-reply-quoting-earlier-mail.eml",
    "outlook-signature-disclaimer-body.eml",
    "outlook-submission-docx.eml",
    "outlook-tnef-only-doc.eml",
    "outlook-tnef-winmail.eml",
    "outlook-tracked-changes-docx.eml",
    "wrong-charset.eml",
    # Asking for the template, joining and leaving
    "apple-template-request-with-body-form.eml",
    "outlook-template-request-with-form.eml",
    "template-request.eml",
    "subscribe-request.eml",
    "subscribe-reply-to-bulletin.eml",
    "confirm-reply.eml",  # a confirmation with a token from elsewhere: held for a person
    "unsubscribe-request.eml",
    # What else arrives: questions, bounces, automatic replies, broken mail
    "apple-plain-question.eml",
    "dsn-bounce.eml",
    "exchange-ndr.eml",
    "out-of-office.eml",
    "read-receipt.eml",
    "list-mail.eml",
    "empty-body.eml",
    "missing-headers.eml",
    "malformed-boundary.eml",  # Helen's plan a third time, "resent" with broken MIME
)


def demo_messages() -> list[bytes]:
    missing = [name for name in DEMO_SAMPLES if not (SAMPLES / name).is_file()]
    if missing:
        raise MlnError(f"the demo's sample messages are missing from {SAMPLES}: {', '.join(missing)}")
    return [(SAMPLES / name).read_bytes() for name in sorted(DEMO_SAMPLES)]
