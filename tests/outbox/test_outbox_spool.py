"""Spooling queued rows to outbox/: atomic, one file per row whatever happens, nothing lost."""

from __future__ import annotations

import email
import os

import pytest
from outbox.outbox_helpers import make_settings, queue
from sqlalchemy import select

from pipeline.errors import SpoolError
from pipeline.outbound import outbox
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing


def _rows(settings):
    with transaction(settings.database.url, readonly=True) as session:
        return {r.id: (r.status, r.spool_name) for r in session.scalars(select(Outgoing))}


def test_spool_writes_one_file_per_queued_row(db_url, tmp_path):
    settings = make_settings(db_url, tmp_path)
    ids = queue(settings, ["ann@example.org", "bob@example.nhs.test"])

    assert outbox.spool_pending(settings) == 2

    files = sorted(p.name for p in settings.outbox_path.iterdir())
    assert files == [outbox.spool_name_for(i) for i in ids]
    assert _rows(settings) == {i: ("queued", outbox.spool_name_for(i)) for i in ids}
    msg = email.message_from_bytes((settings.outbox_path / files[0]).read_bytes())
    assert msg["To"] == "ann@example.org"


def test_second_run_and_crash_after_rename_never_make_a_second_file(db_url, tmp_path):
    settings = make_settings(db_url, tmp_path)
    [row_id] = queue(settings, ["ann@example.org"])
    assert outbox.spool_pending(settings) == 1
    assert outbox.spool_pending(settings) == 0

    # As if killed after the rename but before spool_name was committed.
    with transaction(settings.database.url) as session:
        session.get(Outgoing, row_id).spool_name = ""
    assert outbox.spool_pending(settings) == 1
    assert [p.name for p in settings.outbox_path.iterdir()] == [outbox.spool_name_for(row_id)]


def test_rows_already_sent_or_without_raw_are_not_spooled(db_url, tmp_path):
    settings = make_settings(db_url, tmp_path)
    sent_id, bare_id = queue(settings, ["ann@example.org", "bob@example.org"])
    with transaction(settings.database.url) as session:
        session.get(Outgoing, sent_id).status = "sent"
        session.get(Outgoing, bare_id).raw = None  # a bulletin copy personalised elsewhere
    assert outbox.spool_pending(settings) == 0
    assert not settings.outbox_path.exists() or not any(settings.outbox_path.iterdir())


def test_disk_full_leaves_rows_queued_and_unspooled(db_url, tmp_path, monkeypatch):
    settings = make_settings(db_url, tmp_path)
    ids = queue(settings, [f"member{i}@example.org" for i in range(5)])
    real_write = os.write
    calls = {"n": 0}

    def write_until_full(fd, data):  # the third file hits a full disk
        calls["n"] += 1
        if calls["n"] >= 3:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(outbox.os, "write", write_until_full)
    with pytest.raises(SpoolError, match="No space left on device") as info:
        outbox.spool_pending(settings)
    assert (info.value.spooled, info.value.failed) == (2, 3)
    rows = _rows(settings)
    assert [rows[i] for i in ids[:2]] == [("queued", outbox.spool_name_for(i)) for i in ids[:2]]
    assert [rows[i] for i in ids[2:]] == [("queued", "")] * 3
    assert sorted(p.name for p in settings.outbox_path.iterdir()) == [outbox.spool_name_for(i) for i in ids[:2]]

    monkeypatch.setattr(outbox.os, "write", real_write)  # space freed: the rest goes out next time
    assert outbox.spool_pending(settings) == 3
    assert all(name for _status, name in _rows(settings).values())


def test_temp_file_of_a_killed_writer_is_swept(db_url, tmp_path):
    settings = make_settings(db_url, tmp_path)
    settings.outbox_path.mkdir()
    dead_pid = 2**22 + 12345  # above pid_max on Linux: never a live process
    stale = settings.outbox_path / f".{outbox.spool_name_for(7)}.{dead_pid}.tmp"
    stale.write_bytes(b"half a mess")
    live = settings.outbox_path / f".{outbox.spool_name_for(8)}.{os.getpid()}.tmp"
    live.write_bytes(b"being written")
    outbox.spool_pending(settings)
    assert not stale.exists()
    assert live.exists()
