"""Running workers, as each last reported itself: for `mln status` on any database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from pipeline.store.models.base import Base, utcnow


class WorkerHeartbeat(Base):
    """One `mln worker` process: where it runs, when it started, when it was last seen, when it stopped."""

    __tablename__ = "worker_heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)  # host:pid:random
    host: Mapped[str] = mapped_column(String(255), default="")
    pid: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    stopped_at: Mapped[dt.datetime | None]
    turns: Mapped[int] = mapped_column(default=0)
