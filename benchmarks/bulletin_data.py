"""An approved bulletin and its subscribers, put straight into the database (bulk inserts, fast)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert

from pipeline.config import Settings
from pipeline.outbound.bulletin.drafts import approve_bulletin, draft_bulletin
from pipeline.store import db
from pipeline.store.models import ListMembership, Subscriber, utcnow

from . import queue


def approved_bulletin(settings: Settings, items: int = 20) -> int:
    """Approve `items` submissions an hour ago, draft this period's bulletin from them and approve it; its id."""
    url = settings.database.url
    when = utcnow() - dt.timedelta(hours=1)
    rows = []
    for n in range(items):
        row = queue.submission_row(n, n % len(settings.network.themes), when)
        rows.append({**row, "status": "approved", "approved_at": when, "reviewed_at": when})
    with db.get_engine(url).begin() as conn:
        conn.execute(
            insert(queue.Item.__table__),
            [
                {
                    "id": n + 1,
                    "file_no": f"BM-{n:07d}",
                    "theme_code": f"T{n % 10}",
                    "year": 2026,
                    "sequence": n,
                    "created_at": when,
                }
                for n in range(items)
            ],
        )
        conn.execute(insert(queue.Submission.__table__), rows)
    draft = draft_bulletin(settings)
    approve_bulletin(settings, draft["id"], by="benchmark")
    return int(draft["id"])


def subscribers(settings: Settings, count: int, chunk: int = 10_000) -> dict[str, int]:
    """`count` active, confirmed subscribers, alternately on the internal and external list."""
    lists = settings.lists.names
    now = utcnow()
    engine = db.get_engine(settings.database.url)
    per_list: dict[str, int] = {}
    for start in range(0, count, chunk):
        people, members = [], []
        for n in range(start, min(start + chunk, count)):
            name = lists[n % len(lists)]
            per_list[name] = per_list.get(name, 0) + 1
            people.append(
                {
                    "id": n + 1,
                    "email": f"reader{n}@example.org",
                    "name": f"Reader {n}",
                    "organisation": "",
                    "status": "active",
                    "joined_via": "import",
                    "joined_at": now,
                    "requested_by": "",
                    "confirmed_at": now,
                    "confirmed_via": "import",
                    "awaiting_approval": False,
                    "unsubscribed_via": "",
                    "disabled_reason": "",
                    "bounce_score": 0,
                }
            )
            members.append({"subscriber_id": n + 1, "list_name": name, "added_at": now, "confirmed": True})
        with engine.begin() as conn:
            conn.execute(insert(Subscriber.__table__), people)
            conn.execute(insert(ListMembership.__table__), members)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('subscribers', 'id'), (SELECT max(id) FROM subscribers))"
            )
            conn.exec_driver_sql("ANALYZE")
    return per_list
