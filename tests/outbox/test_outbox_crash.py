"""kill -9 while sending, then resume: every row sent exactly once in the database, at most one
message repeated at the sink (the one in flight on the connection)."""

from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from outbox.outbox_helpers import queue
from sqlalchemy import func, select

from pipeline.outbound import outbox, sender
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing

WORKER = Path(__file__).with_name("send_worker.py")
ROWS = 300


def _start_worker(settings, crash_at: str = "") -> subprocess.Popen:
    args = [sys.executable, str(WORKER), settings.database.url, settings.smtp.url, settings.base_dir]
    if crash_at:
        args.append(crash_at)
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _status_counts(settings) -> dict[str, int]:
    with transaction(settings.database.url, readonly=True) as session:
        return dict(session.execute(select(Outgoing.status, func.count()).group_by(Outgoing.status)).all())


def _check_invariants(settings, sink, recipients, max_duplicates: int) -> int:
    assert _status_counts(settings) == {"sent": len(recipients)}
    seen = collections.Counter(sink.recipients())
    assert set(seen) == set(recipients)
    duplicates = {addr: n for addr, n in seen.items() if n > 1}
    assert all(n == 2 for n in duplicates.values())
    assert len(duplicates) <= max_duplicates
    first_connection = {}
    for received in sink.messages:
        for addr in received.rcpt_tos:
            first_connection.setdefault(addr, received.connection)
    per_connection = collections.Counter(first_connection[addr] for addr in duplicates)
    assert all(n == 1 for n in per_connection.values())  # at most the one in flight on each connection
    return len(duplicates)


@pytest.mark.parametrize("point, duplicates", [("smtp.accepted", 1), ("smtp.marked", 0)])
def test_kill_at_a_named_point_then_resume(outbox_settings, smtp_sink, point, duplicates):
    recipients = [f"member{i:04d}@example.org" for i in range(ROWS)]
    queue(outbox_settings, recipients)
    nth = random.Random(ROWS).randrange(1, ROWS)

    worker = _start_worker(outbox_settings, f"{point}:{nth}")
    assert worker.wait(timeout=120) == -signal.SIGKILL
    assert _status_counts(outbox_settings)["sent"] == nth - (1 if point == "smtp.accepted" else 0)

    report = sender.send_due(outbox_settings)  # takes over the dead sender's claims at once

    assert report.stopped == ""
    assert list(outbox_settings.outbox_path.glob("*.eml")) == []  # incl. a file left by a kill after commit
    assert _check_invariants(outbox_settings, smtp_sink, recipients, 1) == duplicates


def _kill_at_random_moments(settings, sink, recipients, kills: int, rng: random.Random) -> None:
    """Start a sender, SIGKILL it once the sink has seen a random number more messages; `kills` times."""
    for _ in range(kills):
        # At least two more messages: the first a new sender sends is the one the last kill left
        # in flight, and killing it on that very message again would be a third copy by design.
        target = len(sink.messages) + rng.randrange(2, max(3, len(recipients) // (kills + 1)))
        worker = _start_worker(settings)
        deadline = time.monotonic() + 120
        while len(sink.messages) < target and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)


def test_kill_at_random_moments_then_resume(outbox_settings, smtp_sink, request):
    kills = request.config.getoption("--trials") or 3
    recipients = [f"member{i:04d}@example.org" for i in range(ROWS)]
    queue(outbox_settings, recipients)
    outbox.spool_pending(outbox_settings)

    _kill_at_random_moments(outbox_settings, smtp_sink, recipients, kills, random.Random())
    sender.send_due(outbox_settings)

    # At most one repeat per killed connection, never a third copy.
    _check_invariants(outbox_settings, smtp_sink, recipients, kills)
    assert list(outbox_settings.outbox_path.glob("*.eml")) == []


@pytest.mark.slow
def test_kill_during_a_send_of_thousands(outbox_settings, smtp_sink, request):
    kills = request.config.getoption("--trials") or 10
    recipients = [f"member{i:05d}@example.org" for i in range(3000)]
    queue(outbox_settings, recipients)
    outbox.spool_pending(outbox_settings)

    _kill_at_random_moments(outbox_settings, smtp_sink, recipients, kills, random.Random())
    sender.send_due(outbox_settings)

    _check_invariants(outbox_settings, smtp_sink, recipients, kills)
