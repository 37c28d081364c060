"""The rendered bulletin, checked from the sample issue (tests/bulletin/samples/issue_12.json)."""

from __future__ import annotations

import dataclasses
import re

import lxml.html
import pytest

from pipeline.outbound.bulletin import (
    GMAIL_CLIP_BYTES,
    PLACEHOLDERS,
    inline_css_calls,
    personalise,
    render_all,
    render_bulletin,
)

PRIVATE_FILE_NOS = ("LG-2026-011", "IP-2026-004", "PC-2026-006")  # share_externally = no in the sample
PRIVATE_EMAILS = ("j.pallister@example.nhs.test", "c.ashworth@example.nhs.test", "s.okafor@example.nhs.test")


@pytest.fixture
def rendered(sample_content, templates_dir):
    return render_all(sample_content, templates_dir)


def doc(html: str):
    return lxml.html.document_fromstring(html)


def test_both_audiences_carry_the_same_issue_number_and_subject(rendered):
    subjects = {r.subject for r in rendered.values()}
    assert subjects == {"MLN Bulletin No. 12: November–December 2026"}
    for r in rendered.values():
        assert "No. 12" in doc(r.html).xpath("string(//td[contains(@class,'masthead')])")
        assert "MLN Bulletin No. 12 - November–December 2026" in r.text


def test_internal_shows_every_item_and_every_lead_email(rendered, sample_content):
    internal = rendered["internal"]
    for item in sample_content.items:
        assert item.file_no in internal.html and item.file_no in internal.text
        assert f"mailto:{item.lead_email}" in internal.html
        assert f"<{item.lead_email}>" in internal.text


def test_external_shows_only_items_members_agreed_to_share(rendered, sample_content):
    external = rendered["external"]
    for file_no, email in zip(PRIVATE_FILE_NOS, PRIVATE_EMAILS):
        assert file_no not in external.html and file_no not in external.text
        assert email not in external.html and email not in external.text
    shared = [i for i in sample_content.items if i.share_externally]
    assert len(shared) == 6
    for item in shared:
        assert item.file_no in external.html and f"mailto:{item.lead_email}" in external.html


def test_external_hides_an_unshared_items_email_even_if_it_were_listed(sample_content, templates_dir):
    # Defence in depth: the view decides per item, not only by filtering the list.
    from pipeline.outbound.bulletin.view import build_view

    view = build_view(sample_content, "external")
    assert all(iv.show_email == iv.item.share_externally for iv in view.items)
    internal = build_view(sample_content, "internal")
    assert all(iv.show_email for iv in internal.items)


def test_theme_sections_follow_the_configured_order(rendered, sample_content):
    tree = doc(rendered["internal"].html)
    themes = tree.xpath("//td[@data-theme]/@data-theme")
    empty = ["Culturally Appropriate Services", "Specialist CMHT / Intermediate Care", "Health Promotion"]
    assert themes == [t for t in sample_content.themes if t not in empty]
    assert tree.xpath("//h2/text()")[1:3] == ["1. Liaison / General Hospital", "2. Commissioning"]
    note = tree.xpath("string(//td[contains(@class,'no-items')])")
    assert "No new items this period: " + "; ".join(empty) + "." in " ".join(note.split())
    assert "No new items this period: Culturally Appropriate Services; Specialist" in rendered["internal"].text


def test_a_theme_outside_the_configuration_is_not_lost(sample_content, templates_dir):
    content = dataclasses.replace(sample_content, themes=sample_content.themes[:2])
    html = render_bulletin(content, "internal", templates_dir).html
    assert doc(html).xpath("//td[@data-theme]/@data-theme")[-1] == "Other themes"
    assert "<h2" in html and "Other themes</h2>" in html
    assert "WF-2026-007" in html


