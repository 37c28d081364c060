"""Put submissions straight into the database, as the intake would have recorded them."""

from __future__ import annotations

import datetime as dt

from pipeline.store import db
from pipeline.store.models import Submission


def add_submission(
    settings,
    sender: str,
    received: dt.datetime,
    theme: str = "Workforce",
    title: str = "A plan",
    status: str = "pending",
    lead_email: str = "",
) -> int:
    with db.transaction(settings.database.url) as session:
        row = Submission(
            sender=sender, received_at=received, theme=theme, title=title, status=status, lead_email=lead_email
        )
        session.add(row)
        session.flush()
        return row.id
