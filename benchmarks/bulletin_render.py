"""Benchmark: render a bulletin for both audiences, then personalise many copies.

Shows that CSS inlining (premailer, the slow step) runs once per audience and
never per recipient, and how the HTML size grows with the number of items.

    .venv/bin/python -m benchmarks.bulletin_render [--items 30 100] [--copies 2000]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

from pipeline.config import REPO_ROOT
from pipeline.outbound.bulletin import GMAIL_CLIP_BYTES, content_from_dict, inline_css_calls, personalise, render_all

SAMPLE = REPO_ROOT / "tests" / "bulletin" / "samples" / "issue_12.json"
RESULTS = REPO_ROOT / "benchmarks" / "results"


def run(items: int, copies: int) -> dict:
    base = content_from_dict(json.loads(SAMPLE.read_text(encoding="utf-8")))
    content = dataclasses.replace(
        base,
        items=tuple(
            dataclasses.replace(base.items[i % len(base.items)], file_no=f"BM-2026-{i:03d}") for i in range(items)
        ),
    )
    calls_before = inline_css_calls()
    started = time.perf_counter()
    rendered = render_all(content, REPO_ROOT / "templates")
    render_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for n in range(copies):
        audience = rendered["internal" if n % 2 else "external"]
        values = {
            "recipient": f"reader{n}@example.org",
            "unsubscribe_address": f"bulletin+unsubscribe-{n:06d}@example.org",
        }
        personalise(audience.html, values, html=True)
        personalise(audience.text, values, html=False)
    personalise_seconds = time.perf_counter() - started
    inline_calls = inline_css_calls() - calls_before
    assert inline_calls == len(rendered), f"premailer ran {inline_calls} times for {len(rendered)} audiences"
    return {
        "items": items,
        "audiences": len(rendered),
        "inline_css_calls": inline_calls,
        "copies_personalised": copies,
        "render_seconds": round(render_seconds, 3),
        "personalise_ms_per_copy": round(personalise_seconds * 1000 / max(copies, 1), 3),
        "html_kb": {a: round(r.html_bytes / 1024, 1) for a, r in rendered.items()},
        "over_gmail_clip": {a: r.html_bytes > GMAIL_CLIP_BYTES for a, r in rendered.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[9, 30, 100])
    parser.add_argument("--copies", type=int, default=2000)
    args = parser.parse_args()
    results = [run(n, args.copies) for n in args.items]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bulletin_render.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    for row in results:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
