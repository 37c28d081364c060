"""Review tests: real forms delivered through the real submission handler, then reviewed through `mln`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from submissions.conftest import Deliver, build_mail

from pipeline.cli import cli
from pipeline.config import load_settings

# One completed form as a member types it into an email body; tests override single boxes.
FORM = {
    "Practice example / improvement / learning": "Education package on older people's mental health for care home staff",
    "Key theme": "6",
    "Location": "Barnsley",
    "Region": "Yorkshire & Humber",
    "Organisation": "Barnsley Care Homes Forum (example)",
    "Lead contact name": "Angela Example",
    "Lead contact email": "angela.example@example.nhs.test",
    "Status": "Being implemented",
    "Date commenced": "June 2006",
    "Summary / aim": "Six modules for care home staff, from recognising depression to working with families.",
    "Actions": "Piloted two modules in three homes; PDSA cycles on the session length.",
    "Outcomes": "Staff confidence scores rose from 2.1 to 3.8 out of 5.",
    "Learning": "Short sessions at shift handover worked; evening sessions did not.",
    "Share externally": "Yes",
}


def form_text(**boxes: str) -> str:
    """The form with some boxes changed, by label; a value of None leaves the box out."""
    fields = {**FORM, **{label: value for label, value in boxes.items()}}
    return "\n".join(f"{label}: {value}" for label, value in fields.items() if value is not None) + "\n"


@pytest.fixture
def config(db_url, tmp_path):
    path = tmp_path / "mln.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    return path


@pytest.fixture
def settings(config):
    return load_settings(config, environ={})


@pytest.fixture
def submit(settings):
    """submit(title=..., sender=..., **boxes) -> the new submission's id, filed by the real handler."""
    deliver = Deliver(settings)
    calls = []

    def send(
        sender: str = "angela.example@example.nhs.test", subject: str = "Improvement plan", headers=None, **boxes: str
    ) -> int:
        calls.append(1)
        if "title" not in boxes and len(calls) > 1:
            # Each call without a title is another plan: the intake files the same plan sent again only once.
            boxes["title"] = f"{FORM['Practice example / improvement / learning']} ({len(calls)})"
        labels = {
            "title": "Practice example / improvement / learning",
            "theme": "Key theme",
            "locality": "Location",
            "file_no": "File No",
            "summary": "Summary / aim",
            "learning": "Learning",
            "status": "Status",
            "region": "Region",
            "email": "Lead contact email",
        }
        body = form_text(**{labels.get(k, k): v for k, v in boxes.items()})
        _, handler, result = deliver(
            build_mail(subject=subject, body=body, sender=sender, headers=headers), handler="submission"
        )
        assert result.outcome == "processed", result.reason
        return result.details["submissions"][0]

    return send


@pytest.fixture
def mln(config):
    """mln(*args) through click's CliRunner with this test's config; stderr kept apart."""
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--config", str(config), *args])

    return invoke
