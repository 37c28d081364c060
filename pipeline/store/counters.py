"""Counters the flows share: automatic replies per address and day, and File No sequences.

Each question goes to the group batch (pipeline/store/group_batch.py) when this
session is handling a group of messages, else to the database in one statement.
Callers never know which: a handler or the composer asks the same way in both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.store import group_batch, sequences
from pipeline.store.models import utcnow
from pipeline.templates_io.themes import theme_code


def count_auto_reply(session: Session, address: str, limit: int) -> bool:
    """Count one automatic reply to `address` today; False once today's `limit` is reached."""
    if limit <= 0:
        return False
    batch = group_batch.current(session)
    counted = batch.count_reply(address) if batch is not None else None
    if counted is not None:  # the group's batch holds today's count, locked
        return counted
    return sequences.count_reply(session, address.lower(), utcnow().date(), limit)


def file_year(settings: Settings, when: dt.datetime) -> int:
    """The year a File No carries: the network's local year on the day the form arrived."""
    try:
        return when.astimezone(ZoneInfo(settings.network.timezone)).year
    except (KeyError, ValueError):
        return when.year


def allocate_file_no(session: Session, settings: Settings, theme: str, year: int) -> tuple[str, str, int]:
    """The next File No for a theme and year: (file_no, theme code, sequence). Safe under concurrent workers."""
    code = theme_code(theme, settings.network.themes)
    batch = group_batch.current(session)
    sequence = (
        batch.next_file_no(session, code, year)
        if batch is not None
        else sequences.take_file_numbers(session, code, year)
    )
    prefix = f"{settings.network.file_no_prefix}-" if settings.network.file_no_prefix else ""
    return f"{prefix}{code}-{year}-{sequence:03d}", code, int(sequence or 0)


def reserve_sequences(session: Session, settings: Settings, themes: Sequence[str], year: int) -> None:
    """Lock the File No sequences a message will use, in one fixed order.

    A message with forms for two themes takes two sequence locks; taking them
    in sorted order means two workers filing such messages wait for each other
    instead of deadlocking.
    """
    codes = sorted({theme_code(t, settings.network.themes) for t in themes})
    for code in codes:
        # Creates the row if missing, else a no-op update of it: either way the row is
        # now locked by this transaction (one statement instead of SELECT, INSERT, SELECT FOR UPDATE).
        sequences.lock_file_numbers(session, code, year)
