"""Issue 20, item 2: `mln bulletin test` sends the exact copy a subscriber would get, to one address only."""

from __future__ import annotations

import email
import json
import re
from email.policy import default

import pytest
from sqlalchemy import select

from pipeline.mailing.copies import CopyFiller
from pipeline.mailing.sending import queue_bulletin
from pipeline.outbound.bulletin.drafts import draft_bulletin
from pipeline.people import subscribers as subs
from pipeline.periods import parse_period
from pipeline.store import db
from pipeline.store.models import Bulletin, Outgoing

from .cycle import copies, mln, settings_of, write_config
from .records import add_submission, at


@pytest.fixture
def config(db_url, tmp_path, smtp_sink):
    return write_config(tmp_path, db_url, smtp_sink.url())


def tokenless(text: str) -> str:
    return re.sub(r"unsubscribe-[a-z0-9]+@", "unsubscribe-TOKEN@", text)


def token_owner(settings, msg) -> int:
    mailto = msg["List-Unsubscribe"].strip("<>").removeprefix("mailto:")
    return subs.read_token(settings, subs.find_token("unsubscribe", mailto), "unsubscribe").subscriber_id


def _approved(config) -> tuple[object, int]:
    settings = settings_of(config)
    add_submission(settings.database.url, "Shared plan", at(2026, 11, 3), share=True)
    add_submission(settings.database.url, "Members only plan", at(2026, 11, 4), share=False)
    bulletin_id = draft_bulletin(settings, parse_period("2026-11"))["id"]
    assert mln(config, "bulletin", "approve", str(bulletin_id)).exit_code == 0
    return settings, bulletin_id


def test_a_test_copy_reaches_only_the_named_address_and_is_no_delivery(config, smtp_sink):
    settings, bulletin_id = _approved(config)
    result = mln(config, "bulletin", "test", str(bulletin_id), "--to", "partner@example.org", "--json")
    assert result.exit_code == 0, result.output
    sent = json.loads(result.output)
    assert sent["audience"] == "external" and sent["personalised"] is True
    assert [r for m in smtp_sink.messages for r in m.rcpt_tos] == ["partner@example.org"]
    msg = email.message_from_bytes(smtp_sink.messages[0].data, policy=default)
    assert msg["Subject"].startswith("[TEST] ") and "not a delivery" in msg["X-MLN-Test"]
    assert "bounce-" not in smtp_sink.messages[0].mail_from  # a bounce counts against no one

    # The same bytes as the real copy, but for the per-copy headers and the marks.
    assert copies(settings) == []
    queue_bulletin(settings, bulletin_id, "external")
    with db.transaction(settings.database.url, readonly=True) as session:
        row = session.scalars(select(Outgoing)).one()
        real = email.message_from_bytes(CopyFiller(settings).fill(session, [row])[row.id], policy=default)
        recorded = session.get(Bulletin, bulletin_id).test_sends
    assert real["Subject"] == msg["Subject"].removeprefix("[TEST] ")
    assert real["List-Id"] == msg["List-Id"] and real["To"] == msg["To"]
    # The unsubscribe token carries its own time and nonce; the subscriber it names is the same.
    assert token_owner(settings, real) == token_owner(settings, msg) is not None
    for part in ("plain", "html"):
        assert tokenless(real.get_body((part,)).get_content()) == tokenless(msg.get_body((part,)).get_content())
    assert [(t["to"], t["audience"]) for t in recorded] == [("partner@example.org", "external")]
    # The test did not take the real copy's place: the partner is queued for the real send.
    assert copies(settings) == [("partner@example.org", "queued")]


def test_a_test_copy_of_the_other_audience_to_a_non_subscriber(config, smtp_sink):
    settings, bulletin_id = _approved(config)
    result = mln(config, "bulletin", "test", str(bulletin_id), "--to", "editor@example.net", "--audience", "internal")
    assert result.exit_code == 0, result.output
    assert "sample unsubscribe links" in result.output
    [received] = smtp_sink.messages
    assert received.rcpt_tos == ["editor@example.net"]
    body = email.message_from_bytes(received.data, policy=default).get_body(("plain",)).get_content()
    assert "Members only plan" in body  # the internal edition
    assert copies(settings) == []


def test_a_draft_can_be_tested_before_approval(config, smtp_sink):
    settings = settings_of(config)
    add_submission(settings.database.url, "Shared plan", at(2026, 11, 3))
    bulletin_id = draft_bulletin(settings, parse_period("2026-11"))["id"]
    result = mln(config, "bulletin", "test", str(bulletin_id), "--to", "member@example.nhs.test")
    assert result.exit_code == 0, result.output
    assert "internal edition" in result.output and len(smtp_sink.messages) == 1
