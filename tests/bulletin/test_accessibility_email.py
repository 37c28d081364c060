"""The bulletin email is readable everywhere: axe-core plus the checks axe does not make for email.

At 600 px (desktop mail) and 375 px (a phone), light and dark: every visible
character at least 14 px (the desktop Index excepted: phones drop it, its
fields are on the item cards), text contrast from the computed colours, status
bars at least 3:1 against their track, `lang`/`dir` on <html> and on the
article wrapper (webmail strips <html>), one <h1>. Screenshots of both
editions go to test-artifacts/bulletin/ for a person to look at.
"""

from __future__ import annotations

import dataclasses

import pytest

from pipeline.outbound.bulletin import PREVIEW_VALUES, personalise, render_bulletin
from pipeline.outbound.bulletin.meetings import Meeting
from tests.site.axe import axe_source, axe_violations, describe

pytestmark = pytest.mark.browser
WIDTHS = (600, 375)
SCHEMES = ("light", "dark")
INTRO = (
    "# In this issue\n\nWelcome, **everyone**.\n\n## Events\n\n- A [learning event](https://mln.example.org/events)\n"
)

# Each element holding visible text: its text, size, weight, colour, the background it sits on.
TEXT_STYLES = """() => {
  const rgba = value => {
    const parts = value.match(/rgba?\\(([^)]+)\\)/)[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const colour = rgba(getComputedStyle(e).backgroundColor);
      if (colour[3] > 0) return colour;
    }
    return [255, 255, 255, 1];
  };
  const found = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    const text = walker.currentNode.textContent.replace(/\\u00a0/g, " ").trim();
    if (!text || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden") continue;
    const entry = found.get(el) || {text: "", size: parseFloat(style.fontSize), bold: parseInt(style.fontWeight) >= 700,
      colour: rgba(style.color), background: background(el), inIndex: !!el.closest("table.index")};
    entry.text += text + " ";
    found.set(el, entry);
  }
  return Array.from(found.values());
}"""
BARS = """() => Array.from(document.querySelectorAll("td.chart-bar")).map(bar => [
  getComputedStyle(bar).backgroundColor, getComputedStyle(bar.closest("td.chart-track")).backgroundColor])"""


def luminance(rgb) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one, two) -> float:
    high, low = sorted((luminance(one), luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rgb(css: str) -> tuple[int, ...]:
    return tuple(int(float(part)) for part in css[css.index("(") + 1 : -1].split(",")[:3])


def email_problems(page, width: int) -> list[str]:
    """What fails the email checks in the open page (empty: all pass)."""
    problems = []
    for el in page.evaluate(TEXT_STYLES):
        text = el["text"][:50]
        if el["size"] < 14 and not (width > 480 and el["inIndex"]):
            problems.append(f"{el['size']}px text: {text!r}")
        large = el["size"] >= 24 or (el["bold"] and el["size"] >= 18.66)
        ratio = contrast(el["colour"], el["background"])
        if ratio < (3 if large else 4.5):
            problems.append(f"contrast {ratio:.2f}:1: {text!r}")
    for bar, track in page.evaluate(BARS):
        if contrast(rgb(bar), rgb(track)) < 3:
            problems.append(f"bar {bar} on {track}: {contrast(rgb(bar), rgb(track)):.2f}:1")
    return problems


def content_with_meetings_and_headings(sample):
    meetings = (
        Meeting(sample.meetings[0].day, "14:00", 120, venue="Leeds Civic Hall", join_url="https://teams.example.org/m"),
        dataclasses.replace(Meeting(sample.meetings[1].day, "14:00", 120), status="cancelled", note="Summer break"),
    )
    return dataclasses.replace(sample, intro_markdown=INTRO, meetings=meetings, base_url="https://mln.example.org")


@pytest.fixture(scope="module")
def axe():
    return axe_source()


def open_email(browser_context, tmp_path, html: str, width: int, scheme: str):
    path = tmp_path / f"bulletin-{width}-{scheme}.html"
    path.write_text(personalise(html, PREVIEW_VALUES, html=True), encoding="utf-8")
    page = browser_context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    page.goto(path.as_uri(), wait_until="load")
    return page


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("audience", ["internal", "external"])
def test_the_email_reads_well_at_each_width_and_scheme(
    browser_context, tmp_path, artifacts_dir, axe, sample_content, templates_dir, audience, width, scheme
):
    content = content_with_meetings_and_headings(sample_content)
    rendered = render_bulletin(content, audience, templates_dir)
    page = open_email(browser_context, tmp_path, rendered.html, width, scheme)
    try:
        page.screenshot(path=str(artifacts_dir / f"email-{audience}-{width}-{scheme}.png"), full_page=True)
        violations = axe_violations(page, axe)
        assert violations == [], describe(violations)
        assert email_problems(page, width) == []
        # The language, direction and name survive a client that strips <html>.
        wrapper = page.evaluate(
            "(() => { const w = document.body.firstElementChild; return [w.tagName, w.getAttribute('role'),"
            " w.lang, w.dir, w.getAttribute('aria-label'), document.documentElement.lang, document.documentElement.dir]"
            " })()"
        )
        assert wrapper == ["DIV", "article", "en-GB", "ltr", rendered.subject, "en-GB", "ltr"]
        assert page.evaluate("document.querySelectorAll('h1').length") == 1
        assert page.eval_on_selector_all("td.intro h2, td.intro h3", "els => els.map(e => e.tagName)") == ["H2", "H3"]
        # Phones drop the Index (its fields are on the cards); wider screens show it.
        index_shown = page.evaluate("document.querySelector('td.index-section').getClientRects().length > 0")
        assert index_shown == (width > 480)
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
    finally:
        page.close()


def test_dark_styles_are_declared_for_clients_that_honour_them(sample_content, templates_dir):
    html = render_bulletin(sample_content, "internal", templates_dir).html
    assert '<meta name="color-scheme" content="light dark">' in html
    assert '<meta name="supported-color-schemes" content="light dark">' in html
    assert "@media (prefers-color-scheme: dark)" in html


def test_the_checks_do_find_small_text_faint_text_and_faint_bars(browser_context, tmp_path):
    # The checks above are not vacuous: the old Index size, a faint line and a dark bar on a dark track fail.
    html = (
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body style="background:#1a2128">'
        '<p style="font-size:11px;color:#fff">small</p><p style="font-size:16px;color:#3a4450">faint</p>'
        '<table><tr><td class="chart-track" style="background:#2c3640"><table><tr>'
        '<td class="chart-bar" style="background:#123e6b">&nbsp;</td></tr></table></td></tr></table></body></html>'
    )
    page = open_email(browser_context, tmp_path, html, 375, "dark")
    try:
        problems = email_problems(page, 375)
    finally:
        page.close()
    assert any(p.startswith("11px text") for p in problems)
    assert any(p.startswith("contrast") and "faint" in p for p in problems)
    assert any(p.startswith("bar rgb(18, 62, 107)") for p in problems)
