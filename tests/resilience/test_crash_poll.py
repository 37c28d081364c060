"""Crash harness for `mln poll`: SIGKILL at random points over many trials, restart, check.

Each trial appends a few new messages and starts `mln poll` in a subprocess, then
kills it with SIGKILL either at a random named crash point (pipeline/faults.py:
before or after a message's commit, after a mailbox MOVE) or at a random moment
once it has recorded a random number of messages. After every kill nothing may
have left the inbox unrecorded; after the last, one clean pass must leave every
message recorded exactly once, filed, and none lost.

    pytest -m crash                      # the crash harnesses alone (SQLite; --slow adds PostgreSQL)
    pytest -m crash --trials 200         # many more trials
"""

from __future__ import annotations

import random
import signal
import time

import pytest
from fixtures.samples import numbered_message
from resilience.harness import IMAP_PASSWORD_ENV, World, assert_each_message_once, assert_nothing_filed_unrecorded

pytestmark = pytest.mark.crash

# Enough for the ordinary suite (every crash point is hit); `make resilience` or --trials N runs more.
DEFAULT_TRIALS = 10
NEW_PER_TRIAL = 3
CRASH_POINTS = ("before_commit", "after_commit", "after_move")


@pytest.fixture
def world(imap_account, crash_db_url, tmp_path):
    return World(
        tmp_path, crash_db_url, mailbox_url=imap_account.url, environ={IMAP_PASSWORD_ENV: imap_account.password}
    )


def _kill_after_progress(world: World, proc, target: int, rng: random.Random) -> bool:
    """SIGKILL `proc` once the database holds `target` records (plus a random few ms)."""
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if len(world.count_by_message_id()) >= target:
            time.sleep(rng.uniform(0, 0.02))
            break
        time.sleep(0.005)
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    return True


def _one_trial(world: World, rng: random.Random, trial: int) -> bool:
    """Start a poll and kill it somewhere; True when it was killed."""
    if trial % 2 == 0:
        point = f"{rng.choice(CRASH_POINTS)}:{rng.randint(1, NEW_PER_TRIAL + 1)}"
        proc = world.popen("poll", extra_env={"MLN_DEBUG_CRASH_AT": point})
        proc.communicate(timeout=120)
        return proc.returncode == -signal.SIGKILL
    before = len(world.count_by_message_id())
    proc = world.popen("poll")
    killed = _kill_after_progress(world, proc, before + rng.randint(0, NEW_PER_TRIAL - 1), rng)
    _out, err = proc.communicate(timeout=120)
    assert killed or proc.returncode == 0, err
    return killed


def test_poll_killed_at_random_points_loses_nothing_and_records_once(world, imap_account, request, tally):
    trials = request.config.getoption("--trials") or DEFAULT_TRIALS
    rng = random.Random(trials * 7919)
    expected: set[str] = set()
    kills = 0
    for trial in range(trials):
        new = [numbered_message(trial * NEW_PER_TRIAL + i) for i in range(NEW_PER_TRIAL)]
        imap_account.append_many(new)
        expected |= {f"<note-{trial * NEW_PER_TRIAL + i}@example.nhs.test>" for i in range(NEW_PER_TRIAL)}
        kills += _one_trial(world, rng, trial)
        assert assert_nothing_filed_unrecorded(world, imap_account) == len(expected), (
            "a message vanished from the mailbox"
        )

    final = world.run("poll", "--json")

    assert final.returncode == 0, final.stderr
    assert_each_message_once(world, imap_account, expected)
    assert kills >= trials // 2, f"only {kills} of {trials} trials were killed mid-run"
    tally.add(trials=trials, kills=kills, inputs=len(expected))
