"""Zero axe-core violations at WCAG 2.2 AA on the site's pages and on the bulletin email itself."""

from __future__ import annotations

import pytest
from bulletin.conftest import TEMPLATES, load_sample
from playwright.sync_api import expect

from pipeline.outbound.bulletin import PREVIEW_VALUES, personalise, render_bulletin

from .axe import axe_violations, describe

pytestmark = pytest.mark.browser
SITE_PAGES = (
    "index.html",
    "practice/index.html",
    "practice/theme-6.html",
    "items/CH-2026-001.html",
    "items/WF-2026-001.html",
    "bulletins/1.html",
    "bulletins/index.html",
)


@pytest.mark.parametrize("width", [1024, 375])
@pytest.mark.parametrize("path", SITE_PAGES)
def test_site_pages_have_no_violations(browser_context, site_url, axe, path, width):
    page = browser_context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    try:
        page.goto(site_url + path, wait_until="load")
        violations = axe_violations(page, axe)
        assert violations == [], describe(violations)
    finally:
        page.close()


def test_index_page_with_the_finder_in_use_has_no_violations(browser_context, site_url, axe):
    page = browser_context.new_page()
    try:
        page.goto(site_url + "practice/index.html", wait_until="load")
        page.locator("#q").fill("homes")
        page.select_option("#f-status", "implemented")
        expect(page.locator("#results")).to_be_visible()  # the results list, drawn from the search index
        violations = axe_violations(page, axe)
        assert violations == [], describe(violations)
    finally:
        page.close()


@pytest.mark.parametrize("audience", ["internal", "external"])
@pytest.mark.parametrize("width", [600, 375])
def test_bulletin_email_html_has_no_violations(browser_context, tmp_path, axe, audience, width):
    rendered = render_bulletin(load_sample(), audience, TEMPLATES)
    path = tmp_path / "bulletin.html"
    path.write_text(personalise(rendered.html, PREVIEW_VALUES, html=True), encoding="utf-8")
    page = browser_context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    try:
        page.goto(path.as_uri(), wait_until="load")
        violations = axe_violations(page, axe)
        assert violations == [], describe(violations)
    finally:
        page.close()


def test_the_checker_does_find_violations(browser_context, tmp_path, axe):
    # A page with faint text, an unlabelled field and no language: the run above is not vacuous.
    path = tmp_path / "bad.html"
    path.write_text(
        '<!DOCTYPE html><html><head><title>x</title></head><body><p style="color:#bbb">faint</p>'
        '<input type="text"></body></html>',
        encoding="utf-8",
    )
    page = browser_context.new_page()
    try:
        page.goto(path.as_uri(), wait_until="load")
        found = {v["id"] for v in axe_violations(page, axe)}
        assert {"color-contrast", "label", "html-has-lang"} <= found
    finally:
        page.close()
