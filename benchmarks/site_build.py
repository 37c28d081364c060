"""Benchmark: a full `mln site build` of N approved items, a no-change rebuild, and a rebuild after one new item.

Builds a throwaway SQLite database of N items (each with two approved
revisions, spread over the ten themes and four regions), then times:
the full build into an empty folder, a rebuild with nothing changed, and a
rebuild after one new item (which must rewrite only that item's page, the last
page of its theme in the Information Index (and the page before, when the new
item starts a page), the index page, the home page and one search shard).
Reports the incremental build as a ratio of the full one (target <= 0.05) and
what a reader downloads before a search's first answer: the Information Index
page, its script, the shard map and the largest shard (target <= 1 MB).

    .venv/bin/python -m benchmarks.site_build [--items 100000] [--audience internal]
    .venv/bin/python -m benchmarks.site_build --quick      # 2,000 items
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

from pipeline.config import DEFAULT_REGIONS, DEFAULT_THEMES, Settings, load_settings
from pipeline.site import build_site
from pipeline.store import db
from pipeline.store.models import Item, Submission

from . import servers
from .common import Result

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


def timed(settings: Settings, out: Path, audience: str) -> tuple[float, dict]:
    started = time.perf_counter()
    report = build_site(settings, out, audience)
    return time.perf_counter() - started, report.as_dict()


def run(items: int, audience: str, backend: str = "sqlite", workdir: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="mln-site-bench-") as tmp:
        folder = Path(workdir or tmp) / f"site-{backend}"
        folder.mkdir(parents=True, exist_ok=True)
        with servers.database(backend, folder) as url:
            config = folder / "mln.toml"
            config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
            settings = load_settings(config, environ={})
            seed(url, items)
            out = folder / "site"
            full_seconds, full = timed(settings, out, audience)
            again_seconds, again = timed(settings, out, audience)
            seed(url, 1, start=items)
            one_seconds, one = timed(settings, out, audience)
            size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
            return {
                "items": items,
                "backend": backend,
                "audience": audience,
                "pages": full["files"],
                "site_bytes": size,
                "full_build_seconds": round(full_seconds, 2),
                "no_change_rebuild_seconds": round(again_seconds, 2),
                "no_change_written": len(again["written"]),
                "one_new_item_rebuild_seconds": round(one_seconds, 2),
                "one_new_item_written": sorted(one["written"]),
                "incremental_over_full": round(one_seconds / full_seconds, 3),
                **search_download(out),
            }


def results(backend: str, workdir: Path, items: int) -> list[Result]:
    """Benchmark 6 for `python -m benchmarks`: the incremental rebuild against the full one, and the first search's download."""
    found = run(items, "internal", backend, workdir)
    ratio = found["incremental_over_full"]
    first = found["first_result_bytes"]
    return [
        Result(
            name="site_incremental",
            backend=backend,
            ours=f"{found['one_new_item_rebuild_seconds']} s rebuild after one new approved plan "
            f"({len(found['one_new_item_written'])} files written)",
            baseline=f"{found['full_build_seconds']} s full build of {items:,} plans",
            ratio=ratio,
            target="<= 0.05",
            met=ratio <= 0.05,
            details=found,
        ),
        Result(
            name="site_first_search",
            backend=backend,
            ours=f"{first / 1024:.0f} KB fetched before the first search answer",
            baseline="1 MB (the issue's ceiling)",
            ratio=round(first / 1_000_000, 3),
            target="<= 1",
            met=first <= 1_000_000,
            details={
                "items": items,
                **{k: v for k, v in found.items() if k.endswith("_bytes") or k == "search_shards"},
            },
        ),
    ]


def search_download(out: Path) -> dict:
    """What a reader fetches before a first search answers: the index page, its script, the map, one shard (the largest)."""
    shards = [p.stat().st_size for p in (out / "practice" / "search").glob("*.js")]
    index_map = (out / "practice" / "search-index.js").stat().st_size
    page = (out / "practice" / "index.html").stat().st_size
    script = (out / "assets" / "search.js").stat().st_size
    themes = [p.stat().st_size for p in (out / "practice").glob("theme-*.html")]
    return {
        "search_shards": len(shards),
        "search_map_bytes": index_map,
        "largest_shard_bytes": max(shards),
        "first_search_index_bytes": index_map + max(shards),
        "index_page_bytes": page,  # the page itself: its themes and the search form, not every item
        "first_result_bytes": page + script + index_map + max(shards),
        "theme_pages": len(themes),
        "largest_theme_page_bytes": max(themes, default=0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="2,000 items, for a quick check")
    parser.add_argument("--audience", choices=("internal", "external"), default="internal")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    result = run(2000 if args.quick else args.items, args.audience, args.backend)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "site_build.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
