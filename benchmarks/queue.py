"""5. Queue and search: `mln queue --json` and `mln search WORD` as subprocesses over 100,000 submissions.

The floor is `python -c "import pipeline"`: the cost of starting Python and
importing our package at all. `mln --help` and `python -c "import pipeline.store.models"`
(SQLAlchemy and our models, which any database command needs) are timed too
(details), to tell the CLI's import cost from the query's. Each command is timed several times and the
median kept; the ratio is command / floor.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import insert

from pipeline.config import DEFAULT_THEMES
from pipeline.search import ensure_search_schema
from pipeline.store import db
from pipeline.store.models import Item, Submission

from . import servers
from .common import Result, write_settings

WORD = "dementia"
STATUSES = ("approved", "pending", "approved", "needs_changes", "approved", "rejected")
PLACES = ("Barnsley", "Rotherham", "Selby & York", "Kendal", "Leeds", "Gateshead", "Derby")
TOPICS = (
    "care home education",
    "liaison database",
    "leave arrangements",
    "memory clinic",
    "dementia café",
    "rotational posts",
    "carer support",
    "falls prevention",
    "delirium screening",
)


def fill(url: str, count: int, chunk: int = 5000) -> None:
    """`count` submissions, one item each; a varied mix of statuses, themes and topics (core executemany)."""
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    engine = db.get_engine(url)
    for start in range(0, count, chunk):
        items, subs = [], []
        for n in range(start, min(start + chunk, count)):
            theme = n % len(DEFAULT_THEMES)
            items.append(
                {
                    "id": n + 1,
                    "file_no": f"BM-{n:07d}",
                    "theme_code": f"T{theme}",
                    "year": 2026,
                    "sequence": n,
                    "created_at": base,
                }
            )
            subs.append(_submission(n, theme, base + dt.timedelta(minutes=n)))
        with engine.begin() as conn:
            conn.execute(insert(Item.__table__), items)
            conn.execute(insert(Submission.__table__), subs)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('items', 'id'), (SELECT max(id) FROM items))")
            conn.exec_driver_sql("ANALYZE")


def _submission(n: int, theme: int, received: dt.datetime) -> dict:
    status = STATUSES[n % len(STATUSES)]
    topic = TOPICS[n % len(TOPICS)]
    place = PLACES[n % len(PLACES)]
    return {
        "id": n + 1,
        "item_id": n + 1,
        "revision": 1,
        "is_update": False,
        "status": status,
        "problems": [],
        "file_no_given": "",
        "title": f"{topic.capitalize()} in {place} ({n})",
        "theme": DEFAULT_THEMES[theme],
        "theme_number": theme + 1,
        "locality": place,
        "region": "Yorkshire & Humber",
        "organisation": f"Trust {n % 300}",
        "organisation_type": "Mental Health Trust",
        "lead_name": f"Lead {n}",
        "lead_email": f"lead{n}@example.nhs.test",
        "progress": "Being implemented",
        "date_commenced_precision": "",
        "date_commenced_planned": False,
        "date_updated_precision": "",
        "completion_date_precision": "",
        "completion_note": "",
        "summary": f"Work on {topic} with partners in {place}; monthly PDSA cycles and a shared measure.",
        "actions": "Piloted in two teams, then spread.",
        "outcomes": "Referrals rose; fewer crisis calls.",
        "learning": "Release staff time first.",
        "link": "",
        "share_externally": True,
        "raw_fields": {},
        "sender": f"lead{n}@example.nhs.test",
        "sender_name": f"Lead {n}",
        "unknown_sender": False,
        "source": "message body",
        "received_at": received,
        "reviewed_by": "bench" if status != "pending" else "",
        "reviewed_at": received if status != "pending" else None,
        "approved_at": received if status == "approved" else None,
    }


def mln_command() -> list[str]:
    script = Path(sys.executable).with_name("mln")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipeline.cli"]


def median_seconds(argv: list[str], env: dict[str, str], repeats: int) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(repeats):
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-2000:]}")
        out = done.stdout
    return statistics.median(times), out


def run(backend: str, workdir: Path, count: int, repeats: int) -> list[Result]:
    folder = workdir / f"queue-{backend}"
    with servers.database(backend, folder) as url:
        started = time.perf_counter()
        fill(url, count)
        ensure_search_schema(url)
        fill_s = time.perf_counter() - started
        config, environ = write_settings(folder, url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLN_")} | environ
        floor_s, _ = median_seconds([sys.executable, "-c", "import pipeline"], env, repeats)
        mln = [*mln_command(), "--config", str(config)]
        help_s, _ = median_seconds([*mln, "--help"], env, repeats)  # the CLI's own start-up, no database
        # What any database command must import (SQLAlchemy and our models), to tell it from the query.
        models_s, _ = median_seconds([sys.executable, "-c", "import pipeline.store.models"], env, repeats)
        results = []
        for name, args in (("queue", ["queue", "--json"]), ("search", ["search", WORD, "--json"])):
            seconds, out = median_seconds([*mln, *args], env, repeats)
            rows = out.count('"id"')
            results.append(
                Result(
                    name=f"{name}_cli",
                    backend=backend,
                    ours=f"{seconds * 1000:.0f} ms `mln {' '.join(args)}` ({rows} rows)",
                    baseline=f'{floor_s * 1000:.0f} ms `python -c "import pipeline"`',
                    ratio=round(seconds / floor_s, 2),
                    target="report",
                    met=None,
                    details={
                        "submissions": count,
                        "repeats": repeats,
                        "seconds": round(seconds, 4),
                        "floor_seconds": round(floor_s, 4),
                        "mln_help_seconds": round(help_s, 4),
                        "models_import_seconds": round(models_s, 4),
                        "rows": rows,
                        "fill_seconds": round(fill_s, 1),
                    },
                )
            )
        return results
