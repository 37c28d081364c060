"""Issue 20: `mln bulletin cancel` during a send of 2,000 copies, on a real SMTP sink.

The sink itself runs the cancel command when the 300th copy arrives (before
answering it), so the test needs no sleeps: the send is under way by
construction, and everything after that copy is what the cancel must stop.
"""

from __future__ import annotations

import collections
import email
import json
from email.policy import default

import pytest
from click.testing import CliRunner
from fixtures.smtp import Sink, SinkHandler, _start
from sqlalchemy import func, select
from subscribers.subscriber_helpers import make_settings

from pipeline.cli import cli
from pipeline.mailing.sending import send_bulletin
from pipeline.outbound.bulletin.drafts import approve_bulletin, draft_bulletin
from pipeline.people import subscribers
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing

from .records import add_submission, at

COPIES = {"internal": 1500, "external": 500}
CANCEL_AT = 321  # not a batch boundary: the cancel lands in the middle of a claimed batch


class CancellingSink(SinkHandler):
    """A sink that runs `cancel(n)` once, when the `at`-th message has arrived and before it is answered."""

    def __init__(self, at: int, cancel) -> None:  # noqa: ANN001 - a test helper
        super().__init__()
        self.at, self.cancel, self.cancel_output = at, cancel, ""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.at and not self.cancel_output:
            self.cancel_output = self.cancel()  # the loop waits: no copy is answered meanwhile
        return reply


@pytest.fixture
def config(tmp_path, db_url):
    path = tmp_path / "mln.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    return path


def _subscribers(settings) -> None:
    with transaction(settings.database.url) as session:
        for audience, n in COPIES.items():
            for i in range(n):
                subscribers.add(session, settings, f"{audience}{i:04d}@example.org", audience)


def _approved(settings) -> int:
    add_submission(settings.database.url, "Education package for care home staff", at(2026, 11, 3))
    summary = draft_bulletin(settings, today=at(2026, 11, 20).date())
    approve_bulletin(settings, summary["id"], by="test", force_reason="the period is not over in this test")
    return summary["id"]


def test_a_cancel_during_a_send_stops_it_and_every_copy_went_once_or_never(config, tmp_path, db_url):
    runner = CliRunner()
    holder: dict[str, int] = {}

    def cancel() -> str:
        result = runner.invoke(
            cli,
            ["--config", str(config), "bulletin", "cancel", str(holder["id"]), "--reason", "wrong intro", "--json"],
        )
        assert result.exit_code == 0, result.output
        return result.output

    handler = CancellingSink(CANCEL_AT, cancel)
    controller = _start(handler)
    sink = Sink(handler, controller.hostname, controller.port, controller=controller)
    try:
        settings = make_settings(db_url, tmp_path, sink.url())
        _subscribers(settings)
        holder["id"] = bulletin_id = _approved(settings)

        summary = send_bulletin(settings, bulletin_id, flush=True)
    finally:
        controller.stop()

    assert summary.queued == COPIES and summary.stopped == ""
    cancelled = json.loads(handler.cancel_output)
    assert cancelled["reason"] == "wrong intro"
    # Sent once or never: no address reached twice, and the sink holds exactly what is recorded as sent.
    received = collections.Counter(r for m in sink.messages for r in m.rcpt_tos)
    assert max(received.values()) == 1
    with transaction(settings.database.url, readonly=True) as session:
        rows = session.execute(select(Outgoing.recipient, Outgoing.status).where(Outgoing.bulletin_id == bulletin_id))
        by_status = collections.defaultdict(set)
        for recipient, status in rows:
            by_status[status].add(recipient)
        total = session.scalar(select(func.count()).select_from(Outgoing).where(Outgoing.bulletin_id == bulletin_id))
    assert set(received) == by_status["sent"]
    assert total == sum(COPIES.values()) and set(by_status) <= {"sent", "cancelled"}
    assert summary.sent == len(sink.messages)
    # The cancel stopped the send where it was: the copy being answered went out, and nothing after it.
    assert len(sink.messages) == CANCEL_AT
    assert cancelled["sent"] + cancelled["stopped"] == sum(COPIES.values())
    assert all(email.message_from_bytes(m.data, policy=default)["Subject"] for m in sink.messages[:3])

    # The cancelled edition says who already had it, per audience, and can list them.
    shown = runner.invoke(cli, ["--config", str(config), "bulletin", "show", str(bulletin_id), "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["status"] == "cancelled" and "wrong intro" in data["cancel_reason"]
    sent_per_audience = {a: data["copies"].get(a, {}).get("sent", 0) for a in COPIES}
    assert sum(sent_per_audience.values()) == CANCEL_AT
    listed = runner.invoke(cli, ["--config", str(config), "bulletin", "show", str(bulletin_id), "--recipients", "sent"])
    assert listed.exit_code == 0, listed.output
    assert set(listed.output.split()) >= by_status["sent"]

    # Copies written ahead of the sender for cancelled rows do not stay in outbox/ for ever.
    assert runner.invoke(cli, ["--config", str(config), "outbox", "flush"]).exit_code == 0
    assert not list(settings.outbox_path.glob("*.eml"))
