"""One issue as one audience reads it: its own introduction, its own figures, links to its own site.

The internal and external editions carry different items, so an introduction
written for one ("seven new examples ...") is wrong in the other. Each
audience may have its own introduction (the draft's, else the config's), and
any introduction may say `{{ count.new }}`, `{{ count.updated }}`,
`{{ count.items }}` or `{{ highlights }}`, filled here from that audience's
items. The placeholders are replaced by plain substitution, never by a
template engine: the introduction is text a person typed.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline.config import Settings
from pipeline.outbound.bulletin.content import AUDIENCES, BulletinContent, BulletinItem

HIGHLIGHTS = 3  # items named by {{ highlights }}
_PLACEHOLDER = re.compile(r"\{\{\s*(count\.new|count\.updated|count\.items|highlights)\s*\}\}")
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")
AUDIENCE_NAMES = {
    "internal": "internal edition (members of the network)",
    "external": "external edition (partners and the public)",
}


def for_audience(content: BulletinContent, audience: str) -> BulletinContent:
    """`content` with the introduction `audience` reads, its placeholders filled from its items."""
    intro = content.audience_intros.get(audience, content.intro_markdown)
    return replace(content, intro_markdown=fill_intro(intro, content.items_for(audience)))


def counts(items: tuple[BulletinItem, ...]) -> dict[str, int]:
    updated = sum(1 for item in items if item.is_update)
    return {"items": len(items), "new": len(items) - updated, "updated": updated}


def fill_intro(intro: str, items: tuple[BulletinItem, ...]) -> str:
    figures = counts(items)
    values = {f"count.{name}": str(n) for name, n in figures.items()}
    values["highlights"] = highlights(items)
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], intro or "")


def highlights(items: tuple[BulletinItem, ...]) -> str:
    """A Markdown list naming the first few new items (then updates); titles are escaped, not Markdown."""
    chosen = sorted(items, key=lambda item: item.is_update)[:HIGHLIGHTS]
    lines = []
    for item in chosen:
        where = f" ({_escaped(item.locality)})" if item.locality else ""
        lines.append(f"- {_escaped(item.title)}{where}")
    return "\n".join(lines) if lines else "(no items this time)"


def _escaped(text: str) -> str:
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(text.split()))


def audience_counts(content: BulletinContent) -> dict[str, dict[str, int]]:
    """Each audience's figures: {"internal": {"items": 7, "new": 5, "updated": 2}, "external": ...}."""
    return {audience: counts(content.items_for(audience)) for audience in AUDIENCES}


def intros_for(settings: Settings, intro: str, own: dict[str, str]) -> dict[str, str]:
    """Each audience's introduction: its own (draft --intro-AUDIENCE), else the draft's --intro,
    else [bulletin] intro_AUDIENCE."""
    configured = {"internal": settings.bulletin.intro_internal, "external": settings.bulletin.intro_external}
    return {a: own.get(a) or intro or configured.get(a, "") for a in AUDIENCES}


def site_urls(settings: Settings) -> dict[str, str]:
    """Where each edition's item links point ([bulletin] base_url_AUDIENCE, else [web] base_url)."""
    web = settings.web.base_url
    return {
        "internal": settings.bulletin.base_url_internal or web,
        "external": settings.bulletin.base_url_external or web,
    }
