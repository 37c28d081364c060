"""Faults at the SMTP seam, through `mln outbox flush` as cron runs it: 421/451/452 replies,
550/554 refusals, a server that hangs (smtp.timeout honoured) and one that is not there.

Each ends in a known state (temporary: queued with a next attempt; permanent: failed
with its code), says so in a log line, and the next run finishes the job without
sending anyone a second copy beyond the one the server may have taken.
"""

from __future__ import annotations

import collections
import json

import pytest
from outbox.outbox_helpers import queue
from resilience.harness import World

from pipeline.outbound.outbox import retry

RECIPIENTS = ["alpha@example.org", "bravo@example.org", "charlie@example.org"]
VICTIM = "bravo@example.org"

# fault name -> (how to set it on the sink, expected state of the victim's row)
FAULTS = {
    "421-at-rcpt": (lambda sink: sink.fail_rcpt_once.__setitem__(VICTIM, "421 4.3.2 closing, try later"), "deferred"),
    "451-at-rcpt": (lambda sink: sink.fail_rcpt_once.__setitem__(VICTIM, "451 4.3.0 greylisted"), "deferred"),
    "452-at-rcpt": (lambda sink: sink.fail_rcpt_once.__setitem__(VICTIM, "452 4.2.2 mailbox full"), "deferred"),
    "550-at-rcpt": (lambda sink: sink.fail_rcpt.__setitem__(VICTIM, "550 5.1.1 no such user"), "failed"),
    "554-at-data": (lambda sink: sink.fail_data_nth.__setitem__(2, "554 5.7.1 message refused"), "failed"),
    "drop-at-rcpt": (lambda sink: sink.drop_rcpt.add(VICTIM), "deferred"),
    "drop-after-data": (lambda sink: sink.drop_data_nth.add(2), "deferred"),
    "hang-at-data": (lambda sink: sink.hang_data_nth.__setitem__(2, 4.0), "deferred"),
}


@pytest.fixture
def world(sqlite_url, tmp_path, smtp_sink):
    # The database does not matter here (the crash harnesses run both); a short timeout
    # so a hanging server costs a second, not half a minute.
    return World(tmp_path, sqlite_url, smtp_url=smtp_sink.url(), smtp_timeout=1.0)


def _flush(world: World, *extra: str) -> tuple[dict, list[dict]]:
    result = world.invoke("--log-format", "json", "-v", "outbox", "flush", "--json", *extra)
    assert result.returncode == 0, result.stderr
    logs = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    return json.loads(result.stdout), logs


def _row_state(world: World, recipient: str):
    from sqlalchemy import select

    from pipeline.store.db import transaction
    from pipeline.store.models import Outgoing

    with transaction(world.db_url, readonly=True) as session:
        return session.scalars(select(Outgoing).where(Outgoing.recipient == recipient)).one()


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_smtp_fault_ends_in_a_known_logged_state_and_the_next_run_recovers(world, smtp_sink, fault, tally):
    inject, expected = FAULTS[fault]
    queue(world.settings, RECIPIENTS)
    inject(smtp_sink)

    report, logs = _flush(world)

    row = _row_state(world, VICTIM)
    warnings = [entry for entry in logs if entry["level"] == "warning" and VICTIM in entry["message"]]
    assert warnings, f"no log line about {VICTIM}: {logs}"
    assert report["sent"] == 2
    if expected == "deferred":
        assert report["deferred"] == 1 and row.status == "queued" and row.next_attempt_at is not None
        assert row.attempts == 1 and row.last_error
        if fault == "hang-at-data":
            assert "timed out" in row.last_error
    else:
        assert report["failed"] == 1 and row.status == "failed" and row.last_code in (550, 554)
        assert [b["recipient"] for b in report["hard_bounces"]] == [VICTIM]

    retry(world.settings)  # as `mln outbox retry` (or the backoff running out) makes it due
    smtp_sink.fail_rcpt.clear()
    smtp_sink.drop_rcpt.clear()
    again, _logs = _flush(world)

    seen = collections.Counter(smtp_sink.recipients())
    assert world.outgoing_status() == {"sent": 3}
    assert again["sent"] == 1
    # Only a message the server took but never answered may arrive twice.
    assert seen[VICTIM] in ({1, 2} if fault in ("drop-after-data", "hang-at-data") else {1})
    assert all(seen[r] == 1 for r in RECIPIENTS if r != VICTIM)
    tally.add(faults=1, inputs=len(RECIPIENTS), duplicates=seen[VICTIM] - 1)


def test_server_not_there_stops_with_exit_3_and_keeps_everything(sqlite_url, tmp_path, tally):
    from fixtures.smtp import free_port

    world = World(tmp_path, sqlite_url, smtp_url=f"smtp://127.0.0.1:{free_port()}", smtp_timeout=1.0)
    queue(world.settings, RECIPIENTS)

    result = world.invoke("outbox", "flush")

    assert result.returncode == 3
    assert "cannot connect to SMTP server" in result.stderr
    assert world.outgoing_status() == {"queued": 3}
    tally.add(faults=1, inputs=len(RECIPIENTS))
