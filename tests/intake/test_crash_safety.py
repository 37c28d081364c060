"""Nothing lost, nothing done twice: `mln poll` killed with SIGKILL, and two pollers at once.

After any crash and one clean pass, every message is recorded exactly once,
none is left in the inbox, and none has vanished from the mailbox.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest
from fixtures.samples import numbered_message

N = 24


def assert_each_message_once(intake, n: int) -> None:
    counts = intake.count_by_message_id()
    assert len(counts) == n, f"recorded {len(counts)} distinct messages, expected {n}"
    assert set(counts.values()) == {1}, f"some message recorded twice: {counts}"
    folders = intake.all_folders()
    assert folders.get("INBOX", 0) == 0, folders
    assert sum(folders.values()) == n, f"messages in the mailbox after the run: {folders}"
    assert all(row.action_done for row in intake.recorded())


@pytest.mark.parametrize("point", ["before_commit:3", "after_commit:3", "after_move:1", "after_move:2"])
def test_kill_at_each_step_then_rerun(intake, point):
    intake.account.append_many([numbered_message(n) for n in range(N)])

    crashed = intake.run("poll", extra_env={"MLN_DEBUG_CRASH_AT": point})
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr

    intake.poll_json()
    assert_each_message_once(intake, N)


def test_kill_at_random_moments(intake, request):
    trials = request.config.getoption("--trials") or 5
    rng = random.Random(trials)
    intake.account.append_many([numbered_message(n) for n in range(N)])
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLN_")} | intake.environ
    command = [sys.executable, "-m", "pipeline.cli", "--config", str(intake.config_path), "poll"]
    kills = 0
    for _ in range(trials):
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.5))  # start-up takes most of the first ~0.5 s
        if proc.poll() is None:
            proc.kill()
            kills += 1
        proc.wait()

    intake.poll_json()
    assert_each_message_once(intake, N)


def test_two_pollers_at_once(intake):
    intake.account.append_many([numbered_message(n) for n in range(N)])
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLN_")} | intake.environ
    command = [sys.executable, "-m", "pipeline.cli", "--config", str(intake.config_path), "poll", "--json"]

    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in procs]

    assert [p.returncode for p in procs] == [0, 0], results
    assert_each_message_once(intake, N)