def test_figures_and_chart_count_items_by_theme_and_status(rendered):
    tree = doc(rendered["internal"].html)
    numbers = [n.text_content() for n in tree.xpath("//span[contains(@class,'figure-number')]")]
    assert numbers == ["7", "2"]
    charts = tree.xpath("//table[contains(@class,'chart')]")
    assert len(charts) == 2
    theme_rows = {r.xpath("string(td[1])"): int(r.xpath("string(td[3])")) for r in charts[0].xpath("tr")}
    assert theme_rows["Liaison / General Hospital"] == 2 and theme_rows["Health Promotion"] == 0
    status_rows = {r.xpath("string(td[1])"): int(r.xpath("string(td[3])")) for r in charts[1].xpath("tr")}
    assert status_rows == {"Planned": 3, "Being implemented": 4, "Implemented": 2}
    # The bars are table cells with inline colours, no images.
    bars = charts[1].xpath(".//td[contains(@class,'chart-bar')]")
    assert len(bars) == 3 and all("background-color" in b.get("style") for b in bars)
    assert "4 new items and 2 updates" in rendered["external"].text


def test_status_chips_have_a_colour_and_a_text_label(rendered):
    chips = doc(rendered["internal"].html).xpath("//p[contains(@class,'item-status')]/span")
    assert len(chips) == 9
    for chip in chips:
        assert chip.text_content() in ("Planned", "Being implemented", "Implemented")
        assert re.search(r"background-color:\s*#[0-9a-f]{6}", chip.get("style"))


def test_information_index_has_the_seven_columns_and_a_row_per_item(rendered):
    index = doc(rendered["internal"].html).xpath("//table[contains(@class,'index')]")[0]
    headers = [th.text_content() for th in index.xpath(".//th")]
    assert headers == [
        "File No",
        "Practice example / improvement / learning",
        "Location",
        "Lead contact",
        "Commenced / updated",
        "Completion / evaluation",
        "Status",
    ]
    rows = index.xpath(".//tr[contains(@class,'index-row')]")
    assert len(rows) == 9
    first = [td.text_content().strip() for td in rows[0].xpath("td")]
    assert first[0] == "LG-2026-011" and first[2] == "Sunderland, North East" and first[6] == "Being implemented"
    assert index.xpath(".//a[@href='https://mln.example.org/index/LG-2026-003']")


def test_a_planned_start_reads_as_planned(rendered):
    assert "<strong>To commence:</strong> January 2027" in rendered["internal"].html
    assert "  To commence: January 2027" in rendered["internal"].text
    assert "Planned | to commence January 2027" in rendered["internal"].text


def test_completion_notes_as_members_wrote_them(rendered):
    html, text = rendered["internal"].html, rendered["internal"].text
    assert "<strong>Completion / evaluation:</strong> September 2026 (evaluation planned)" in html
    assert "<strong>Completion / evaluation:</strong> up and running" in html
    assert "  Completion / evaluation: up and running" in text
    assert "| by September 2026 | evaluation planned" in text


def test_meetings_and_footer(rendered):
    html, text = rendered["internal"].html, rendered["internal"].text
    for day in ("Monday 30 November 2026", "Thursday 31 December 2026", "Friday 29 January 2027"):
        assert day in html and f"* {day}" in text
    footer = doc(html).xpath("string(//td[contains(@class,'footer')])")
    assert "mln@example.org" in footer and "send template" in footer and "subscribe" in footer
    assert "unsubscribe" in footer and "Everybody's Business" in footer


def test_email_grade_html(rendered):
    for r in rendered.values():
        tree = doc(r.html)
        assert not tree.xpath("//script|//img|//link|//iframe|//object|//form")
        assert not re.search(r"(src|background)=|url\(|@import", r.html)
        # One width-constrained container, table layout, every element styled inline.
        container = tree.xpath("//table[contains(@class,'container')]")[0]
        assert container.get("width") == "600" and "max-width:600px" in container.get("style").replace(" ", "")
        assert all(el.get("style") for el in tree.xpath("//*[@class]") if el.tag not in ("tr", "thead", "div"))
        # Only the phone media query is left in a <style> block.
        styles = tree.xpath("//style")
        assert len(styles) == 1 and "@media" in styles[0].text
        assert r.warnings == () and r.html_bytes < GMAIL_CLIP_BYTES


