"""mln site build on SQLite and PostgreSQL: the pages, the audiences, escaping, the feed and the search index."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from pipeline.site import build_site

from .seed import IMG, SCRIPT
from .shards import shard_entries

ATOM = "{http://www.w3.org/2005/Atom}"


def read(folder, path):
    return (folder / path).read_text(encoding="utf-8")


def test_internal_build_has_every_page(seeded, tmp_path):
    report = build_site(seeded, tmp_path / "out", "internal")
    out = tmp_path / "out"
    assert report.items == 5 and report.bulletins == 1
    for path in (
        "index.html",
        "practice/index.html",
        "practice/theme-1.html",
        "practice/theme-6.html",
        "bulletins/index.html",
        "bulletins/1.html",
        "feed.atom",
        "practice/search/0.js",
        "practice/search-index.js",
        "assets/site.css",
        "assets/search.js",
    ):
        assert (out / path).is_file(), path
    assert sorted(p.name for p in (out / "items").iterdir()) == sorted(
        f"{n}.html" for n in ("LG-2026-001", "CH-2026-001", "CH-2026-002", "IP-2026-001", "WF-2026-001")
    )
    home = read(out, "index.html")
    assert "MLN Bulletin No. 1: November" in home and 'href="bulletins/1.html"' in home
    assert 'Care Homes / Housing / Home Care / Day Services</a> <span class="count">(2 items)' in home
    assert '<li value="2">Commissioning <span class="count">(0 items)' in home  # no link to a section that is not there
    assert 'href="practice/theme-6.html"' in home
    assert not (out / "practice/theme-2.html").exists()  # no page for a theme with no items


def test_index_is_grouped_by_theme_with_status_labels(seeded, tmp_path):
    build_site(seeded, tmp_path, "internal")
    page = read(tmp_path, "practice/index.html")
    themes = re.findall(r'<li id="(theme-[\w-]+)"[^>]*><a href="([^"]+)">(.*?)</a>', page)
    assert themes == [
        ("theme-1", "../practice/theme-1.html", "Liaison / General Hospital"),
        ("theme-3", "../practice/theme-3.html", "Workforce"),
        ("theme-5", "../practice/theme-5.html", "In Patient Services"),
        ("theme-6", "../practice/theme-6.html", "Care Homes / Housing / Home Care / Day Services"),
    ]
    assert '<li id="theme-2" value="2">Commissioning <span class="count">(0 items)' in page  # the old anchor stays
    assert "CH-2026-001" not in page  # the page is small: the themes' pages list the items, the search finds them
    assert 'id="finder" class="finder" role="search" aria-label="Search the index" hidden' in page
    theme = read(tmp_path, "practice/theme-6.html")
    assert "<h1>6. Care Homes / Housing / Home Care / Day Services</h1>" in theme
    assert re.findall(r'<tr class="row" data-file="([^"]+)"', theme) == ["CH-2026-001", "CH-2026-002"]
    row = re.search(r'<tr class="row" data-file="CH-2026-001".*?</tr>', theme, re.S).group(0)
    assert "Yorkshire &amp; Humber" in row
    assert '<span class="chip chip-implemented">Implemented</span>' in row  # colour and the words
    assert 'href="../items/CH-2026-001.html"' in row
    assert 'href="../practice/index.html#theme-6"' in theme
    assert "A pending rewrite" not in theme  # only approved revisions are published


def test_item_page_shows_fields_and_revision_history(seeded, tmp_path):
    build_site(seeded, tmp_path, "internal")
    page = read(tmp_path, "items/CH-2026-001.html")
    assert "reminiscence sessions in five homes" in page  # the latest approved revision
    assert '<h2 id="f-4">Learning</h2>' in page and "Piloted two modules." in page
    revisions = re.findall(r'<tr class="revision">.*?</tr>', page, re.S)
    assert len(revisions) == 2  # the pending third revision is not published
    # Newest first: received, approved, the form's "file updated", its status.
    assert '<time datetime="2026-11-12">12 November 2026</time>' in revisions[0]
    assert '<time datetime="2026-11-14">14 November 2026</time>' in revisions[0]
    assert '<td data-label="File updated">November 2026</td>' in revisions[0] and "Implemented" in revisions[0]
    assert "(first plan)" in revisions[1] and "Being implemented" in revisions[1]
    assert "angela.example@example.nhs.test" in page


def test_external_build_hides_unshared_items_and_addresses(seeded, tmp_path):
    out = tmp_path / "out"
    report = build_site(seeded, out, "external")
    assert report.items == 4
    assert not (out / "items" / "CH-2026-002.html").exists()
    everything = "\n".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file())
    assert "private.lead@example.nhs.test" not in everything
    assert "Learning network newsletter" not in everything
    assert "Shared outside the network" not in read(out, "items/CH-2026-001.html")


def test_member_text_is_escaped_everywhere(seeded, tmp_path):
    build_site(seeded, tmp_path, "internal")
    for path in ("practice/theme-3.html", "items/WF-2026-001.html", "bulletins/1.html", "practice/search/0.js"):
        text = read(tmp_path, path)
        assert SCRIPT not in text and IMG not in text, path
    item = read(tmp_path, "items/WF-2026-001.html")
    assert "Hostile title &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in item
    assert "&lt;img src=&#34;x&#34; onerror=&#34;alert(1)&#34;&gt;" in item
    assert (
        'href="javascript:' not in item and "<dd>javascript:alert(document.cookie)</dd>" in item
    )  # shown, not followed


def test_nothing_is_loaded_from_another_site(seeded, tmp_path):
    build_site(seeded, tmp_path, "internal")
    for page in tmp_path.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        loads = re.findall(r'<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="([^"]*)"', text)
        assert all(not re.match(r"[a-z]+:|//", url) for url in loads), (page, loads)
        assert "@import" not in text and "url(" not in text


def test_feed_lists_bulletins(seeded, tmp_path):
    build_site(seeded, tmp_path, "internal")
    feed = ET.fromstring((tmp_path / "feed.atom").read_bytes())
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["MLN Bulletin No. 1: November–December 2026"]
    assert entries[0].find(f"{ATOM}link").get("href") == "bulletins/1.html"
    assert entries[0].findtext(f"{ATOM}id") == "urn:mln:mln:bulletin:1"


def test_feed_uses_absolute_links_with_a_base_url(db_url, tmp_path):
    from .seed import make_settings, seed

    settings = make_settings(db_url, tmp_path, base_url="https://mln.example.org/site/")
    seed(settings)
    build_site(settings, tmp_path / "out", "external")
    feed = ET.fromstring((tmp_path / "out" / "feed.atom").read_bytes())
    assert feed.findtext(f"{ATOM}id") == "https://mln.example.org/site/feed.atom"
    assert feed.find(f"{ATOM}entry/{ATOM}link").get("href") == "https://mln.example.org/site/bulletins/1.html"


def test_search_index_holds_the_searched_fields(seeded, tmp_path):
    build_site(seeded, tmp_path, "internal")
    entry = shard_entries(tmp_path)["CH-2026-001"]
    words = entry[0]
    for word in ("reminiscence", "five", "barnsley", "handover", "forum", "education"):
        assert f" {word}" in words
    assert "angela" not in words  # contact details are not searched
    # ...and what the results list shows: title, theme, location, region, status, date, page.
    assert entry[1:] == [
        "Development of an education package on older people's mental-health needs",
        "theme-6",
        "Barnsley",
        "Yorkshire & Humber",
        "implemented",
        "2026-11-01",
        "items/CH-2026-001.html",
    ]
    script = read(tmp_path, "practice/search-index.js")
    assert script.startswith("window.MLN_SEARCH_INDEX={")
    index = json.loads(script.removeprefix("window.MLN_SEARCH_INDEX=").removesuffix(";\n"))
    assert index["shards"] == ["../practice/search/0.js"]
    assert index["entry"] == ["words", "title", "theme", "location", "region", "status", "date", "path"]


class Links(HTMLParser):
    """The href / src attributes and the ids of one page, as a browser parses it (not text that looks alike)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: set[str] = set()
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.urls.append(value)
            if name == "id" and value:
                self.ids.add(value)


def test_every_link_inside_the_site_leads_somewhere(seeded, tmp_path):
    out = tmp_path / "out"
    build_site(seeded, out, "external")
    parsed = {page: Links(page.read_text(encoding="utf-8")) for page in out.rglob("*.html")}
    checked = 0
    for page, links in parsed.items():
        for url in links.urls:
            if re.match(r"[a-z]+:", url):
                continue  # mailto: and the members' own links
            path, _, fragment = url.partition("#")
            target = (page.parent / path).resolve() if path else page
            assert target.is_file(), f"{page.relative_to(out)} links to missing {url}"
            if fragment and target.suffix == ".html":
                assert fragment in parsed[target].ids, f"{page.relative_to(out)} links to missing anchor {url}"
            checked += 1
    assert checked > 50
