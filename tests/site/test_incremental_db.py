"""An incremental build decides from the database which item pages to render; templates or --full render all."""

from __future__ import annotations

import shutil

import pytest

from pipeline.config import REPO_ROOT, load_settings
from pipeline.site import build, build_site
from pipeline.site import search_index as search
from pipeline.site.data import load_items, scan_items
from pipeline.store.db import transaction
from pipeline.store.models import Item, Submission
from pipeline.store.reader import reading

from .seed import add_item, add_revision, at
from .shards import shard_files, shard_items


def mtimes(out):
    return {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != ".mln-site.json"}


def set_status(url, file_no, status):
    with transaction(url) as session:
        item = session.query(Item).filter_by(file_no=file_no).one()
        session.query(Submission).filter_by(item_id=item.id, status="approved").update({"status": status})


def test_an_edit_in_the_database_rewrites_that_page_only(seeded, tmp_path):
    out = tmp_path / "out"
    assert build_site(seeded, out, "internal").full
    before = mtimes(out)
    with transaction(seeded.database.url) as session:  # the same revision, corrected where it stands
        session.query(Submission).filter_by(title="Current database of North East liaison network").update(
            {"summary": "A corrected summary about the liaison directory."}
        )
    report = build_site(seeded, out, "internal")
    assert not report.full
    assert "items/LG-2026-001.html" in report.written
    assert "corrected summary" in (out / "items/LG-2026-001.html").read_text(encoding="utf-8")
    untouched = [p for p in before if p.name.endswith(".html") and p.parent.name == "items" and p.stem != "LG-2026-001"]
    assert untouched and all(p.stat().st_mtime_ns == before[p] for p in untouched)


def test_a_new_revision_rewrites_the_item_page(seeded, tmp_path):
    out = tmp_path / "out"
    build_site(seeded, out, "internal")
    add_revision(seeded.database.url, "IP-2026-001", at(2026, 11, 18), progress="Implemented")
    report = build_site(seeded, out, "internal")
    assert "items/IP-2026-001.html" in report.written
    assert not any(p.startswith("items/") and p != "items/IP-2026-001.html" for p in report.written)


@pytest.mark.parametrize("status", ["rejected", "merged"])
def test_an_item_withdrawn_after_approval_disappears(seeded, tmp_path, status):
    out = tmp_path / "out"
    build_site(seeded, out, "internal")
    set_status(seeded.database.url, "LG-2026-001", status)
    report = build_site(seeded, out, "internal")
    assert report.removed == ("items/LG-2026-001.html", "practice/theme-1.html")
    assert not (out / "items/LG-2026-001.html").exists()
    assert "Liaison / General Hospital</a>" not in (out / "practice/index.html").read_text(encoding="utf-8")
    assert "LG-2026-001" not in shard_items(out)


