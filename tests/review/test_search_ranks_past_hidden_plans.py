"""Search ranks matches a batch at a time and skips what is not shown (not approved, or an
approved revision a later approved one replaced), so the best shown plans still come back
when hundreds of better-ranked matches are hidden (pipeline/search.py, `_ranked`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from benchmarks.queue import submission_row
from pipeline.config import load_settings
from pipeline.search import ensure_search_schema, search
from pipeline.store import db
from pipeline.store.models import Item, Submission

BASE = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)


def _plan(n: int, item: int, revision: int, status: str, title: str, summary: str) -> dict:
    row = submission_row(n, n % 10, BASE + dt.timedelta(minutes=n))
    blank = {"actions": "", "outcomes": "", "learning": "", "locality": "Leeds", "organisation": "Trust"}
    return row | blank | {"item_id": item, "revision": revision, "status": status, "title": title, "summary": summary}


def test_the_best_shown_plans_come_back_past_hidden_ones(db_url):
    items, rows = [], []
    # 250 plans that match best ("handover" in the title, which weighs most), none of them shown.
    for n in range(250):
        items.append(n + 1)
        rows.append(_plan(n, n + 1, 1, ("pending", "rejected", "needs_changes")[n % 3], f"Handover {n}", "x"))
    # 30 approved plans that match in the summary only; plan 300's first revision was replaced by a second.
    for n in range(250, 280):
        items.append(n + 1)
        rows.append(_plan(n, n + 1, 1, "approved", f"Ward round {n}", "A safer handover at shift change."))
    rows.append(_plan(280, 251, 2, "approved", "Ward round 250, revised", "A safer handover, now on every ward."))
    with db.get_engine(db_url).begin() as conn:
        conn.execute(
            insert(Item.__table__),
            [
                {"id": i, "file_no": f"HB-{i:04d}", "theme_code": "T", "year": 2026, "sequence": i, "created_at": BASE}
                for i in items
            ],
        )
        conn.execute(insert(Submission.__table__), rows)
    ensure_search_schema(db_url)
    settings = load_settings(None, required=False, environ={"MLN_DATABASE_URL": db_url})

    found = search(settings, "handover", limit=20)

    assert len(found) == 20
    assert all(r["title"].startswith("Ward round") for r in found)
    titles = {r["title"] for r in search(settings, "handover", limit=50)}
    assert len(titles) == 30  # every plan once: plan 251 only as its latest approved revision
    assert "Ward round 250, revised" in titles and "Ward round 250" not in titles
