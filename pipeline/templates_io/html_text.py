"""Text of an HTML body laid out for form reading: one line per block, table cells split by tabs.

HTML collapses whitespace, and mail clients (Outlook above all) wrap their HTML
source in the middle of words' runs; a plain tag-stripper keeps those breaks and
splits "Key theme" over two lines. Here runs of whitespace become one space,
as a browser shows them, except inside <pre>.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {
    "p",
    "div",
    "br",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "blockquote",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "section",
    "article",
    "header",
    "footer",
    "hr",
}
_SKIP = {"script", "style", "head", "title", "template"}


class _Lines(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.pre = 0
        self.cell_open = False

    def handle_starttag(self, tag: str, attrs) -> None:  # type: ignore[no-untyped-def]
        if tag in _SKIP:
            self.skip += 1
        elif tag == "pre":
            self.pre += 1
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t" if self.cell_open else "")
            self.cell_open = True
        elif tag in _BLOCKS:
            if tag == "tr":
                self.cell_open = False
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self.skip:
            self.skip -= 1
        elif tag == "pre" and self.pre:
            self.pre -= 1
            self.parts.append("\n")
        elif tag in _BLOCKS and tag not in ("br", "hr"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.parts.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_form_text(html: str) -> str:
    parser = _Lines()
    parser.feed(html or "")
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = [re.sub(r"[ ]*\t[ ]*", "\t", line).strip(" ") for line in text.split("\n")]
    # A cell holding paragraphs comes out as a label line, then a value line: feed_lines reads that shape.
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
