"""A bulletin row as the CLI and JSON show it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline.periods import Period
from pipeline.store.models import Bulletin


def summarise(bulletin: Bulletin) -> dict[str, Any]:
    period = Period(bulletin.period_start, bulletin.period_months)
    updates = sum(1 for e in bulletin.entries if e.is_update)
    return {
        "id": bulletin.id,
        "number": bulletin.number,
        "period": period.key,
        "period_label": period.label,
        "status": bulletin.status,
        "subject": bulletin.subject,
        "items": len(bulletin.entries),
        "new": len(bulletin.entries) - updates,
        "updates": updates,
        "created_at": _iso(bulletin.created_at),
        "approved_at": _iso(bulletin.approved_at),
        "approved_by": bulletin.approved_by,
        "sent_at": _iso(bulletin.sent_at),
        "forced_reason": bulletin.forced_reason or "",
        "cancelled_at": _iso(bulletin.cancelled_at),
        "cancel_reason": bulletin.cancel_reason or "",
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None
