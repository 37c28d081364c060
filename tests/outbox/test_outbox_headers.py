"""CR/LF in a name or subject never becomes an extra header or recipient on the wire."""

from __future__ import annotations

import email
from email.policy import default

import pytest

from pipeline.compose import build_message, queue_message
from pipeline.outbound import sender
from pipeline.store.db import transaction

HOSTILE = [
    ("Bulletin\r\nBcc: victim@example.org", "Ann Example"),
    ("Bulletin", "Ann\r\nCc: victim@example.org"),
    ("Bulletin\nTo: victim@example.org\n\nforged body", "Ann\rExample"),
    ("Bulletin\x00\x0bX-Injected: yes", "Ann\r\n\r\nbody"),
]


@pytest.mark.parametrize("subject, name", HOSTILE)
def test_hostile_subject_or_name_sends_one_message_to_one_recipient(outbox_settings, smtp_sink, subject, name):
    msg = build_message(
        outbox_settings,
        "ann@example.org",
        subject,
        "Hello\n",
        to_name=name,
        headers={"X-Theme": "Workforce\r\nBcc: victim@example.org"},
    )
    with transaction(outbox_settings.database.url) as session:
        queue_message(session, outbox_settings, msg, kind="notice")

    assert sender.send_due(outbox_settings).sent == 1

    [received] = smtp_sink.messages
    assert received.rcpt_tos == ["ann@example.org"]
    parsed = email.message_from_bytes(received.data, policy=default)
    assert parsed["Bcc"] is None and parsed["Cc"] is None and parsed["X-Injected"] is None
    assert len(parsed.get_all("To")) == 1
    assert [a.addr_spec for a in parsed["To"].addresses] == ["ann@example.org"]  # the name stays a quoted name
    assert "\n" not in str(parsed["Subject"]) and "\r" not in str(parsed["Subject"])
    assert parsed.get_content().strip() == "Hello"
