"""A page of `mln queue` costs the same few queries however many plans it shows (issue #23).

Each row's "what changed" note compares it with an earlier revision of its plan. Reading
those one plan at a time made a page of 100 cost 100 more round trips (about 30 ms on
PostgreSQL); the page now reads them in one query. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pipeline.review.queue import QueueFilter, list_queue
from pipeline.review.show import show_submission
from pipeline.store import reader as reader_module


def updated_plans(settings, submit, count: int) -> None:
    """`count` plans, each sent again under its File No with its status moved on."""
    for n in range(count):
        title = f"Falls huddles on ward {n}"
        file_no = show_submission(settings, submit(title=title))["file_no"]
        submit(title=title, file_no=file_no, status="Implemented")


def queries_for(settings, monkeypatch, limit: int) -> tuple[int, list[dict]]:
    asked = []
    real = reader_module.Reader._execute

    def counted(self, sql, params):
        asked.append(sql)
        return real(self, sql, params)

    monkeypatch.setattr(reader_module.Reader, "_execute", counted)
    rows = list_queue(settings, QueueFilter(), limit=limit)
    monkeypatch.setattr(reader_module.Reader, "_execute", real)
    return len(asked), rows


def test_a_page_of_twelve_asks_no_more_than_a_page_of_two(settings, submit, monkeypatch):
    updated_plans(settings, submit, 6)

    small, two = queries_for(settings, monkeypatch, limit=2)
    large, twelve = queries_for(settings, monkeypatch, limit=12)

    assert len(two) == 2 and len(twelve) == 12
    assert large == small
    updates = [row for row in twelve if row["is_update"]]
    assert len(updates) == 6
    assert all(row["changes_summary"] == "changed: Status" for row in updates), updates
    assert all(row["changes_summary"] == "" for row in twelve if not row["is_update"])
