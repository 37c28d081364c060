"""Issue 20: `mln site build --audience A` uses A's own base URL ([bulletin] base_url_A), the one
the bulletin links to, so the site's own absolute links (the feed) point where its pages are."""

from __future__ import annotations

import re

import pytest

from pipeline.urls import bulletin_path

from .cycle import mln, settings_of, write_config
from .records import add_submission, at

INTRANET = "https://intranet.example.nhs.test/mln"
PUBLIC = "https://mln.example.org"
GENERAL = "https://general.example.org"
CONFIG = (
    f'[web]\nbase_url = "{GENERAL}"\n[bulletin]\nbase_url_internal = "{INTRANET}/"\nbase_url_external = "{PUBLIC}"\n'
)


@pytest.fixture
def config(db_url, tmp_path, smtp_sink):
    return write_config(tmp_path, db_url, smtp_sink.url(), CONFIG)


def test_each_audience_site_is_built_for_its_own_address(config, tmp_path):
    settings = settings_of(config)
    add_submission(settings.database.url, "Care home education package", at(2026, 11, 3), share=True)
    add_submission(settings.database.url, "Ward leave leaflet", at(2026, 11, 4), share=False)
    assert mln(config, "bulletin", "draft", "--period", "2026-11").exit_code == 0
    approved = mln(config, "bulletin", "approve", "1", "--force", "--reason", "the period is still open in this test")
    assert approved.exit_code == 0, approved.output

    for audience, base, other in (("internal", INTRANET, PUBLIC), ("external", PUBLIC, INTRANET)):
        out = tmp_path / audience
        built = mln(config, "site", "build", "-o", str(out), "--audience", audience)
        assert built.exit_code == 0, built.output
        feed = (out / "feed.atom").read_text(encoding="utf-8")
        hrefs = re.findall(r'href="([^"]+)"', feed)
        assert hrefs and all(h.startswith(base + "/") for h in hrefs), hrefs
        assert GENERAL not in feed and other not in feed
        # Every item link in the bulletin page, as the readers of this edition got it, opens on this site.
        page = (out / bulletin_path(1)).read_text(encoding="utf-8")
        links = set(re.findall(r'href="(https://[^"]+/items/[^"]+)"', page))
        assert links and all(u.startswith(base + "/items/") for u in links)
        for url in links:
            assert (out / url.removeprefix(base + "/")).is_file(), url
