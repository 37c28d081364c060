"""Every field is text: markup in submissions or the introduction never becomes HTML."""

from __future__ import annotations

import lxml.html
import pytest

from pipeline.outbound.bulletin import render_bulletin

from .hostile import IMG, JS_LINK, SCRIPT, hostile_content


@pytest.fixture(params=["internal", "external"])
def hostile(request, sample_content, templates_dir):
    return render_bulletin(hostile_content(sample_content), request.param, templates_dir)


def test_no_active_content_survives_in_the_html(hostile):
    tree = lxml.html.document_fromstring(hostile.html)
    assert not tree.xpath("//script|//img|//svg|//iframe|//b|//object|//embed")
    assert [s for s in tree.xpath("//style") if "@media" not in s.text] == []
    for element in tree.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            assert "javascript:" not in value.lower() and "data:" not in value.lower(), (element.tag, name, value)
    hrefs = tree.xpath("//a/@href")
    assert all(h.startswith(("https://", "mailto:", "__MLN_")) for h in hrefs), hrefs


def test_hostile_fields_read_as_text_in_the_html(hostile):
    tree = lxml.html.document_fromstring(hostile.html)
    body = tree.text_content()
    assert SCRIPT in body
    assert IMG in body
    assert JS_LINK in body  # shown, not linked
    assert "&lt;script&gt;" in hostile.html
    intro = tree.xpath("//td[contains(@class,'intro')]")[0]
    assert "<script>alert('intro')</script>" in intro.text_content()
    # Unsafe links lose their href; an image is never loaded (at most it becomes a plain link).
    assert intro.xpath(".//a/@href") == ["https://tracker.example.org/pixel.png", "https://mln.example.org/ok"]
    assert "[click me](javascript:alert(4))" in intro.text_content()


def test_hostile_fields_read_as_text_in_the_text_part(hostile):
    assert SCRIPT in hostile.text
    assert IMG in hostile.text
    assert f"Link: {JS_LINK}" in hostile.text
    assert "<script>alert('intro')</script>" in hostile.text
