"""With `[web] base_url`, the bulletin's item headings and index rows link to the items' pages on the site."""

from __future__ import annotations

import re

from pipeline.outbound.bulletin.drafts import preview_bulletin
from pipeline.site import build_site

from .seed import make_settings, seed

BASE = "https://mln.example.org/practice-site"


def test_bulletin_links_each_item_to_its_page(db_url, tmp_path):
    settings = make_settings(db_url, tmp_path, base_url=BASE + "/")
    seed(settings)
    rendered = preview_bulletin(settings, 1, "internal")
    page = f"{BASE}/items/CH-2026-001.html"
    headings = re.findall(r'<h3 class="item-title"[^>]*>(.*?)</h3>', rendered.html, re.S)
    assert any(f'href="{page}"' in h and "Development of an education" in h for h in headings)
    assert rendered.html.count(f'href="{page}"') == 2  # the heading and the Information Index row
    # The member's own link is kept beside it.
    assert 'href="https://intranet.example.nhs.test/plans/CH-2026-001"' in rendered.html
    assert f"On the web: {page}" in rendered.text
    # ...and the site built with the same settings has that page.
    build_site(settings, tmp_path / "out", "internal")
    assert (tmp_path / "out" / "items" / "CH-2026-001.html").is_file()


def test_without_a_base_url_items_link_only_to_the_members_link(db_url, tmp_path):
    settings = make_settings(db_url, tmp_path)
    seed(settings)
    rendered = preview_bulletin(settings, 1, "internal")
    assert "/items/" not in rendered.html and "On the web" not in rendered.text
    assert rendered.html.count('href="https://intranet.example.nhs.test/plans/CH-2026-001"') == 2
