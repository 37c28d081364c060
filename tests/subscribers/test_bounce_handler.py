"""Bounce messages through the default rules and the bounce handler."""

from __future__ import annotations

import pytest
from subscribers.subscriber_helpers import handle, make_settings, sample

from pipeline.people import subscribers
from pipeline.store.db import transaction
from pipeline.store.models import Subscriber


@pytest.fixture
def settings(db_url, tmp_path):
    return make_settings(db_url, tmp_path)


def add(settings, address):
    with transaction(settings.database.url) as session:
        return subscribers.add(session, settings, address, "external")[0].id


def dsn(original_sender: str, recipient: str, status: str = "5.1.1", action: str = "failed") -> bytes:
    """A Postfix-style RFC 3464 report about a copy sent from `original_sender`."""
    return (
        "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\r\n"
        f"To: {original_sender}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.example.net>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        "--b1--\r\n"
    ).encode()


def status_of(settings, sub_id):
    with transaction(settings.database.url, readonly=True) as session:
        return session.get(Subscriber, sub_id).status


def score_of(settings, sub_id):
    with transaction(settings.database.url, readonly=True) as session:
        return session.get(Subscriber, sub_id).bounce_score


def test_a_verp_bounce_counts_against_the_subscriber_it_names(settings):
    sub_id = add(settings, "gone@example.nhs.test")
    verp = subscribers.bounce_address(settings, sub_id)

    handler, result, _ = handle(settings, dsn(verp, "gone@example.nhs.test"))

    assert handler == "bounce"
    assert result.outcome == "processed" and "gone@example.nhs.test: mailbox gone 5.1.1 (disabled)" in result.reason
    assert score_of(settings, sub_id) == 1
    assert status_of(settings, sub_id) == "disabled"


def test_a_full_mailbox_counts_one_edition_and_does_not_disable(settings):
    sub_id = add(settings, "full@example.nhs.test")
    verp = subscribers.bounce_address(settings, sub_id)

    _, result, _ = handle(settings, dsn(verp, "full@example.nhs.test", status="5.2.2"))

    assert result.outcome == "processed" and "1 edition(s) in a row failed 5.2.2" in result.reason
    assert (score_of(settings, sub_id), status_of(settings, sub_id)) == (1, "active")


def test_a_verp_bounce_in_a_format_nobody_reads_counts_as_soft(settings):
    sub_id = add(settings, "odd@example.nhs.test")
    raw = (
        "From: MAILER-DAEMON@mx.example.net\r\n"
        f"To: {subscribers.bounce_address(settings, sub_id)}\r\n"
        "Subject: failure\r\nMessage-ID: <odd-1@mx.example.net>\r\n\r\nSomething went wrong.\r\n"
    ).encode()

    _, result, _ = handle(settings, raw)

    assert result.outcome == "processed" and "odd@example.nhs.test: 1 edition(s) in a row failed" in result.reason
    assert status_of(settings, sub_id) == "active"


def test_a_temporary_failure_changes_nothing(settings):
    sub_id = add(settings, "full@example.nhs.test")
    verp = subscribers.bounce_address(settings, sub_id)

    _, result, _ = handle(settings, dsn(verp, "full@example.nhs.test", status="4.2.2", action="delayed"))

    assert result.outcome == "ignored" and "temporary" in result.reason
    assert score_of(settings, sub_id) == 0


def test_without_a_token_the_failing_address_alone_counts_for_nothing(settings):
    sub_id = add(settings, "gone@example.nhs.test")

    _, result, _ = handle(settings, dsn("bulletin@example.org", "gone@example.nhs.test"))

    assert result.outcome == "held" and "not counted" in result.reason  # anyone can write a DSN
    assert score_of(settings, sub_id) == 0


def test_a_bounce_for_someone_not_subscribed_is_filed_and_ignored(settings):
    _, result, _ = handle(settings, sample("dsn-bounce.eml"))
    assert result.outcome == "ignored" and "not a subscriber" in result.reason


def test_an_out_of_office_reply_to_our_bounce_address_counts_for_nothing(settings):
    # RFC 3834: autoresponders answer the envelope sender, which for a bulletin copy is our VERP address.
    sub_id = add(settings, "away@example.nhs.test")
    raw = sample("out-of-office.eml")
    raw = f"X-Original-To: {subscribers.bounce_address(settings, sub_id)}\r\n".encode() + raw

    handler, result, _ = handle(settings, raw)

    assert handler == "bounce" and result.outcome == "ignored" and "reports no failure" in result.reason
    assert (score_of(settings, sub_id), status_of(settings, sub_id)) == (0, "active")
