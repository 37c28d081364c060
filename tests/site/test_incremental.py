"""A rebuild rewrites only what changed: content hashes are compared before writing."""

from __future__ import annotations

import datetime as dt
import re

from pipeline.site import build_site, pages
from pipeline.store.db import transaction
from pipeline.store.models import Submission

from .seed import add_item


def test_second_build_writes_nothing(seeded, tmp_path):
    out = tmp_path / "out"
    first = build_site(seeded, out, "internal")
    assert first.unchanged == 0 and len(first.written) == first.files
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = build_site(seeded, out, "internal")
    assert again.written == () and again.unchanged == first.files and again.removed == ()
    assert all(p.stat().st_mtime_ns == before[p] for p in before if p.name != ".mln-site.json")


def test_one_new_item_rewrites_only_its_page_and_the_lists(seeded, tmp_path):
    out = tmp_path / "out"
    build_site(seeded, out, "internal")
    add_item(
        seeded.database.url,
        "PC-2026-001",
        10,
        "Primary Care",
        "Memory clinic in GP surgeries",
        "Leeds",
        "Yorkshire & Humber",
        "Planned",
        True,
        {"outcomes": "Waiting times halved."},
    )
    report = build_site(seeded, out, "internal")
    assert sorted(report.written) == sorted(
        [
            "items/PC-2026-001.html",
            "practice/theme-10.html",  # its theme's page, new; the other themes' pages are untouched
            "practice/index.html",
            "index.html",
            "practice/search/0.js",  # a small site has one shard; the map is unchanged
        ]
    )
    assert "Memory clinic in GP surgeries" in (out / "items/PC-2026-001.html").read_text(encoding="utf-8")


def test_an_item_no_longer_shared_is_removed_from_the_external_site(seeded, tmp_path):
    out = tmp_path / "out"
    build_site(seeded, out, "external")
    page = out / "items" / "LG-2026-001.html"
    assert page.exists()
    with transaction(seeded.database.url) as session:
        session.query(Submission).filter(Submission.title.like("Current database%")).update({"share_externally": False})
    report = build_site(seeded, out, "external")
    assert report.removed == ("items/LG-2026-001.html", "practice/theme-1.html")  # its theme has no other item
    assert not page.exists()


def test_a_missing_file_is_written_again(seeded, tmp_path):
    out = tmp_path / "out"
    build_site(seeded, out, "internal")
    (out / "items" / "IP-2026-001.html").unlink()
    assert build_site(seeded, out, "internal").written == ("items/IP-2026-001.html",)


def test_files_the_build_did_not_write_are_left_alone(seeded, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "robots.txt").write_text("User-agent: *\n", encoding="utf-8")
    build_site(seeded, out, "internal")
    build_site(seeded, out, "internal")
    assert (out / "robots.txt").read_text(encoding="utf-8") == "User-agent: *\n"


def test_dates_never_come_from_the_clock(seeded, tmp_path):
    # Two builds a moment apart are byte-identical: no "built at" anywhere.
    build_site(seeded, tmp_path / "a", "internal")
    build_site(seeded, tmp_path / "b", "internal")
    for page in (tmp_path / "a").rglob("*"):
        if page.is_file():
            assert page.read_bytes() == (tmp_path / "b" / page.relative_to(tmp_path / "a")).read_bytes(), page
    assert dt.date.today().isoformat() not in (tmp_path / "a" / "index.html").read_text(encoding="utf-8")


def test_a_long_theme_goes_on_over_pages_and_a_new_item_changes_the_last(seeded, tmp_path, monkeypatch):
    monkeypatch.setattr(pages, "PART_SIZE", 2)  # two items a page, as 1,000 are at national scale
    out = tmp_path / "out"
    for number in (3, 4):  # CH-2026-001 to -004: two full pages of theme 6
        add_item(seeded.database.url, f"CH-2026-00{number}", 6, "Care Homes", f"Plan {number}", "Leeds",
                 "Yorkshire & Humber", "Planned", True, {})  # fmt: skip
    build_site(seeded, out, "internal")
    first, second = (out / "practice/theme-6.html").read_text(encoding="utf-8"), (out / "practice/theme-6-2.html")
    assert re.findall(r'data-file="([^"]+)"', first) == ["CH-2026-001", "CH-2026-002"]
    assert 'href="../practice/theme-6-2.html" rel="next"' in first
    assert 'href="../practice/theme-6.html" rel="prev"' in second.read_text(encoding="utf-8")
    add_item(seeded.database.url, "CH-2026-010", 6, "Care Homes", "Plan 10", "Leeds", "Yorkshire & Humber",
             "Planned", True, {})  # fmt: skip  # after -004 (by number, not by letters)
    report = build_site(seeded, out, "internal")
    themes = sorted(p for p in report.written if p.startswith("practice/theme"))
    assert themes == ["practice/theme-6-2.html", "practice/theme-6-3.html"]  # the old last page gains a "next"
    add_item(seeded.database.url, "CH-2026-011", 6, "Care Homes", "Plan 11", "Leeds", "Yorkshire & Humber",
             "Planned", True, {})  # fmt: skip
    report = build_site(seeded, out, "internal")
    assert sorted(p for p in report.written if p.startswith("practice/theme")) == ["practice/theme-6-3.html"]
