"""A search index in several shards answers as one file did: the same items for the same words, in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pipeline.site import build_site, search_index
from pipeline.store import db

from .conftest import serve
from .seed import make_settings, seed
from .shards import shard_files
from .test_browser import shown, visible_files

pytestmark = pytest.mark.browser
# (query, the File Nos the one-file index found for it on the seeded corpus)
ANSWERS = [
    ("reminisc", ["CH-2026-001"]),
    ("referral times", ["LG-2026-001"]),
    ("selby", ["CH-2026-002"]),
    ("nosuchword", []),
]


@pytest.fixture(scope="module")
def sharded_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sharded")
    url = f"sqlite:///{tmp}/mln.db"
    db.upgrade(url)
    settings = make_settings(url, tmp)
    seed(settings)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search_index, "SHARD_TARGET", 400)  # a shard or two per item, as at national scale
        build_site(settings, tmp / "internal", "internal")
    assert len(shard_files(tmp / "internal")) > 1
    server, site_url = serve(settings, tmp / "internal")
    yield tmp / "internal", site_url
    server.close()


def search(page, query: str, expected: list[str]) -> list[str]:
    page.locator("#q").fill(query)
    shown(page, str(len(expected)))
    return sorted(visible_files(page))


@pytest.mark.parametrize("over", ["http", "file"])
def test_sharded_search_gives_the_same_answers(browser_context, sharded_site, over):
    folder, site_url = sharded_site
    page = browser_context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        where = site_url + "practice/index.html" if over == "http" else (folder / "practice/index.html").as_uri()
        page.goto(where, wait_until="load")
        assert not [u for u in requests if "/practice/search/" in u]  # no shard before a search begins
        page.wait_for_selector("#finder", state="visible")
        for query, expected in ANSWERS:
            assert search(page, query, expected) == expected, query
        count = len(shard_files(folder))
        expect(page.locator('head script[src*="search/"]')).to_have_count(count)  # asked for, one after another
        page.wait_for_load_state("networkidle")
        fetched = {u.rsplit("/", 1)[-1] for u in requests if "/practice/search/" in u}
        assert fetched == {p.name for p in shard_files(folder)}  # every shard, each once
        assert len([u for u in requests if "/practice/search/" in u]) == len(fetched)
    finally:
        page.close()
