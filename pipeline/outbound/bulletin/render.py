"""Render one audience's bulletin: Jinja2 templates (autoescaped), CSS inlined once.

`render_bulletin(content, audience, templates_dir)` is the whole interface. The
HTML and text parts are built from the same view (view.py), so they agree.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from pipeline.errors import BulletinTemplateError
from pipeline.outbound.bulletin.audience import for_audience
from pipeline.outbound.bulletin.content import BulletinContent, check_audience
from pipeline.outbound.bulletin.intro import render_intro, safe_link
from pipeline.outbound.bulletin.meetings import Meeting
from pipeline.outbound.bulletin.personalise import PLACEHOLDERS
from pipeline.outbound.bulletin.plaintext import markdown_text
from pipeline.outbound.bulletin.view import build_view
from pipeline.urls import absolute, meeting_path

HTML_TEMPLATE = "bulletin.html.j2"
TEXT_TEMPLATE = "bulletin.txt.j2"
STYLESHEET = "bulletin.css"
# Gmail hides everything after about 102 KB of HTML behind "[Message clipped]".
GMAIL_CLIP_BYTES = 102 * 1024


@dataclass(frozen=True)
class RenderedBulletin:
    audience: str
    subject: str
    html: str
    text: str
    warnings: tuple[str, ...] = ()

    @property
    def html_bytes(self) -> int:
        return len(self.html.encode("utf-8"))


def render_bulletin(content: BulletinContent, audience: str, templates_dir: str | Path) -> RenderedBulletin:
    """The HTML (CSS inlined) and plain-text parts of one audience's bulletin."""
    check_audience(audience)
    content = for_audience(content, audience)  # its own introduction, placeholders filled
    env = _environment(str(templates_dir))
    view = build_view(content, audience)
    context = {"view": view, "c": content, "intro_html": render_intro(content.intro_markdown), "ph": PLACEHOLDERS}
    try:
        raw_html = env.get_template(HTML_TEMPLATE).render(context)
        text = env.get_template(TEXT_TEMPLATE).render(context)
        css = Path(templates_dir, STYLESHEET).read_text(encoding="utf-8")
    except (jinja2.TemplateError, OSError) as exc:
        raise BulletinTemplateError(f"bulletin templates in {templates_dir}: {exc}") from exc
    from pipeline.outbound.bulletin.inline import (
        inline_css,  # here: premailer costs every `mln` command 0.2 s to import
    )

    html = _compact(inline_css(raw_html, css))
    return RenderedBulletin(audience, content.subject, html, _tidy_text(text), _warnings(html))


def render_all(content: BulletinContent, templates_dir: str | Path) -> dict[str, RenderedBulletin]:
    """Both audiences, each rendered (and inlined) exactly once."""
    return {audience: render_bulletin(content, audience, templates_dir) for audience in ("internal", "external")}


def _warnings(html: str) -> tuple[str, ...]:
    size = len(html.encode("utf-8"))
    if size > GMAIL_CLIP_BYTES:
        return (
            f"the HTML is {size // 1024} KB, over Gmail's 102 KB limit: Gmail will clip it; shorten summaries or the introduction",
        )
    return ()


def _compact(html: str) -> str:
    # Template indentation is repeated for every item; it costs bytes towards Gmail's
    # limit and renders as nothing (there is no <pre> in the bulletin).
    return re.sub(r"\n[ \t]+", "\n", html)


def _tidy_text(text: str) -> str:
    # Templates leave runs of blank lines where optional parts are absent.
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"


@lru_cache(maxsize=8)
def _environment(templates_dir: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        # HTML templates escape every value; the text template is plain text.
        autoescape=lambda name: name is not None and name.endswith((".html.j2", ".html")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        paragraphs=paragraphs,
        wrap=wrap,
        wrap_markdown=wrap_markdown,
        longdate=longdate,
        underline=underline,
        safe_link=safe_link,
        calendar_url=calendar_url,
        markdown_text=markdown_text,
    )
    return env


def paragraphs(text: str) -> Markup:
    """Plain text as HTML paragraphs: blank lines split paragraphs, single newlines become <br>."""
    blocks = [b.strip() for b in (text or "").replace("\r\n", "\n").split("\n\n") if b.strip()]
    return Markup("").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line) for line in b.split("\n"))) for b in blocks
    )


def wrap(text: str, width: int = 72, indent: str = "", first: str | None = None) -> str:
    """Wrap plain text for the text part, keeping the member's paragraph breaks."""
    out = []
    for n, block in enumerate(b for b in (text or "").replace("\r\n", "\n").split("\n\n") if b.strip()):
        lead = first if (first is not None and n == 0) else indent
        out.append(
            textwrap.fill(
                " ".join(block.split()),
                width,
                initial_indent=lead,
                subsequent_indent=indent,
                break_on_hyphens=False,
                break_long_words=False,
            )
        )
    return "\n\n".join(out)


def wrap_markdown(text: str, width: int = 72) -> str:
    """Markdown source is readable as text; wrap its plain paragraphs, leave lists, quotes and headings."""
    blocks = [b for b in (text or "").replace("\r\n", "\n").split("\n\n") if b.strip()]
    return "\n\n".join(b.strip() if _is_structured(b) else wrap(b, width) for b in blocks)


def _is_structured(block: str) -> bool:
    return any(re.match(r"\s*([-*+>#|]|\d+[.)])\s", line) or line.startswith("    ") for line in block.split("\n"))


def longdate(day: dt.date | Meeting) -> str:
    """ "Monday 30 November 2026"; for a meeting, its whole line (the text part lists meetings so)."""
    if isinstance(day, Meeting):
        return meeting_line(day)
    return f"{day:%A} {day.day} {day:%B %Y}"


def calendar_url(meeting: Meeting, base_url: str) -> str:
    """The meeting's calendar file on the site (`mln site build` writes it), or "" without a site."""
    return safe_link(absolute(base_url, meeting_path(meeting.calendar_key))) if base_url else ""


def meeting_line(meeting: Meeting) -> str:
    """ "Friday 28 May 2027, 14:00–16:00, Leeds Civic Hall (moved from Friday 30 April 2027)"."""
    line = ", ".join(part for part in (longdate(meeting.day), meeting.time_text, meeting.venue) if part)
    if meeting.status == "extra":
        line = f"{meeting.title}: {line}"
    if meeting.status == "moved" and meeting.regular_day:
        line += f" (moved from {longdate(meeting.regular_day)})"
    if meeting.cancelled:
        line += " - CANCELLED" + (f": {meeting.note}" if meeting.note else "")
    elif meeting.join_url:
        line += f"; join online: {meeting.join_url}"
    return line


def underline(text: str, char: str = "-") -> str:
    return f"{text}\n{char * len(text)}"
