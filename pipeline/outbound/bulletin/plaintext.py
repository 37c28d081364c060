"""Markdown as a plain-text reader expects it: no `**`, no `#`, links as "text (url)".

The introduction is written in Markdown for the HTML part; in the text part
the raw source read badly (`**November–December 2026**`, `[Leeds Civic
Hall](https://...)`). This walks the same parse the HTML uses, so both parts
say the same thing: headings are underlined, lists keep a marker, quotes a
"> ", and every paragraph is wrapped to the text part's width.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from pipeline.outbound.bulletin.intro import safe_link

WIDTH = 72


def _markdown() -> MarkdownIt:
    # As the HTML part's parser (intro.py): raw HTML stays text, no images, safe links only.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image", "html_block", "html_inline"])
    md.validateLink = lambda url: bool(safe_link(url))  # type: ignore[method-assign]
    return md


_MD = _markdown()


def markdown_text(source: str, width: int = WIDTH) -> str:
    """`source` (Markdown) as wrapped plain text."""
    tokens = _MD.parse(source or "")
    out: list[str] = []
    lists: list[list[int]] = []  # per open list: [ordered (0/1), next number]
    quote = 0
    marker = ""  # the list marker still to print, before an item's first line
    in_list = False  # the last block was a list item's: a tight list's next item follows on the next line
    for n, token in enumerate(tokens):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            in_list = in_list and bool(lists)
            lists.append([int(kind == "ordered_list_open"), int(token.attrs.get("start", 1) or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            in_list = in_list and bool(lists)
        elif kind == "list_item_open":
            ordered, number = lists[-1]
            marker = f"{number}. " if ordered else "* "
            lists[-1][1] += 1
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "hr":
            _add(out, "-" * 20, tight=False)
        elif kind in ("fence", "code_block"):
            lead = "> " * quote + "    "
            _add(out, "\n".join(lead + line for line in token.content.rstrip("\n").split("\n")), tight=False)
        elif kind == "inline":
            opener = tokens[n - 1]
            text = _inline(token.children or [])
            if opener.type == "heading_open":
                _add(out, _heading(text, opener.tag), tight=False)
                continue
            indent = "> " * quote + "  " * max(len(lists) - 1, 0)
            first, rest = indent + marker, indent + " " * len(marker)
            # A tight list's items (hidden paragraphs) stay on consecutive lines.
            _add(out, _wrap(text, width, first, rest), tight=bool(opener.hidden) and in_list)
            marker, in_list = "", bool(lists)
    return "\n".join(out).strip("\n")


def _add(out: list[str], block: str, tight: bool) -> None:
    if out and not tight:
        out.append("")
    out.append(block)


def _heading(text: str, tag: str) -> str:
    line = " ".join(text.split())
    return f"{line}\n{('=' if tag == 'h1' else '-') * len(line)}"


def _inline(children: Sequence[Token]) -> str:
    parts: list[str] = []
    links: list[tuple[str, int]] = []  # open links: (href, where their text starts)
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind == "softbreak":
            parts.append(" ")
        elif kind == "hardbreak":
            parts.append("\n")
        elif kind == "link_open":
            links.append((str(child.attrs.get("href", "")), len(parts)))
        elif kind == "link_close" and links:
            href, start = links.pop()
            shown = "".join(parts[start:]).strip()
            target = href.removeprefix("mailto:")
            if href and shown != target and shown != href:
                parts.append(f" ({target})")
    return "".join(parts)


def _wrap(text: str, width: int, first: str, rest: str) -> str:
    lines = []
    for n, line in enumerate(text.split("\n")):
        lines.append(
            textwrap.fill(
                " ".join(line.split()),
                width,
                initial_indent=first if n == 0 else rest,
                subsequent_indent=rest,
                break_on_hyphens=False,
                break_long_words=False,
            )
        )
    return "\n".join(lines)
