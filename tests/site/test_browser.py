"""The site in a real headless Chromium, served by `mln web`'s server: search, filters, history, phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
PAGES = (
    "index.html",
    "practice/index.html",
    "practice/theme-6.html",
    "items/CH-2026-001.html",
    "bulletins/1.html",
    "bulletins/index.html",
)


@pytest.fixture
def open_page(browser_context, site_url):
    opened = []

    def go(path: str, width: int = 1024):
        page = browser_context.new_page()
        page.set_viewport_size({"width": width, "height": 900})
        page.requests = []
        page.on("request", lambda request: page.requests.append(request.url))
        page.goto(site_url + path, wait_until="load")
        opened.append(page)
        return page

    yield go
    for page in opened:
        page.close()


def shown(page, count: str) -> None:
    """Wait until the count reads "<count> of N items shown.": every shard of the index searched.

    A locator assertion, not wait_for_function: polling a string there is eval, which the site's CSP forbids.
    """
    expect(page.locator("#result-count")).to_have_text(re.compile(rf"^{count} of \d+ items? shown\.$"))


def visible_files(page) -> list[str]:
    return page.eval_on_selector_all(
        "tr.row", "rows => rows.filter(r => r.offsetParent !== null).map(r => r.dataset.file)"
    )


def test_search_finds_an_item_by_a_word_from_its_outcomes(open_page):
    page = open_page("practice/index.html")
    page.wait_for_selector("#finder", state="visible")
    page.locator("#q").press_sequentially("reminisc")  # as the reader types, before the word is finished
    shown(page, "1")
    assert visible_files(page) == ["CH-2026-001"]
    page.locator("#q").fill("referral times")  # two words from another item's outcomes
    shown(page, "1")
    assert visible_files(page) == ["LG-2026-001"]
    page.locator("#q").fill("selby")  # locality
    shown(page, "1")
    assert visible_files(page) == ["CH-2026-002"]
    page.locator("#q").fill("which newsletter is ours")  # words too common to search for are left out
    shown(page, "1")
    assert visible_files(page) == ["CH-2026-002"]
    page.locator("#q").fill("nosuchword")
    shown(page, "0")
    assert visible_files(page) == [] and page.locator("section.theme:visible").count() == 0


def test_filters_by_theme_region_and_status_and_sorts(open_page):
    page = open_page("practice/index.html")
    page.wait_for_selector("#finder", state="visible")
    assert page.locator("#results").is_hidden()  # nothing asked yet: the page lists the themes
    page.select_option("#f-region", "North East")
    shown(page, "1")
    assert visible_files(page) == ["LG-2026-001"]
    page.select_option("#f-region", "")
    page.select_option("#f-status", "planned")
    shown(page, "2")
    assert sorted(visible_files(page)) == ["IP-2026-001", "WF-2026-001"]
    page.select_option("#f-status", "")
    page.select_option("#f-theme", "theme-6")
    shown(page, "2")
    assert sorted(visible_files(page)) == ["CH-2026-001", "CH-2026-002"]
    page.select_option("#f-region", "Yorkshire & Humber")
    page.select_option("#f-status", "implemented")
    assert sorted(visible_files(page)) == ["CH-2026-001", "CH-2026-002"]
    assert page.inner_text("#result-count") == "2 of 5 items shown."
    # Sorting: CH-2026-001 was updated (November 2026), CH-2026-002 only commenced (June).
    page.select_option("#sort", "date-asc")
    assert visible_files(page) == ["CH-2026-002", "CH-2026-001"]
    page.select_option("#sort", "date-desc")
    assert visible_files(page) == ["CH-2026-001", "CH-2026-002"]
    row = page.locator('tr.row[data-file="CH-2026-001"]')
    assert "Care Homes / Housing / Home Care / Day Services" in row.inner_text()  # the theme by name
    assert row.locator(".chip").inner_text() == "Implemented"
    row.locator("a").click()
    assert page.url.endswith("/items/CH-2026-001.html")


def test_choices_are_kept_in_the_address(open_page, site_url):
    page = open_page("practice/index.html?q=reminiscence&status=implemented")
    page.wait_for_selector("#finder", state="visible")
    assert page.input_value("#q") == "reminiscence" and page.input_value("#f-status") == "implemented"
    shown(page, "1")
    assert visible_files(page) == ["CH-2026-001"]
    page.select_option("#f-region", "Yorkshire & Humber")
    assert page.url == site_url + "practice/index.html?q=reminiscence&region=Yorkshire+%26+Humber&status=implemented"


def test_item_page_shows_its_revision_history(open_page):
    page = open_page("items/CH-2026-001.html")
    rows = page.locator("table.history tbody tr")
    assert rows.count() == 2
    assert "14 November 2026" in rows.nth(0).inner_text() and "Implemented" in rows.nth(0).inner_text()
    assert "(first plan)" in rows.nth(1).inner_text() and "Being implemented" in rows.nth(1).inner_text()
    chip = page.locator("p.status .chip")
    assert chip.inner_text() == "Implemented"  # the label, not only the colour
    assert chip.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(211, 240, 218)"


@pytest.mark.parametrize("path", PAGES)
def test_pages_fit_a_375_px_phone(open_page, site_url, artifacts_dir, path):
    page = open_page(path, width=375)
    scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client, f"{path}: {scroll}px of content in a {client}px window"
    assert all(url.startswith(site_url) for url in page.requests), page.requests  # nothing from another site
    name = path.replace("/", "-").replace(".html", "")
    page.screenshot(path=str(artifacts_dir / f"site-{name}-375.png"), full_page=True)


def test_hostile_text_stays_text(open_page):
    dialogs = []
    page = open_page("items/WF-2026-001.html")
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    assert "<script>" in page.inner_text("h1")
    assert page.evaluate("document.querySelectorAll('main script, main img').length") == 0
    index = open_page("practice/index.html")
    index.locator("#q").fill("hostile")
    assert dialogs == []


def test_without_scripting_the_full_list_is_there(browser_context, site_url):
    page = browser_context.new_page()
    # Scripting off for this page only (the shared browser keeps it on for the other tests).
    browser_context.new_cdp_session(page).send("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        page.goto(site_url + "practice/index.html", wait_until="load")
        assert not page.locator("#finder").is_visible()
        page.click("#theme-6 a")  # each theme's page lists its items
        assert page.url.endswith("/practice/theme-6.html")
        assert page.locator("tr.row:visible").count() == 2
        page.click("text=Development of an education package")
        assert page.url.endswith("/items/CH-2026-001.html")
    finally:
        page.close()


def test_search_works_from_a_file_share(browser_context, built_site):
    _, folder = built_site
    page = browser_context.new_page()
    try:
        page.goto((folder / "internal" / "practice" / "index.html").as_uri(), wait_until="load")
        page.locator("#q").fill("reminiscence")
        # A word only the search index has (outcomes): its shard loads as a script once the search begins.
        shown(page, "1")
        assert visible_files(page) == ["CH-2026-001"]
    finally:
        page.close()
