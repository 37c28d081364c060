"""Consent end to end: forms in a real IMAP mailbox (Dovecot), `mln poll`, approval, then the external edition and site.

Only the plan whose member clearly said yes reaches external readers, with its contact
address; the others (No ticked in a legacy Word form, "Yes / No" left as printed,
"☐ Yes ☒ No" typed) stay inside the network, and each acknowledgement says so.
"""

from __future__ import annotations

import datetime as dt
import email
import json
from email.policy import default
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import select
from templates_io.choice_forms import (
    STATUS_LIST,
    YES_NO,
    Xml,
    docx_form,
    legacy_checkbox,
    legacy_dropdown,
    run,
    xlsx_form,
)

from pipeline.store import db
from pipeline.store.models import Submission

from .conftest import build_mail
from .test_poll_end_to_end import _mln

NOT_SHARED = "we will not share this outside the network: reply YES to allow it"


def _body(title: str, email_address: str, **boxes: str) -> str:
    fields = {
        "Practice example / improvement / learning": title,
        "Key theme": "9",
        "Location": "Selby",
        "Lead contact name": "Jo Example",
        "Lead contact email": email_address,
        "Status": "Being implemented",
        "Summary / aim": "A monthly cafe.",
    }
    fields.update({label.replace("_", " "): value for label, value in boxes.items()})
    return "Hello,\n\n" + "\n".join(f"{label}: {value}" for label, value in fields.items()) + "\n\nThanks\nJo\n"


MESSAGES = {
    # title: (message, share_externally stored, progress stored)
    "Legacy Word form, No ticked": (
        build_mail(
            subject="Plan 1",
            attachments=[
                (
                    "plan.docx",
                    docx_form(
                        {
                            "Practice example / improvement / learning": "Legacy Word form, No ticked",
                            "Lead contact email": "one@example.nhs.test",
                            "Share externally": Xml(
                                legacy_checkbox(False) + run(" Yes  ") + legacy_checkbox(True) + run(" No")
                            ),
                            "Status": Xml(legacy_dropdown(STATUS_LIST, 2)),
                        }
                    ),
                )
            ],
        ),
        False,
        "Implemented",
    ),
    "Yes / No left as printed": (
        build_mail(
            subject="Plan 2",
            body=_body(
                "Yes / No left as printed",
                "two@example.nhs.test",
                Share_externally="Yes / No",
                Region="Yorkshire and the Humber",
                Date_commenced="w/c 3rd March 2025",
                Completion_date="Q2 2025/26",
            ),
        ),
        None,
        "Being implemented",
    ),
    "Excel drop-down, Yes": (
        build_mail(
            subject="Plan 3",
            attachments=[
                (
                    "plan.xlsx",
                    xlsx_form(
                        {
                            "Practice example / improvement / learning": "Excel drop-down, Yes",
                            "Lead contact email": "three@example.nhs.test",
                            "Share externally": "Yes",
                            "Date commenced": 45719,
                        },
                        {"Share externally": YES_NO},
                        date_as_serial="Date commenced",
                    ),
                )
            ],
        ),
        True,
        "Being implemented",
    ),
    "Tick boxes typed, No": (
        build_mail(
            subject="Plan 4",
            body=_body(
                "Tick boxes typed, No",
                "four@example.nhs.test",
                Share_externally="\u2610 Yes \u2612 No",
                Status="Not yet implemented",
                Date_commenced="TBC",
            ),
        ),
        False,
        "Planned",
    ),
}


def test_only_a_clear_yes_reaches_external_readers(imap_account, db_url, tmp_path):
    config = tmp_path / "mln.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n'
        f'[mailbox]\nurl = "{imap_account.url}"\npassword_env = "TEST_IMAP_PASSWORD"\n'
        f'[paths]\noutbox_dir = "{tmp_path}/outbox"\n'
    )
    environ = {"TEST_IMAP_PASSWORD": imap_account.password}
    for message, _, _ in MESSAGES.values():
        imap_account.append(message)

    result = _mln(config, environ, "poll", "--json")
    assert result.returncode == 0, result.stderr

    with db.transaction(db_url, readonly=True) as session:
        subs = {
            s.title: _Plan(
                s.id,
                s.file_no,
                s.lead_email,
                s.share_externally,
                s.progress,
                s.status,
                s.region,
                s.date_commenced,
                s.completion_date_precision,
            )
            for s in session.scalars(select(Submission))
        }
    assert {t: (s.share_externally, s.progress, s.status) for t, s in subs.items()} == {
        title: (share, progress, "pending") for title, (_, share, progress) in MESSAGES.items()
    }
    printed = subs["Yes / No left as printed"]
    assert printed.region == "Yorkshire & Humber" and printed.completion_date_precision == "quarter"
    assert printed.date_commenced == dt.date(2025, 3, 3)
    assert subs["Excel drop-down, Yes"].date_commenced == dt.date(2025, 3, 3)

    acks = _acknowledgements(tmp_path / "outbox")
    for title, sub in subs.items():
        assert (NOT_SHARED in acks[sub.file_no]) == (sub.share_externally is not True), title

    ids = [str(s.id) for s in subs.values()]
    assert _mln(config, environ, "approve", *ids, "--as", "Comms lead").returncode == 0
    shared, private = subs["Excel drop-down, Yes"], [s for s in subs.values() if s.share_externally is not True]

    site = tmp_path / "external-site"
    built = _mln(config, environ, "site", "build", "-o", str(site), "--audience", "external")
    assert built.returncode == 0, built.stderr
    pages = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in site.rglob("*") if p.is_file())
    assert shared.file_no in pages and shared.lead_email in pages
    for sub in private:
        assert sub.file_no not in pages and sub.lead_email not in pages

    drafted = _mln(config, environ, "bulletin", "draft", "--json")
    assert drafted.returncode == 0, drafted.stderr
    number = str(json.loads(drafted.stdout)["id"])
    external = _mln(config, environ, "bulletin", "preview", number, "--audience", "external", "--text").stdout
    internal = _mln(config, environ, "bulletin", "preview", number, "--audience", "internal", "--text").stdout
    assert shared.file_no in external and shared.lead_email in external
    for sub in private:
        assert sub.file_no not in external and sub.lead_email not in external
        assert sub.file_no in internal


class _Plan(NamedTuple):
    id: int
    file_no: str
    lead_email: str
    share_externally: bool | None
    progress: str
    status: str
    region: str
    date_commenced: dt.date | None
    completion_date_precision: str


def _acknowledgements(outbox: Path) -> dict[str, str]:
    """File No -> the text of its acknowledgement."""
    found = {}
    for path in outbox.rglob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        subject = message["Subject"]
        file_no = subject[subject.rfind("(") + 1 : -1]
        found[file_no] = message.get_body(("plain",)).get_content()
    return found
