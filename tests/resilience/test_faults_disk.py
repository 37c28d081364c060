"""Disk full when spooling to outbox/: a real full filesystem (a small tmpfs mounted on the
outbox folder, as root), during `mln outbox flush` and at the end of `mln poll`.

Nothing is lost: rows whose file could not be written stay queued and unspooled,
the run says so, and once there is room the next run spools and sends each once.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
from pathlib import Path

import pytest
from fixtures.samples import sample
from outbox.outbox_helpers import queue
from resilience.harness import IMAP_PASSWORD_ENV, World

FILLER = "filler.bin"


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KB tmpfs at tmp_path/outbox, filled to the brim; `free()` makes room."""
    folder = tmp_path / "outbox"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (tests/outbox/test_outbox_spool.py patches the write instead)")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        _fill(folder)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def _fill(folder: Path) -> None:
    fd = os.open(folder / FILLER, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 1024):
            pass
    except OSError:  # ENOSPC: full
        pass
    finally:
        os.close(fd)


def free(folder: Path) -> None:
    (folder / FILLER).unlink()


def test_flush_on_a_full_disk_keeps_rows_queued_then_sends_each_once(
    sqlite_url, tmp_path, small_disk, smtp_sink, tally
):
    world = World(tmp_path, sqlite_url, smtp_url=smtp_sink.url())
    recipients = [f"member{i}@example.org" for i in range(5)]
    queue(world.settings, recipients)

    full = world.invoke("--log-format", "json", "outbox", "flush", "--json")

    assert full.returncode == 0, full.stderr  # what was spooled was sent; the run itself completed
    report = json.loads(full.stdout)
    assert "No space left on device" in report["spool_error"] and "they stay queued" in report["spool_error"]
    assert report["sent"] == 0
    assert any(
        "could not write" in json.loads(line)["message"] for line in full.stderr.splitlines() if line.startswith("{")
    )
    status = json.loads(world.invoke("outbox", "status", "--json").stdout)
    assert status["counts"] == {"queued": 5} and status["unspooled"] == 5
    assert [p.name for p in small_disk.iterdir()] == [FILLER]  # no half-written file left behind

    free(small_disk)
    again = world.invoke("outbox", "flush", "--json")

    assert json.loads(again.stdout)["sent"] == 5
    assert world.outgoing_status() == {"sent": 5}
    assert collections.Counter(smtp_sink.recipients()) == collections.Counter(recipients)
    tally.add(faults=1, inputs=len(recipients))


def test_poll_on_a_full_disk_files_the_message_and_keeps_the_reply(
    sqlite_url, tmp_path, small_disk, imap_account, smtp_sink, tally
):
    world = World(
        tmp_path,
        sqlite_url,
        mailbox_url=imap_account.url,
        smtp_url=smtp_sink.url(),
        environ={IMAP_PASSWORD_ENV: imap_account.password},
    )
    imap_account.append(sample("template-request.eml"))  # answered with the blank forms attached

    polled = world.invoke("poll", "--json")

    # The pass completed (exit 0), the spooling did not: the summary and the log say so.
    assert polled.returncode == 0, polled.stdout + polled.stderr
    assert "No space left on device" in json.loads(polled.stdout)["spool_error"]
    assert "they stay queued" in polled.stderr
    [row] = world.recorded()
    assert row.outcome != "quarantined" and row.action_done
    assert imap_account.uids("INBOX") == []
    assert world.outgoing_status() == {"queued": 1}

    free(small_disk)
    sent = world.invoke("outbox", "flush", "--json")

    assert json.loads(sent.stdout)["sent"] == 1
    assert smtp_sink.recipients() == [row.from_addr]
    tally.add(faults=1, inputs=1)
