"""The editorial introduction: Markdown in, safe HTML out.

Raw HTML in the Markdown is shown as text, images are not rendered (a bulletin
has no external resources), and links are kept only for http, https and mailto.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markupsafe import Markup

SAFE_SCHEMES = ("http", "https", "mailto")


def safe_link(url: str) -> str:
    """The URL if a reader can safely follow it from an email, else ""."""
    url = (url or "").strip()
    if any(ch in url for ch in "\r\n\t\"'<> "):
        return ""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in SAFE_SCHEMES else ""


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image", "html_block", "html_inline"])
    md.validateLink = lambda url: bool(safe_link(url))  # type: ignore[method-assign]
    return md


_MD = _markdown()


def render_intro(markdown_text: str) -> Markup:
    """HTML for the introduction; every character of the source is escaped or Markdown syntax.

    Headings start at <h2>: the bulletin's title is its one <h1>, so `#` is a section.
    """
    tokens = _MD.parse(markdown_text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
    return Markup(_MD.renderer.render(tokens, _MD.options, {}))
