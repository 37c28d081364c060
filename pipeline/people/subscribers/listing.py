"""The subscriber list as plain rows, read through the driver (pipeline/store/reader.py).

`mln subscribers list` runs often and on lists of 50,000: it imports neither SQLAlchemy
nor the models (issue #23). `pending` and `export` read the same way; `as_dict` in
registry.py gives a mapped Subscriber the same shape (`shown`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pipeline.store.reader import Reader

# What the CLI and the CSV export show of a subscriber, in this order.
FIELDS = (
    "email",
    "name",
    "organisation",
    "lists",
    "status",
    "awaiting_approval",
    "joined_via",
    "joined_at",
    "confirmed_at",
    "bounce_score",
)
_COLUMNS = "s.id, " + ", ".join(f"s.{name}" for name in FIELDS if name != "lists")
# The page of subscribers first (the index on email serves the order and the limit), then their lists.
_LIST = f"""
    SELECT {_COLUMNS}, m.list_name
    FROM (SELECT {_COLUMNS} FROM subscribers s {{where}} {{limit}}) s
    LEFT JOIN list_memberships m ON m.subscriber_id = s.id
    ORDER BY s.email, m.list_name"""


def list_subscribers(
    reader: Reader,
    list_name: str | None = None,
    status: str | None = None,
    awaiting_approval: bool | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Subscribers in address order, each as `shown` (their lists in name order); `limit` the first so many."""
    where, params = _filters(list_name, status, awaiting_approval)
    page = "ORDER BY s.email LIMIT :limit" if limit is not None else ""
    sql = _LIST.format(where=f"WHERE {' AND '.join(where)}" if where else "", limit=page)
    found: dict[int, dict[str, Any]] = {}
    for row in reader.rows(sql, {**params, "limit": limit}):
        subscriber = found.setdefault(row["id"], {**row, "lists": []})
        if row["list_name"] is not None:
            subscriber["lists"].append(row["list_name"])
    return [shown(subscriber) for subscriber in found.values()]


def _filters(list_name: str | None, status: str | None, awaiting_approval: bool | None) -> tuple[list[str], dict]:
    where: list[str] = []
    params: dict[str, Any] = {}
    if status:
        where.append("s.status = :status")
        params["status"] = status
    if awaiting_approval is not None:
        where.append("s.awaiting_approval = :awaiting_approval")
        params["awaiting_approval"] = awaiting_approval
    if list_name:
        where.append(
            "EXISTS (SELECT 1 FROM list_memberships on_list WHERE on_list.subscriber_id = s.id AND on_list.list_name = :list_name)"
        )
        params["list_name"] = list_name
    return where, params


def shown(subscriber: Mapping[str, Any]) -> dict[str, Any]:
    """A subscriber's FIELDS, times as ISO 8601 text (empty when unset)."""
    return {name: _iso(subscriber[name]) if name.endswith("_at") else subscriber[name] for name in FIELDS}


def _iso(value: dt.datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""
