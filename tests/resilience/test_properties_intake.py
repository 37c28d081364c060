"""The whole intake path under generated input: any message (forms typed in the body, real
forms intact or damaged as attachments, list requests, automatic mail, nonsense) ends
processed, held, ignored or a duplicate with a reason; never quarantined by an
unhandled exception. Submissions it makes are pending or needs_changes.
"""

from __future__ import annotations

import itertools
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from hypothesis import given
from hypothesis import strategies as st
from resilience.harness import TOKEN_SECRET_ENV, World
from resilience.test_properties import REAL_FORMS, damaged_form, form_body, text_value
from sqlalchemy import select

from pipeline.intake.poll import process_fetched
from pipeline.intake.rule_files import load_rules
from pipeline.mail import Fetched
from pipeline.store import db
from pipeline.store.models import Message, Submission
from pipeline.store.records import FolderKey

SUBJECTS = [
    "Improvement plan",
    "Re: MLN bulletin",
    "subscribe",
    "please add us to the bulletin",
    "unsubscribe",
    "send template",
    "Out of office",
    "Undelivered Mail Returned to Sender",
    "",
]
SENDERS = [
    "Ann Leader <ann@example.nhs.test>",
    "mailer-daemon@example.net",
    "bulletin@example.org",
    "mln@example.org",
    "=?utf-8?b?w4lsb2RpZQ==?= <elodie@example.org>",
    "no-address",
    "",
]
_uids = itertools.count(1)


@st.composite
def incoming(draw):
    msg = EmailMessage(policy=SMTP)
    sender = draw(st.sampled_from(SENDERS))
    if sender:
        msg["From"] = sender
    msg["To"] = draw(
        st.sampled_from(["mln@example.org", "bulletin+confirm-AAAA@example.org", "bulletin+unsubscribe-ZZ@example.org"])
    )
    msg["Subject"] = draw(st.one_of(st.sampled_from(SUBJECTS), text_value.map(lambda t: " ".join(t.split()))))
    msg["Message-ID"] = f"<prop-{next(_uids)}@example.nhs.test>"
    for name, values in (
        ("Auto-Submitted", ["auto-replied", "auto-generated"]),
        ("Precedence", ["bulk", "list", "junk"]),
    ):
        if draw(st.integers(0, 4)) == 0:
            msg[name] = draw(st.sampled_from(values))
    msg.set_content(draw(st.one_of(form_body(), text_value)))
    for _ in range(draw(st.integers(0, 2))):
        if draw(st.booleans()):
            name, data = draw(damaged_form())
        else:
            path = draw(st.sampled_from(REAL_FORMS))
            name, data = path.name, path.read_bytes()
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg


@pytest.fixture(scope="module")
def intake_world(tmp_path_factory):
    root = tmp_path_factory.mktemp("intake-properties")
    url = f"sqlite:///{root}/mln.db"
    db.upgrade(url)
    world = World(root, url, environ={TOKEN_SECRET_ENV: "property-test-secret-0123456789abcdef"})
    settings = world.settings
    return settings, load_rules(settings.rules_path)


@given(msg=incoming())
def test_any_message_ends_in_a_known_outcome_never_an_unhandled_exception(intake_world, msg, tally):
    settings, rules = intake_world
    raw = msg.as_bytes()
    uid = next(_uids)
    tally.add(inputs=1)

    (result,) = process_fetched(
        settings, rules, FolderKey("imap://prop@test", "INBOX"), 1, [Fetched(str(uid), uid, raw, len(raw))]
    )

    assert result is not None
    with db.transaction(settings.database.url, readonly=True) as session:
        row = session.scalars(select(Message).where(Message.uid == uid)).one()
        assert row.outcome in ("processed", "held", "ignored", "duplicate"), f"{row.outcome}: {row.reason}\n{row.error}"
        assert row.reason or row.outcome == "processed"
        statuses = set(session.scalars(select(Submission.status).where(Submission.message_pk == row.id)))
        assert statuses <= {"pending", "needs_changes"}
