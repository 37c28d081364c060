"""Spam complaints: ARF feedback reports (tests/messages/complaints/) unsubscribe and suppress the
reader they prove, and are counted per edition; `mln subscribers complaints` lists them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from subscribers.subscriber_helpers import MESSAGES, handle, make_settings

from pipeline.errors import Suppressed
from pipeline.people import subscribers
from pipeline.store.db import transaction
from pipeline.store.models import Complaint, Outgoing, utcnow

COMPLAINTS = MESSAGES / "complaints"
# file, the reader's address, the Message-ID of the reported copy (in the file)
SAMPLES = [
    ("yahoo-arf.eml", "f.okafor@example.net", "<176405533012.4242.7301554287011160719@example.org>"),
    ("aol-arf-redacted.eml", "l.moreau@example.org", "<176405533044.4242.1160719730155428701@example.org>"),
    ("microsoft-jmrp.eml", "s.patel@outlook.example", "<176405533077.4242.5428701160719730155@example.org>"),
]
AOL_UNSUBSCRIBE = b"cccccccccccccccccccccccccccccccccccca"  # the (unsigned) token in aol-arf-redacted.eml


@pytest.fixture
def settings(db_url, tmp_path):
    return make_settings(db_url, tmp_path)


def add_with_copy(settings, address, message_id=None, bulletin_id=14):
    """A subscriber who was sent a copy of edition `bulletin_id` (with that Message-ID)."""
    with transaction(settings.database.url) as session:
        sub = subscribers.add(session, settings, address, "external")[0]
        session.flush()
        session.add(
            Outgoing(
                kind="bulletin",
                recipient=address,
                subscriber_id=sub.id,
                bulletin_id=bulletin_id,
                status="sent",
                sent_at=utcnow(),
                message_id=message_id or f"<other-{sub.id}@example.org>",
            )
        )
        return sub.id


@pytest.mark.parametrize(("name", "address", "message_id"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_a_complaint_about_a_copy_we_sent_unsubscribes_and_suppresses(settings, name, address, message_id):
    add_with_copy(settings, address, message_id)

    handler, result, _ = handle(settings, (COMPLAINTS / name).read_bytes())

    assert (handler, result.outcome) == ("complaint", "processed"), result.reason
    assert f"about {address} (edition 14" in result.reason and "unsubscribed and suppressed" in result.reason
    with transaction(settings.database.url, readonly=True) as session:
        assert subscribers.find(session, address).status == "unsubscribed"
        assert subscribers.is_suppressed(session, address)
        record = subscribers.subject_access(session, address)
        assert record["consent"][-1]["action"] == "withdrawn" and record["suppression"]["reason"] == "complaint"
        [summary] = subscribers.complaint_summary(session)
        assert (summary["bulletin_id"], summary["complaints"], summary["copies_sent"]) == (14, 1, 1)
    with transaction(settings.database.url) as session, pytest.raises(Suppressed, match="reported the bulletin"):
        subscribers.add(session, settings, address, "external")


def test_a_redacted_report_is_proved_by_our_unsubscribe_token(settings):
    sub_id = add_with_copy(settings, "l.moreau@example.org", bulletin_id=15)
    token = subscribers.unsubscribe_link(settings, sub_id)[0].split("+unsubscribe-")[1].split("@")[0]
    raw = (COMPLAINTS / "aol-arf-redacted.eml").read_bytes().replace(AOL_UNSUBSCRIBE, token.encode())

    _, result, _ = handle(settings, raw)

    assert result.outcome == "processed" and "proved by our unsubscribe token" in result.reason
    with transaction(settings.database.url, readonly=True) as session:
        assert session.scalars(select(Complaint.bulletin_id)).all() == [15]  # the latest edition sent to them


def test_a_report_that_only_names_a_subscriber_is_held(settings):
    add_with_copy(settings, "f.okafor@example.net")  # a copy with another Message-ID

    _, result, _ = handle(settings, (COMPLAINTS / "yahoo-arf.eml").read_bytes())

    assert result.outcome == "held" and "f.okafor@example.net" in result.reason
    with transaction(settings.database.url, readonly=True) as session:
        assert subscribers.find(session, "f.okafor@example.net").status == "active"
        assert not subscribers.is_suppressed(session, "f.okafor@example.net")


def test_a_dmarc_failure_report_is_not_a_complaint(settings):
    raw = (COMPLAINTS / "yahoo-arf.eml").read_bytes().replace(b"Feedback-Type: abuse", b"Feedback-Type: auth-failure")
    handler, result, _ = handle(settings, raw)
    assert (handler, result.outcome) == ("complaint", "ignored") and "auth-failure" in result.reason


def test_complaints_through_the_real_intake_and_the_cli(world, imap_account):
    for _, address, message_id in SAMPLES:
        add_with_copy(world.settings, address, message_id)
    imap_account.append_many([(COMPLAINTS / name).read_bytes() for name, _, _ in SAMPLES])

    assert world.invoke("poll", "--json").returncode == 0
    assert sorted((r.handler, r.outcome) for r in world.recorded()) == [("complaint", "processed")] * 3
    assert len(imap_account.uids("Processed/Complaints")) == 3

    listed = world.invoke("subscribers", "complaints", "--json")
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert sorted(c["email"] for c in data["complaints"]) == sorted(a for _, a, _ in SAMPLES)
    assert data["editions"] == [
        {"bulletin_id": 14, "bulletin_number": None, "complaints": 3, "copies_sent": 3, "rate_percent": 100.0}
    ]
    assert "Yahoo!-Mail-Feedback/2.0" in world.invoke("subscribers", "complaints").stdout
