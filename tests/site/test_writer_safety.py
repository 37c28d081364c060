"""The site writer deletes only files under its own folder that it wrote.

A rebuild removes the files the last build wrote and this one no longer makes, as the
folder's manifest (.mln-site.json) lists them. The manifest is only a file: before,
one naming `../x` or an absolute path made the build delete it. Here a manifest names
files outside the folder, behind a link, and one the lead has since edited, each with
the right hash; the build deletes none of them and says so.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from pipeline.errors import WrongState
from pipeline.site import build_site
from pipeline.site.writer import MANIFEST


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_manifest_naming_files_outside_the_folder_deletes_nothing_there(seeded, tmp_path):
    site = tmp_path / "public" / "site"
    build_site(seeded, site, "external")
    beside = tmp_path / "public" / "x"
    beside.write_text("beside the site, like mln.db in the demo folder\n")
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("anywhere on the disk\n")
    (tmp_path / "victim").mkdir()
    behind_link = tmp_path / "victim" / "page.html"
    behind_link.write_text("reached through a link\n")
    (site / "linked").symlink_to(tmp_path / "victim", target_is_directory=True)
    edited = site / "notes.html"
    edited.write_text("the lead's own page, written after the build\n")
    manifest = json.loads((site / MANIFEST).read_text())
    manifest["files"] |= {
        "../x": sha256(beside),
        str(elsewhere): sha256(elsewhere),
        "linked/page.html": sha256(behind_link),
        "items/../../x": sha256(beside),
        "notes.html": hashlib.sha256(b"what we once wrote").hexdigest(),
    }
    (site / MANIFEST).write_text(json.dumps(manifest))

    report = build_site(seeded, site, "external")

    assert beside.exists() and elsewhere.exists() and behind_link.exists() and edited.exists()
    assert report.removed == ()
    assert sorted(report.kept) == sorted(["../x", str(elsewhere), "linked/page.html", "items/../../x", "notes.html"])
    assert "../x" not in json.loads((site / MANIFEST).read_text())["files"]  # forgotten once left alone


def test_a_page_it_wrote_is_still_removed_when_no_longer_made(seeded, tmp_path):
    site = tmp_path / "site"
    build_site(seeded, site, "external")
    stale = site / "items" / "OLD-2025-001.html"
    stale.write_text("an item no longer shared\n")
    manifest = json.loads((site / MANIFEST).read_text())
    manifest["files"]["items/OLD-2025-001.html"] = sha256(stale)
    (site / MANIFEST).write_text(json.dumps(manifest))

    report = build_site(seeded, site, "external")

    assert report.removed == ("items/OLD-2025-001.html",) and not stale.exists()


def test_the_manifest_records_the_edition_mln_web_checks(seeded, tmp_path):
    build_site(seeded, tmp_path / "internal", "internal")
    build_site(seeded, tmp_path / "external", "external")
    assert json.loads((tmp_path / "internal" / MANIFEST).read_text())["audience"] == "internal"
    assert json.loads((tmp_path / "external" / MANIFEST).read_text())["audience"] == "external"


def test_a_link_inside_the_folder_is_never_written_through(seeded, tmp_path):
    site = tmp_path / "site"
    build_site(seeded, site, "external")
    outside = tmp_path / "outside"
    outside.mkdir()
    for page in (site / "items").iterdir():
        page.unlink()
    (site / "items").rmdir()
    (site / "items").symlink_to(outside, target_is_directory=True)

    with pytest.raises(WrongState, match="leads out of the site folder"):
        build_site(seeded, site, "external")

    assert list(outside.iterdir()) == []


def test_a_hand_edited_manifest_of_other_types_rebuilds_rather_than_crashes(seeded, tmp_path):
    site = tmp_path / "site"
    first = build_site(seeded, site, "external")
    manifest = json.loads((site / MANIFEST).read_text())
    page = next(path for path in manifest["inputs"] if path.startswith("items/"))
    manifest["files"][page] = 12345  # not a digest: the page is made again
    manifest["inputs"] = ["not", "a", "mapping"]  # no inputs: every page is made again
    (site / MANIFEST).write_text(json.dumps(manifest))

    report = build_site(seeded, site, "external")

    assert report.files == first.files and report.removed == ()
    assert json.loads((site / MANIFEST).read_text())["files"][page] == sha256(site / page)
