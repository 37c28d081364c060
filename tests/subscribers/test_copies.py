"""Bulletin copies are filled into an encoded skeleton: each must read exactly as if the
email package had built it from `personalise()`, and a lost outbox file is made again."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
from email.policy import default

import pytest
from bulletin.records import add_submission
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from subscribers.subscriber_helpers import make_settings

from pipeline.mailing.copies import CopyFiller, CopySkeleton, CopyValues
from pipeline.mailing.delivery import deliver_due
from pipeline.mailing.sending import queue_bulletin
from pipeline.outbound.bulletin.drafts import approve_bulletin, draft_bulletin
from pipeline.outbound.bulletin.personalise import PLACEHOLDERS, personalise
from pipeline.outbound.bulletin.render import RenderedBulletin
from pipeline.outbound.outbox import spool_path, spool_pending
from pipeline.people import subscribers
from pipeline.people.subscribers.erasure import redacted_address
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing

VALUES = CopyValues(
    recipient="ann.o'neill@example.org",
    name="Áine Ó Néill",
    message_id="<copy-1@example.org>",
    unsubscribe_address="bulletin+unsubscribe-abcdefghijklmnopqrstuvwxyz234567abcde@example.org",
    unsubscribe_url="https://bulletin.example.org/unsubscribe/abcdefghijklmnopqrstuvwxyz234567abcde",
)
SLOTS = {
    "recipient": VALUES.recipient,
    "unsubscribe_address": VALUES.unsubscribe_address,
    "unsubscribe_url": VALUES.unsubscribe_url,
}


@pytest.fixture
def offline(tmp_path):
    return make_settings("sqlite://", tmp_path)


def _read(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=default)


def _parts(msg):
    """Both parts' text, line ends as Python writes them (parsing keeps SMTP's CRLF, as it
    does for a message the email package built)."""
    text, html = msg.get_payload()
    return text.get_content().replace("\r\n", "\n"), html.get_content().replace("\r\n", "\n")


def test_a_copy_reads_as_personalise_would_make_it(offline):
    html = (
        f'<p>Sent to {PLACEHOLDERS["recipient"]}.</p>\n<a href="{PLACEHOLDERS["unsubscribe_url"]}">Leave</a> '
        + "é=" * 300
        + "\n"
    )
    text = f"Hello {PLACEHOLDERS['recipient']}\nLeave: mailto:{PLACEHOLDERS['unsubscribe_address']}\n"
    rendition = RenderedBulletin("external", "Bulletin – November 2026", html, text)

    data = CopySkeleton(offline, rendition).fill(VALUES)

    msg = _read(data)
    assert _parts(msg) == (personalise(text, SLOTS, html=False), personalise(html, SLOTS, html=True))
    assert msg["To"].addresses[0].display_name == "Áine Ó Néill"
    assert msg["To"].addresses[0].addr_spec == VALUES.recipient
    assert msg["Subject"] == "Bulletin – November 2026" and msg["Message-ID"] == VALUES.message_id
    assert msg["List-Unsubscribe"] == f"<{VALUES.unsubscribe_url}>, <mailto:{VALUES.unsubscribe_address}>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and msg["Precedence"] == "bulk"
    head, body = data.split(b"\r\n\r\n", 1)
    assert max(len(line) for line in body.split(b"\r\n")) <= 76  # quoted-printable keeps lines short
    assert max(len(line) for line in head.split(b"\r\n")) <= 998  # a URL cannot be folded; the hard limit holds
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF only, as SMTP wants


def test_a_hostile_name_cannot_add_a_header(offline):
    rendition = RenderedBulletin("external", "Bulletin", "<p>hi</p>", "hi")
    hostile = dataclasses.replace(VALUES, name="Eve\r\nBcc: all@example.org =?utf-8?q?=0D=0ABcc:x@example.org?=")

    msg = _read(CopySkeleton(offline, rendition).fill(hostile))

    assert msg["Bcc"] is None and len(msg["To"].addresses) == 1


placeholder = st.sampled_from(list(PLACEHOLDERS.values()))
chunk = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r"), max_size=120)


@hsettings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(chunk, placeholder), max_size=12), st.text(max_size=40))
def test_any_rendered_text_round_trips(pieces, name):
    settings = make_settings("sqlite://", "/tmp")
    rendered = "".join(pieces)
    rendition = RenderedBulletin("internal", "Bulletin", rendered, rendered)

    data = CopySkeleton(settings, rendition).fill(dataclasses.replace(VALUES, name=name))

    text, html = _parts(_read(data))
    expected = rendered.replace("\r\n", "\n")
    expected = expected if expected.endswith("\n") else expected + "\n"
    assert text == personalise(expected, SLOTS, html=False)
    assert html == personalise(expected, SLOTS, html=True)
    assert max(len(line) for line in data.split(b"\r\n\r\n", 1)[1].split(b"\r\n")) <= 76


# ---- through the outbox, against the real SMTP sink ----------------------------------


@pytest.fixture
def settings(db_url, tmp_path, smtp_sink):
    return make_settings(db_url, tmp_path, smtp_sink.url())


def _queued_bulletin(settings, people) -> int:
    with transaction(settings.database.url) as session:
        for address in people:
            subscribers.add(session, settings, address, "external", name=address.split("@")[0].title())
    add_submission(
        settings.database.url, "Falls prevention in care homes", dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    )
    bulletin_id = draft_bulletin(settings)["id"]
    approve_bulletin(settings, bulletin_id, by="test")
    queue_bulletin(settings, bulletin_id, "external")
    return bulletin_id


def test_queued_copies_carry_no_bytes_and_are_filled_when_spooled(settings):
    _queued_bulletin(settings, ["ann@example.org", "bob@example.org"])
    with transaction(settings.database.url, readonly=True) as session:
        rows = session.query(Outgoing).filter_by(kind="bulletin").all()
        assert [(r.raw, r.audience) for r in rows] == [(None, "external")] * 2

    assert spool_pending(settings, CopyFiller(settings)) == 2

    with transaction(settings.database.url, readonly=True) as session:
        for row in session.query(Outgoing).filter_by(kind="bulletin"):
            msg = _read(spool_path(settings, row.spool_name).read_bytes())
            assert msg["To"].addresses[0].addr_spec == row.recipient and msg["Message-ID"] == row.message_id


@pytest.mark.parametrize("damage", ["missing", "empty"])
def test_a_lost_outbox_file_is_filled_again_at_send_time(settings, smtp_sink, damage):
    _queued_bulletin(settings, ["ann@example.org"])
    spool_pending(settings, CopyFiller(settings))
    with transaction(settings.database.url, readonly=True) as session:
        [row] = session.query(Outgoing).filter_by(kind="bulletin").all()
        path = spool_path(settings, row.spool_name)
    path.unlink() if damage == "missing" else path.write_bytes(b"")

    report = deliver_due(settings)

    assert report.sent == 1
    [received] = [m for m in smtp_sink.messages if "bounce-" in m.mail_from]
    assert received.rcpt_tos == ["ann@example.org"] and "__MLN_" not in received.data.decode("utf-8", "replace")
    # multipart/mixed: the two parts, and the meetings as meetings.ics (issue 20).
    parts = [p.get_content_type() for p in _read(received.data).iter_parts()]
    assert parts == ["multipart/alternative", "text/calendar"]


def test_a_subscriber_forgotten_after_queuing_gets_nothing(settings, smtp_sink):
    _queued_bulletin(settings, ["ann@example.org", "bob@example.org"])
    with transaction(settings.database.url) as session:
        subscribers.forget(session, "bob@example.org")

    report = deliver_due(settings)

    assert report.sent == 1
    assert [r for m in smtp_sink.messages if "bounce-" in m.mail_from for r in m.rcpt_tos] == ["ann@example.org"]
    with transaction(settings.database.url, readonly=True) as session:
        [dropped] = session.query(Outgoing).filter_by(kind="bulletin", status="cancelled").all()
        assert dropped.recipient == redacted_address("bob@example.org") and "forgotten" in dropped.last_error


def test_a_copy_carries_working_tokens_and_list_headers(settings):
    from pipeline.people.subscribers.joining import unsubscribe_by_token

    _queued_bulletin(settings, ["ann@example.org"])
    spool_pending(settings, CopyFiller(settings))
    with transaction(settings.database.url, readonly=True) as session:
        [row] = session.query(Outgoing).filter_by(kind="bulletin").all()
        msg = _read(spool_path(settings, row.spool_name).read_bytes())
        bounce = subscribers.read_token(settings, subscribers.find_token("bounce", row.envelope_from), "bounce")
        assert bounce.subscriber_id == row.subscriber_id
    assert msg["List-Id"] == "MLN Bulletin <bulletin.example.org>" and msg["Precedence"] == "bulk"
    mailto = msg["List-Unsubscribe"].strip("<>").removeprefix("mailto:")  # no web.base_url: the address only
    with transaction(settings.database.url) as session:
        assert unsubscribe_by_token(session, settings, subscribers.find_token("unsubscribe", mailto)).done
