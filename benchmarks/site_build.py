"""Benchmark: a full `mln site build` of N approved items, a no-change rebuild, and a rebuild after one new item.

Builds a throwaway SQLite database of N items (each with two approved
revisions, spread over the ten themes and four regions), then times:
the full build into an empty folder, a rebuild with nothing changed, and a
rebuild after one new item (which must rewrite only that item's page, the
index, the home page and the search index).

    .venv/bin/python -m benchmarks.site_build [--items 5000] [--audience internal]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

from pipeline.config import DEFAULT_REGIONS, DEFAULT_THEMES, load_settings
from pipeline.site import build_site
from pipeline.store import db
from pipeline.store.models import Item, Submission

RESULTS = Path(__file__).resolve().parent / "results"
UTC = dt.UTC
STATUSES = ("Planned", "Being implemented", "Implemented")
WORDS = (
    "reminiscence",
    "liaison",
    "audit",
    "handover",
    "carers",
    "dementia",
    "pathway",
    "training",
    "homes",
    "referral",
)


def seed(url: str, count: int, start: int = 0) -> None:
    with db.transaction(url) as session:
        for n in range(start, start + count):
            item = Item(file_no=f"BM-2026-{n:05d}", theme_code="BM", year=2026, sequence=n + 1)
            session.add(item)
            for revision in (1, 2):
                session.add(_submission(item, n, revision))
            if n % 500 == 499:
                session.flush()


def _submission(item: Item, n: int, revision: int) -> Submission:
    theme = n % len(DEFAULT_THEMES)
    word = WORDS[n % len(WORDS)]
    approved = dt.datetime(2026, 1 + n % 11, 1 + n % 27, 12, tzinfo=UTC) + dt.timedelta(days=revision * 10)
    return Submission(
        item=item,
        revision=revision,
        is_update=revision > 1,
        status="approved",
        title=f"Improvement plan {n}: {word} in practice",
        theme=DEFAULT_THEMES[theme],
        theme_number=theme + 1,
        locality=f"Locality {n % 97}",
        region=DEFAULT_REGIONS[n % 4],
        organisation=f"Organisation {n % 211} (example)",
        lead_name=f"Lead {n}",
        lead_email=f"lead{n}@example.org",
        progress=STATUSES[(n + revision) % 3],
        date_commenced=dt.date(2025, 1 + n % 12, 1),
        date_commenced_precision="month",
        summary=f"What plan {n} set out to do, in a few sentences about {word} and older people's mental health. " * 3,
        actions="PDSA cycles on the session length; two pilots.",
        outcomes=f"Outcome {n}: {word} improved by a third.",
        learning="Short sessions worked; evening sessions did not.",
        share_externally=n % 3 != 0,
        received_at=approved - dt.timedelta(days=2),
        approved_at=approved,
    )


def timed(settings, out: Path, audience: str) -> tuple[float, dict]:
    started = time.perf_counter()
    report = build_site(settings, out, audience)
    return time.perf_counter() - started, report.as_dict()


def run(items: int, audience: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="mln-site-bench-") as tmp:
        url = f"sqlite:///{tmp}/mln.db"
        db.upgrade(url)
        config = Path(tmp, "mln.toml")
        config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
        settings = load_settings(config, environ={})
        seed(url, items)
        out = Path(tmp, "site")
        full_seconds, full = timed(settings, out, audience)
        again_seconds, again = timed(settings, out, audience)
        seed(url, 1, start=items)
        one_seconds, one = timed(settings, out, audience)
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
        return {
            "items": items,
            "audience": audience,
            "pages": full["files"],
            "site_bytes": size,
            "search_json_bytes": (out / "practice" / "search.json").stat().st_size,
            "full_build_seconds": round(full_seconds, 2),
            "no_change_rebuild_seconds": round(again_seconds, 2),
            "no_change_written": len(again["written"]),
            "one_new_item_rebuild_seconds": round(one_seconds, 2),
            "one_new_item_written": sorted(one["written"]),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--audience", choices=("internal", "external"), default="internal")
    args = parser.parse_args()
    result = run(args.items, args.audience)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "site_build.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
