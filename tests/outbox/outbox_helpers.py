"""Helpers for outbox tests: settings pointed at a test database, sink and outbox folder."""

from __future__ import annotations

import dataclasses

from pipeline.compose import build_message, queue_message
from pipeline.config import DatabaseSettings, PathSettings, Settings, SmtpSettings
from pipeline.store.db import transaction


def make_settings(db_url: str, base_dir, smtp_url: str = "smtp://127.0.0.1:1", **smtp) -> Settings:
    smtp.setdefault("timeout", 30.0)  # generous: a busy test machine is not a hung server
    return Settings(
        database=DatabaseSettings(url=db_url),
        smtp=SmtpSettings(url=smtp_url, **smtp),
        paths=PathSettings(outbox_dir="outbox"),
        base_dir=str(base_dir),
    )


def queue(settings: Settings, recipients, subject: str = "MLN bulletin", kind: str = "notice") -> list[int]:
    """Queue one message per recipient, committed; return the row ids."""
    ids = []
    with transaction(settings.database.url) as session:
        for i, rcpt in enumerate(recipients):
            msg = build_message(settings, rcpt, f"{subject} {i}", f"Hello {rcpt}\n")
            ids.append(queue_message(session, settings, msg, kind=kind).id)
    return ids


def with_smtp(settings: Settings, **changes) -> Settings:
    return dataclasses.replace(settings, smtp=dataclasses.replace(settings.smtp, **changes))
