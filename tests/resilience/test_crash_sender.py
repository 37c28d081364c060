"""Crash harness for the sender: `mln outbox flush` (and `mln bulletin send`, once it exists)
killed with SIGKILL at random points over many trials against a real SMTP sink.

Invariants: every recipient ends with exactly one row marked sent; no row is marked
sent that the server never accepted; the sink sees an address at most twice, at
most one repeat per kill, and at most one repeat per killed connection.

    pytest -m crash --trials 200
"""

from __future__ import annotations

import collections
import datetime as dt
import random
import signal
import time

import pytest
from outbox.outbox_helpers import queue
from resilience.harness import World

pytestmark = pytest.mark.crash

# Enough for the ordinary suite (every crash point is hit); `make resilience` or --trials N runs more.
DEFAULT_TRIALS = 10
PER_TRIAL = 3  # messages a trial sends, on average, before its kill
SENDER_POINTS = ("smtp.accepted", "smtp.marked")


@pytest.fixture
def world(crash_db_url, tmp_path, smtp_sink):
    return World(tmp_path, crash_db_url, smtp_url=smtp_sink.url())


def _kill_when_sink_reaches(proc, sink, target: int, rng: random.Random) -> bool:
    deadline = time.monotonic() + 60
    while proc.poll() is None and len(sink.messages) < target and time.monotonic() < deadline:
        time.sleep(0.001)
    if proc.poll() is not None:
        return False
    time.sleep(rng.uniform(0, 0.005))
    proc.send_signal(signal.SIGKILL)
    return True


def _trial(world: World, sink, rng: random.Random, trial: int, command: tuple[str, ...]) -> bool:
    """One run of the sender, killed at a crash point or at a random moment; True if killed."""
    if trial % 2 == 0:
        point = f"{rng.choice(SENDER_POINTS)}:{rng.randint(2, PER_TRIAL + 1)}"
        proc = world.popen(*command, extra_env={"MLN_DEBUG_CRASH_AT": point})
        proc.communicate(timeout=120)
        return proc.returncode == -signal.SIGKILL
    # At least two more messages: the first one a new sender sends may be the one the last
    # kill left in flight; killing it on that very message again would be a third copy.
    proc = world.popen(*command)
    killed = _kill_when_sink_reaches(proc, sink, len(sink.messages) + rng.randint(2, PER_TRIAL + 1), rng)
    _out, err = proc.communicate(timeout=120)
    assert killed or proc.returncode == 0, err
    return killed


def _check(world: World, sink, recipients: list[str], kills: int) -> int:
    per_recipient = world.sent_per_recipient()
    assert world.outgoing_status() == {"sent": len(recipients)}, world.outgoing_status()
    assert set(per_recipient) == set(recipients) and set(per_recipient.values()) == {1}
    seen = collections.Counter(sink.recipients())
    assert set(seen) == set(recipients), f"never reached the server: {set(recipients) - set(seen)}"
    repeats = {addr: n for addr, n in seen.items() if n > 1}
    assert all(n == 2 for n in repeats.values()), f"a third copy: {repeats}"
    assert len(repeats) <= kills, f"{len(repeats)} repeats for {kills} kills"
    first_connection: dict[str, int] = {}
    for received in sink.messages:
        for addr in received.rcpt_tos:
            first_connection.setdefault(addr, received.connection)
    per_connection = collections.Counter(first_connection[a] for a in repeats)
    assert all(n == 1 for n in per_connection.values()), "more than one repeat from one killed connection"
    assert list(world.settings.outbox_path.glob("*.eml")) == []
    return len(repeats)


def _assert_sent_rows_were_accepted(world: World, sink) -> None:
    accepted = collections.Counter(sink.recipients())
    sent = world.sent_per_recipient()
    assert not [r for r in sent if r not in accepted], "a row marked sent that the server never accepted"


def test_outbox_flush_killed_at_random_points_sends_each_once(world, smtp_sink, request, tally):
    trials = request.config.getoption("--trials") or DEFAULT_TRIALS
    recipients = [f"member{i:04d}@example.org" for i in range(trials * PER_TRIAL + 10)]
    queue(world.settings, recipients)
    rng = random.Random(trials * 104729)
    kills = 0
    for trial in range(trials):
        kills += _trial(world, smtp_sink, rng, trial, ("outbox", "flush"))
        _assert_sent_rows_were_accepted(world, smtp_sink)

    final = world.run("outbox", "flush", "--json")

    assert final.returncode == 0, final.stderr
    repeats = _check(world, smtp_sink, recipients, kills)
    assert kills >= trials // 2, f"only {kills} of {trials} runs were killed mid-send"
    tally.add(trials=trials, kills=kills, inputs=len(recipients), duplicates=repeats)


# ---- mln bulletin send ---------------------------------------------------------------


def _has_bulletin_send() -> bool:
    from pipeline.cli import cli

    return "send" in getattr(cli.get_command(None, "bulletin"), "commands", {})


def _approved_bulletin(world: World, subscribers: list[str]) -> int:
    from bulletin.records import add_submission

    from pipeline.outbound.bulletin.drafts import approve_bulletin, draft_bulletin
    from pipeline.people.subscribers import registry
    from pipeline.store.db import transaction

    add_submission(
        world.db_url, "Education package for care home staff", dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    )
    settings = world.settings
    with transaction(world.db_url) as session:
        for address in subscribers:
            registry.add(session, settings, address, "internal")
    summary = draft_bulletin(settings)
    approve_bulletin(settings, summary["id"], by="resilience test")
    return summary["id"]


def test_bulletin_send_killed_at_random_points_reaches_each_subscriber_once(world, smtp_sink, request, tally):
    if not _has_bulletin_send():
        pytest.skip(
            "`mln bulletin send` does not exist yet (issue 6); the outbox flush harness above covers the sender"
        )
    trials = request.config.getoption("--trials") or DEFAULT_TRIALS
    world.environ["TEST_TOKEN_SECRET"] = "resilience-token-secret-0123456789"
    subscribers = [f"partner{i:04d}@example.org" for i in range(trials * PER_TRIAL + 10)]
    bulletin_id = _approved_bulletin(world, subscribers)
    rng = random.Random(trials * 15485863)
    kills = 0
    for trial in range(trials):
        kills += _trial(world, smtp_sink, rng, trial, ("bulletin", "send", str(bulletin_id), "--list", "all"))
        _assert_sent_rows_were_accepted(world, smtp_sink)

    for command in (("bulletin", "send", str(bulletin_id), "--list", "all"), ("outbox", "flush")):
        result = world.run(*command)
        assert result.returncode == 0, result.stderr

    repeats = _check(world, smtp_sink, subscribers, kills)
    assert kills >= trials // 2, f"only {kills} of {trials} runs were killed mid-send"
    tally.add(trials=trials, kills=kills, inputs=len(subscribers), duplicates=repeats)
