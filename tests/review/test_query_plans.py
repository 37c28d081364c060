"""The read commands' queries use the indexes, on SQLite and PostgreSQL (EXPLAIN), so `mln queue`
at 100,000 plans reads a page, not the table (issue #23).

PostgreSQL prefers a sequential scan on a table this small, so its plans are asked for with
enable_seqscan off: the question is whether an index *can* answer the query.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.review.queue import _PAGE, QueueFilter, _where
from pipeline.store.plan_changes import BASELINE_SQL
from pipeline.store.reader import Reader, reading

FILTERS = {
    "pending": QueueFilter(),
    "theme": QueueFilter(theme_number=6),
    "region": QueueFilter(region="north east"),
    "since": QueueFilter(since=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)),
}


def plan(reader: Reader, sql: str, params: dict) -> str:
    if reader.dialect == "sqlite":
        rows = reader.rows("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(r["detail"] for r in rows)
    reader.scalar("SET LOCAL enable_seqscan = off")
    return "\n".join(r["QUERY PLAN"] for r in reader.rows("EXPLAIN " + sql, params))


def full_scans(reader: Reader, text: str, table: str, alias: str) -> bool:
    if reader.dialect == "sqlite":
        return any(line.startswith((f"SCAN {alias}", f"SCAN {table}")) for line in text.splitlines())
    return f"Seq Scan on {table}" in text


@pytest.mark.parametrize("name", FILTERS)
def test_a_queue_page_reads_by_the_status_index(name, db_url):
    where, params = _where(FILTERS[name])
    with reading(db_url) as reader:
        text = plan(reader, _PAGE.format(where=where), {**params, "status": "pending", "limit": 100, "offset": 0})
    assert not full_scans(reader, text, "submissions", "s"), text
    assert not full_scans(reader, text, "submissions", "b"), text  # each row's baseline, by its item
    assert not full_scans(reader, text, "audit_events", "a"), text
    assert "ix_submissions_status_received" in text, text


def test_the_baseline_of_a_revision_reads_by_its_item(db_url):
    with reading(db_url) as reader:
        text = plan(reader, BASELINE_SQL, {"item_id": 1, "revision": 3})
    assert not full_scans(reader, text, "submissions", "submissions"), text
    assert not full_scans(reader, text, "submissions", "b"), text
