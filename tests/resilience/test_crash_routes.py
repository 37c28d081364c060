"""A capped route killed with SIGKILL mid-send, restarted into its pause, then resumed after the
window: the cap counts what the database recorded, and nobody gets the bulletin twice but the
one message a kill may leave in flight."""

from __future__ import annotations

import collections
import datetime as dt
import json
import signal

import pytest
from outbox.outbox_helpers import queue
from resilience.harness import World

from pipeline.outbound import sender
from pipeline.outbound.quota import WINDOW
from pipeline.store.models import utcnow

pytestmark = pytest.mark.crash

CAP = 30


@pytest.fixture
def world(crash_db_url, tmp_path, smtp_sink):
    return World(tmp_path, crash_db_url, smtp_url=smtp_sink.url(), smtp_extra=f"daily_limit = {CAP}\n")


def test_a_kill_during_a_capped_send_then_a_restart_into_the_pause_sends_each_once(world, smtp_sink):
    recipients = [f"member{i:03d}@example.org" for i in range(75)]
    queue(world.settings, recipients)

    killed = world.popen("outbox", "flush", extra_env={"MLN_DEBUG_CRASH_AT": "smtp.marked:12"})
    killed.communicate(timeout=120)
    assert killed.returncode == -signal.SIGKILL

    restarted = world.run("outbox", "flush", "--json")  # a new process: it knows the count only from the database
    assert restarted.returncode == 0, restarted.stderr
    report = json.loads(restarted.stdout)
    assert set(report["paused"]) == {"default"}
    assert world.outgoing_status() == {"sent": CAP, "queued": len(recipients) - CAP}
    assert len(smtp_sink.messages) <= CAP + 1  # at most the one in flight at the kill, again

    later = world.settings
    resumed = sender.send_due(later, now=lambda: utcnow() + WINDOW + dt.timedelta(minutes=1))
    assert resumed.sent == CAP and resumed.paused  # the next window's cap: 30 more
    sender.send_due(later, now=lambda: utcnow() + 2 * WINDOW + dt.timedelta(minutes=2))

    assert world.outgoing_status() == {"sent": len(recipients)}
    assert set(world.sent_per_recipient().values()) == {1}
    seen = collections.Counter(smtp_sink.recipients())
    assert set(seen) == set(recipients)
    assert sum(n - 1 for n in seen.values()) <= 1, "more than the one message in flight at the kill was repeated"
