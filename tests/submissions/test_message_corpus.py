"""The project's real-world sample messages (tests/messages/) that carry a form, through rules and handler."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.store import db
from pipeline.store.models import Outgoing, Submission

MESSAGES = Path(__file__).resolve().parents[1] / "messages"
CORPUS = [
    ("apple-mail-submission-body.eml", "IP"),
    ("csv-submission.eml", "SU"),
    ("forwarded-submission.eml", "WO"),
    ("gmail-submission-xlsx.eml", "LI"),
    ("html-only-submission.eml", "WO"),
    ("iphone-submission-inline-docx.eml", "CO"),
    ("malformed-boundary.eml", "WO"),
    ("non-ascii.eml", "CA"),
    ("outlook-submission-docx.eml", "CH"),
]


@pytest.mark.parametrize(("name", "code"), CORPUS, ids=[row[0] for row in CORPUS])
def test_sample_message_is_filed_and_acknowledged(settings, deliver, name, code):
    _, handler, result = deliver((MESSAGES / name).read_bytes())
    assert handler == "submission"
    assert result.outcome == "processed", result.reason
    with db.transaction(settings.database.url, readonly=True) as session:
        (sub,) = session.scalars(select(Submission))
        assert sub.status == "pending", sub.problems
        assert sub.file_no.startswith(f"{code}-")
        replies = list(session.scalars(select(Outgoing)))
        # A forward is answered to the colleague who forwarded it and to the plan's author.
        assert len(replies) == (2 if name == "forwarded-submission.eml" else 1)
        assert all(reply.kind == "ack" and sub.file_no in reply.subject for reply in replies)
