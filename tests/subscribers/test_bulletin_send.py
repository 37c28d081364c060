"""mln bulletin send: an approved issue to its lists, one personalised copy each, never two."""

from __future__ import annotations

import collections
import datetime as dt
import email
import json
from email.policy import default

import pytest
from bulletin.records import add_submission
from click.testing import CliRunner
from subscribers.subscriber_helpers import make_settings

from pipeline.errors import WrongState
from pipeline.mailing.sending import send_bulletin
from pipeline.outbound.bulletin.drafts import approve_bulletin, draft_bulletin
from pipeline.people import subscribers
from pipeline.store.db import transaction
from pipeline.store.models import Bulletin


@pytest.fixture
def settings(db_url, tmp_path, smtp_sink):
    return make_settings(db_url, tmp_path, smtp_sink.url())


def _approved(settings) -> int:
    add_submission(
        settings.database.url, "Education package for care home staff", dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    )
    summary = draft_bulletin(settings)
    approve_bulletin(settings, summary["id"], by="test")
    return summary["id"]


def _people(settings):
    with transaction(settings.database.url) as session:
        subscribers.add(session, settings, "ann@example.org", "internal", name="Ann Example")
        subscribers.add(session, settings, "bob@example.org", "external")
        subscribers.add(session, settings, "cara@example.org", "internal")
        subscribers.add(session, settings, "cara@example.org", "external")
        subscribers.add(session, settings, "dan@example.org", "external")
        subscribers.remove(session, "dan@example.org")
        subscribers.request_join(session, settings, "eve@example.org", "external")  # pending: gets only a confirmation


def test_each_active_subscriber_gets_one_personalised_copy(settings, smtp_sink):
    _people(settings)
    bulletin_id = _approved(settings)

    summary = send_bulletin(settings, bulletin_id, flush=True)

    assert summary.queued == {"internal": 2, "external": 1} and summary.stopped == ""
    bulletins = [m for m in smtp_sink.messages if "bounce-" in m.mail_from]
    assert sorted(r for m in bulletins for r in m.rcpt_tos) == [
        "ann@example.org",
        "bob@example.org",
        "cara@example.org",
    ]
    for received in bulletins:
        msg = email.message_from_bytes(received.data, policy=default)
        [rcpt] = received.rcpt_tos
        assert [a.addr_spec for a in msg["To"].addresses] == [rcpt]  # never a visible list of others
        assert msg["Precedence"] == "bulk" and msg["List-Id"].startswith("MLN Bulletin")
        mailto = msg["List-Unsubscribe"].strip("<>").removeprefix("mailto:")
        token = subscribers.find_token("unsubscribe", mailto)
        with transaction(settings.database.url, readonly=True) as session:
            assert (
                subscribers.read_token(settings, token, "unsubscribe").subscriber_id
                == subscribers.find(session, rcpt).id
            )
        # The two parts, with the meetings attached as meetings.ics (issue 20).
        assert msg.get_content_type() == "multipart/mixed"
        assert [p.get_content_type() for p in msg.iter_parts()] == ["multipart/alternative", "text/calendar"]
        assert "__MLN_" not in received.data.decode("utf-8", "replace")  # every placeholder filled
    with transaction(settings.database.url, readonly=True) as session:
        assert session.get(Bulletin, bulletin_id).status == "sent"


def test_a_second_send_reaches_only_newcomers(settings, smtp_sink):
    _people(settings)
    bulletin_id = _approved(settings)
    send_bulletin(settings, bulletin_id, flush=True)
    with transaction(settings.database.url) as session:
        subscribers.add(session, settings, "frank@example.org", "external")

    again = send_bulletin(settings, bulletin_id, flush=True)

    assert again.queued == {"external": 1} and again.already_queued == 3 and again.sent == 1
    counts = collections.Counter(r for m in smtp_sink.messages if "bounce-" in m.mail_from for r in m.rcpt_tos)
    assert set(counts.values()) == {1} and "frank@example.org" in counts


def test_one_list_only_and_dry_run(settings, smtp_sink):
    _people(settings)
    bulletin_id = _approved(settings)
    dry = send_bulletin(settings, bulletin_id, "external", dry_run=True)
    assert dry.queued == {"external": 2} and smtp_sink.messages == []
    with transaction(settings.database.url, readonly=True) as session:
        assert session.get(Bulletin, bulletin_id).status == "approved"
    assert send_bulletin(settings, bulletin_id, "external", flush=True).stopped == ""
    assert sorted(r for m in smtp_sink.messages if "bounce-" in m.mail_from for r in m.rcpt_tos) == [
        "bob@example.org",
        "cara@example.org",
    ]


def test_a_draft_cannot_be_sent(settings):
    add_submission(settings.database.url, "Draft only", dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    draft = draft_bulletin(settings)
    with pytest.raises(WrongState, match="approve it first"):
        send_bulletin(settings, draft["id"])


def test_mln_bulletin_send(settings, smtp_sink, tmp_path, monkeypatch):
    from pipeline.cli import cli

    _people(settings)
    bulletin_id = _approved(settings)
    config = tmp_path / "mln.toml"
    config.write_text(
        f'[database]\nurl = "{settings.database.url}"\n[smtp]\nurl = "{settings.smtp.url}"\n'
        f'[paths]\noutbox_dir = "outbox"\n[security]\ntoken_secret_env = "TEST_TOKEN_SECRET"\n'
    )
    monkeypatch.setenv("TEST_TOKEN_SECRET", str(settings.security.token_secret))
    dry = CliRunner().invoke(cli, ["--config", str(config), "bulletin", "send", str(bulletin_id), "--dry-run"])
    assert "would queue 2 internal, 1 external" in dry.output
    result = CliRunner().invoke(cli, ["--config", str(config), "bulletin", "send", str(bulletin_id), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["queued"] == {"internal": 2, "external": 1} and data["sent"] >= 3
    assert CliRunner().invoke(cli, ["bulletin", "send", "--help"]).output.count("Example") >= 1


def test_two_sends_at_once_queue_each_copy_once(settings, smtp_sink):
    import threading

    _people(settings)
    bulletin_id = _approved(settings)
    barrier, results, errors = threading.Barrier(2), [], []

    def run():
        barrier.wait()
        try:
            results.append(send_bulletin(settings, bulletin_id))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(sum(r.queued.values()) for r in results) == [0, 3]