def test_css_is_inlined_once_per_audience(sample_content, templates_dir):
    before = inline_css_calls()
    render_bulletin(sample_content, "external", templates_dir)
    assert inline_css_calls() - before == 1
    rendered = render_all(sample_content, templates_dir)
    # The sender personalises every copy by substitution: no further inlining.
    for n in range(200):
        personalise(rendered["internal"].html, {"recipient": f"r{n}@example.org"}, html=True)
    assert inline_css_calls() - before == 3


def test_intro_markdown_is_rendered(rendered):
    intro = doc(rendered["internal"].html).xpath("//td[contains(@class,'intro')]")[0]
    assert intro.xpath(".//strong[text()='nine']")
    assert len(intro.xpath(".//li")) == 2
    assert intro.xpath(".//a/@href") == ["https://mln.example.org/events"]


def test_text_part_is_written_for_reading(rendered):
    text = rendered["internal"].text
    assert not re.search(r"</?(p|td|table|span|a|br)[\s/>]", text)
    for heading in (
        "At a glance\n-----------",
        "1. LIAISON / GENERAL HOSPITAL\n---",
        "Information Index\n---",
        "Upcoming network meetings\n---",
        "How to take part\n---",
    ):
        assert heading in text
    assert "* Delirium screening on admission to acute medical wards (NEW)" in text
    assert "  Link: https://mln.example.org/index/LG-2026-003" in text
    assert max(len(line) for line in text.splitlines() if "http" not in line and "  " != line[:2]) <= 90
    assert "\n\n\n" not in text


def test_thirty_items_stay_under_gmails_limit(sample_content, templates_dir):
    # A busy two months for a three-region network; each item costs about 2.4 KB.
    items = tuple(dataclasses.replace(sample_content.items[i % 9], file_no=f"X-2026-{i:03d}") for i in range(30))
    result = render_bulletin(dataclasses.replace(sample_content, items=items), "internal", templates_dir)
    assert result.warnings == () and result.html_bytes < GMAIL_CLIP_BYTES


def test_html_over_gmails_limit_warns(sample_content, templates_dir):
    long_item = dataclasses.replace(sample_content.items[0], summary="Lorem ipsum dolor sit amet. " * 4000)
    content = dataclasses.replace(sample_content, items=sample_content.items + (long_item,))
    result = render_bulletin(content, "internal", templates_dir)
    assert result.html_bytes > GMAIL_CLIP_BYTES
    assert len(result.warnings) == 1 and "Gmail will clip it" in result.warnings[0]


def test_placeholders_are_filled_per_recipient(rendered):
    html = rendered["internal"].html
    assert PLACEHOLDERS["recipient"] in html and PLACEHOLDERS["unsubscribe_address"] in html
    values = {"recipient": "a&b@example.org", "unsubscribe_address": "bulletin+unsubscribe-XYZ@example.org"}
    personal = personalise(html, values, html=True)
    assert (
        "a&amp;b@example.org" in personal
        and "mailto:bulletin+unsubscribe-XYZ@example.org?subject=unsubscribe" in personal
    )
    assert "__MLN_" not in personal
    assert "sent to a&b@example.org" in personalise(rendered["internal"].text, values, html=False)
    with pytest.raises(KeyError):
        personalise(html, {"nope": "x"}, html=True)


def test_one_click_unsubscribe_link_only_with_a_web_base_url(sample_content, templates_dir):
    without = render_bulletin(sample_content, "external", templates_dir)
    assert PLACEHOLDERS["unsubscribe_url"] not in without.html
    with_web = render_bulletin(
        dataclasses.replace(sample_content, base_url="https://bulletin.example.org"), "external", templates_dir
    )
    assert f'href="{PLACEHOLDERS["unsubscribe_url"]}"' in with_web.html
    assert PLACEHOLDERS["unsubscribe_url"] in with_web.text


def test_unknown_audience_is_refused(sample_content, templates_dir):
    from pipeline.errors import InvalidInput

    with pytest.raises(InvalidInput, match="internal, external"):
        render_bulletin(sample_content, "everyone", templates_dir)