def test_a_template_change_renders_every_page(seeded, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(REPO_ROOT / "templates" / "site", templates / "site")
    config = tmp_path / "mln-own-templates.toml"
    config.write_text(
        f'[database]\nurl = "{seeded.database.url}"\n[paths]\ntemplates_dir = "{templates}"\n', encoding="utf-8"
    )
    settings = load_settings(config, environ={"MLN_TOKEN_SECRET": "site-tests-secret-0123456789"})
    out = tmp_path / "out"
    build_site(settings, out, "internal")
    assert not build_site(settings, out, "internal").full
    item = templates / "site" / "item.html.j2"
    item.write_text(item.read_text(encoding="utf-8").replace("{% block main %}", "{% block main %}<!-- v2 -->", 1))
    report = build_site(settings, out, "internal")
    assert report.full
    assert {f"items/{n}.html" for n in ("LG-2026-001", "CH-2026-001", "IP-2026-001")} <= set(report.written)
    assert "<!-- v2 -->" in (out / "items/CH-2026-001.html").read_text(encoding="utf-8")


def test_full_writes_every_file_again(seeded, tmp_path):
    out = tmp_path / "out"
    first = build_site(seeded, out, "internal")
    page = out / "items/CH-2026-001.html"
    page.write_text("edited by hand", encoding="utf-8")
    assert build_site(seeded, out, "internal").written == ()  # nothing changed in the database
    report = build_site(seeded, out, "internal", full=True)
    assert report.full and len(report.written) == first.files
    assert "reminiscence" in page.read_text(encoding="utf-8")


def test_the_shards_together_are_the_whole_index(seeded, tmp_path):
    build_site(seeded, tmp_path, "internal")
    with reading(seeded.database.url) as reader:
        stamps = scan_items(reader, "internal")
        items = load_items(reader, stamps, "internal")
    words = {file_no: search.item_words(item) for file_no, item in items.items()}
    assert shard_items(tmp_path) == words  # the same words: the same answers


def test_an_incremental_build_reads_in_full_only_the_items_it_renders(seeded, tmp_path, monkeypatch):
    monkeypatch.setattr(search, "SHARD_TARGET", 400)  # a few items per shard, as 256 KB is at national scale
    read: list[list[str]] = []

    def counting(reader, stamps, audience):
        read.append(sorted(s.file_no for s in stamps))
        return load_items(reader, stamps, audience)

    monkeypatch.setattr(build, "load_items", counting)
    out = tmp_path / "out"
    build_site(seeded, out, "internal")
    assert len(read[0]) == 5  # the first build reads everything
    build_site(seeded, out, "internal")
    assert read[1] == []  # nothing changed: nothing read beyond the scan
    with transaction(seeded.database.url) as session:  # one item corrected where it stands
        session.query(Submission).filter_by(title="Learning network newsletter").update({"learning": "Print it."})
    build_site(seeded, out, "internal")
    # That item, the other item on its theme's page and the items sharing its search shard: not all five.
    assert "CH-2026-002" in read[2] and "CH-2026-001" in read[2] and len(read[2]) < 5


def test_an_incremental_build_makes_what_a_full_build_makes(seeded, tmp_path, monkeypatch):
    monkeypatch.setattr(search, "SHARD_TARGET", 400)
    out = tmp_path / "out"
    build_site(seeded, out, "internal")
    add_revision(seeded.database.url, "IP-2026-001", at(2026, 11, 18), progress="Implemented", learning="New.")
    set_status(seeded.database.url, "LG-2026-001", "rejected")
    add_item(seeded.database.url, "PC-2026-001", 10, "Primary Care", "Memory clinic", "Leeds", "Yorkshire & Humber",
             "Planned", True, {})  # fmt: skip
    build_site(seeded, out, "internal")
    build_site(seeded, tmp_path / "fresh", "internal", full=True)
    made = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file() and p.name != ".mln-site.json")
    fresh = sorted(p.relative_to(tmp_path / "fresh") for p in (tmp_path / "fresh").rglob("*") if p.is_file())
    assert made == [p for p in fresh if p.name != ".mln-site.json"]
    assert all((out / p).read_bytes() == (tmp_path / "fresh" / p).read_bytes() for p in made)


def test_shards_stay_small_and_a_new_item_changes_one(seeded, tmp_path, monkeypatch):
    monkeypatch.setattr(search, "SHARD_TARGET", 400)  # a few items per shard, as 256 KB is at national scale
    build_site(seeded, tmp_path, "internal")
    shards = shard_files(tmp_path)
    assert len(shards) > 1
    assert all(p.stat().st_size <= 4 * search.SHARD_TARGET for p in shards)
    before = {p: p.read_bytes() for p in shards}
    add_item(seeded.database.url, "PC-2026-001", 10, "Primary Care", "Memory clinic", "Leeds", "Yorkshire & Humber",
             "Planned", True, {})  # fmt: skip
    build_site(seeded, tmp_path, "internal")
    assert shard_files(tmp_path) == shards  # same count: the map is unchanged
    assert sum(p.read_bytes() != before[p] for p in shards) == 1
