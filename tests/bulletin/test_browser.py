"""The bulletin in a real headless Chromium at desktop-mail and phone widths.

Screenshots go to test-artifacts/bulletin/ for a person to look at.
"""

from __future__ import annotations

import pytest

from pipeline.outbound.bulletin import PREVIEW_VALUES, personalise, render_bulletin

from .hostile import SCRIPT, hostile_content

pytestmark = pytest.mark.browser
WIDTHS = (600, 375)


def open_bulletin(browser_context, tmp_path, html: str, width: int):
    path = tmp_path / f"bulletin-{width}.html"
    path.write_text(personalise(html, PREVIEW_VALUES, html=True), encoding="utf-8")
    page = browser_context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    return page, requests, dialogs


@pytest.mark.parametrize("audience", ["internal", "external"])
@pytest.mark.parametrize("width", WIDTHS)
def test_reads_without_horizontal_scrolling(
    browser_context, tmp_path, artifacts_dir, sample_content, templates_dir, audience, width
):
    rendered = render_bulletin(sample_content, audience, templates_dir)
    page, requests, _ = open_bulletin(browser_context, tmp_path, rendered.html, width)
    try:
        scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll <= client, f"{scroll}px of content in a {client}px window"
        # Every theme is there: a section for each theme with items, the others named in one line.
        sections = page.eval_on_selector_all(
            "td[data-theme]", "els => els.map(e => [e.dataset.theme, e.offsetHeight > 0])"
        )
        with_items = {item.theme for item in sample_content.items_for(audience)}
        assert [theme for theme, _ in sections] == [t for t in sample_content.themes if t in with_items]
        assert all(visible for _, visible in sections)
        empty_line = page.inner_text("td.no-items")
        assert all(theme in empty_line for theme in sample_content.themes if theme not in with_items)
        # No cell's content spills over its neighbour (a fixed-layout table would let it).
        spilled = page.evaluate(
            "Array.from(document.querySelectorAll('table.index th, table.index td'))"
            ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"
        )
        assert spilled == []
        index_rows = page.locator("tr.index-row").count()
        assert index_rows == len(sample_content.items_for(audience))
        # Nothing but the file itself was loaded: no fonts, images or scripts from anywhere.
        assert requests == [page.url]
        page.screenshot(path=str(artifacts_dir / f"bulletin-{audience}-{width}.png"), full_page=True)
    finally:
        page.close()


def test_container_is_600_px_on_a_wide_screen(browser_context, tmp_path, sample_content, templates_dir):
    rendered = render_bulletin(sample_content, "internal", templates_dir)
    page, _, _ = open_bulletin(browser_context, tmp_path, rendered.html, 1024)
    try:
        assert page.evaluate("document.querySelector('table.container').getBoundingClientRect().width") == 600
    finally:
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_hostile_fields_stay_text_in_the_browser(
    browser_context, tmp_path, artifacts_dir, sample_content, templates_dir, width
):
    rendered = render_bulletin(hostile_content(sample_content), "internal", templates_dir)
    page, requests, dialogs = open_bulletin(browser_context, tmp_path, rendered.html, width)
    try:
        assert dialogs == []
        assert page.evaluate("document.querySelectorAll('script, img, svg, iframe').length") == 0
        assert SCRIPT in page.inner_text("h3.item-title")
        assert requests == [page.url]
        scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert scroll <= client
        page.screenshot(path=str(artifacts_dir / f"bulletin-hostile-{width}.png"), full_page=True)
    finally:
        page.close()
