"""Render the site's pages from the records in data.py: Jinja2, autoescaped.

Each function returns the page as text; nothing here touches the disk or the
database. Pages carry no build time or other changing value, so an unchanged
item renders to the same bytes and an incremental build can skip it.

The Information Index is a page per key theme (practice/theme-N.html; a theme of
more than PART_SIZE items goes on over theme-N-2.html, theme-N-3.html ..., in File No
order) and a small page at its old address (practice/index.html) that links them,
holds the search and keeps each theme's old anchor. A new item, whose File No is
usually its theme's last, rewrites only the last page of its theme.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2

from pipeline import urls
from pipeline.outbound.bulletin.content import STATUSES
from pipeline.outbound.bulletin.personalise import personalise
from pipeline.outbound.bulletin.render import longdate, paragraphs
from pipeline.outbound.bulletin.view import STATUS_SLUGS
from pipeline.site.data import ItemStamp, SiteBulletin, SiteItem

OTHER_THEME = "Other themes"
PART_SIZE = 1000  # items on one page of a theme: a page of about 700 KB


@dataclass(frozen=True)
class SiteInfo:
    network_name: str
    short_name: str
    organisation_line: str
    shared_address: str
    audience: str
    base_url: str
    themes: tuple[str, ...]
    templates_dir: str  # settings.templates_path; the site's templates are in its site/ folder


@dataclass(frozen=True)
class Section:
    number: int  # the theme's number in the configured order; 0 for "Other themes"
    theme: str
    anchor: str  # the theme's id on the index page, and its page's name
    items: tuple[ItemStamp, ...]

    @property
    def path(self) -> str:
        return theme_path(self.anchor)

    @property
    def parts(self) -> list[tuple[ItemStamp, ...]]:
        """The theme's items a page at a time (none for a theme without items)."""
        return [self.items[start : start + PART_SIZE] for start in range(0, len(self.items), PART_SIZE)]

    def part_path(self, number: int) -> str:
        """Where page `number` (from 1) of the theme lives."""
        return theme_path(self.anchor, number)


def theme_path(anchor: str, part: int = 1) -> str:
    return f"practice/{anchor}.html" if part == 1 else f"practice/{anchor}-{part}.html"


def theme_number(number: int, themes: tuple[str, ...]) -> int:
    """The configured theme an item is listed under: 0 ("Other themes") for a number not configured."""
    return number if 1 <= number <= len(themes) else 0


def anchor(number: int) -> str:
    return f"theme-{number}" if number else "theme-other"


def sections(items: list[ItemStamp], themes: tuple[str, ...]) -> list[Section]:
    """Items under their configured theme, in theme order; unknown themes last."""
    grouped: dict[int, list[ItemStamp]] = {n: [] for n in range(len(themes) + 1)}
    for item in items:
        grouped[theme_number(item.theme_number, themes)].append(item)
    found = [Section(n, theme, anchor(n), tuple(grouped[n])) for n, theme in enumerate(themes, start=1)]
    if grouped[0]:
        found.append(Section(0, OTHER_THEME, anchor(0), tuple(grouped[0])))
    return found


def render_home(site: SiteInfo, groups: list[Section], latest: SiteBulletin | None) -> str:
    href = urls.bulletin_path(latest.number) if latest else ""
    return _render(
        "home.html.j2",
        urls.HOME,
        site,
        current="home",
        sections=groups,
        latest=latest,
        latest_href=href,
        total=sum(len(s.items) for s in groups),
    )


def render_index(site: SiteInfo, groups: list[Section]) -> str:
    """The Information Index's own page: its themes, each linked to its page, and the search."""
    regions = sorted({item.region for s in groups for item in s.items if item.region})
    return _render(
        "index.html.j2",
        urls.INDEX,
        site,
        current="index",
        sections=groups,
        regions=regions,
        total=sum(len(s.items) for s in groups),
    )


def render_theme(site: SiteInfo, section: Section, part: int, more: bool, items: list[SiteItem]) -> str:
    """Page `part` of a key theme's list in the Information Index (`more`: another page follows it).

    The page links only to its neighbours, so a new last page changes the one before it and no other.
    """
    path = section.part_path(part)
    first = (part - 1) * PART_SIZE + 1
    return _render(
        "theme.html.j2",
        path,
        site,
        current="",
        section=section,
        items=items,
        item_paths={item.file_no: urls.item_path(item.file_no) for item in items},
        part=part,
        previous=urls.relative(path, section.part_path(part - 1)) if part > 1 else "",
        following=urls.relative(path, section.part_path(part + 1)) if more else "",
        first=first,
        last=first + len(items) - 1,
    )


def render_item(site: SiteInfo, item: SiteItem, section: Section) -> str:
    return _render(
        "item.html.j2",
        urls.item_path(item.file_no),
        site,
        current="",
        item=item,
        theme=section.theme,
        theme_href=section.path,
    )


def render_bulletin_list(site: SiteInfo, bulletins: list[SiteBulletin]) -> str:
    return _render("bulletins.html.j2", urls.BULLETINS, site, current="bulletins", bulletins=bulletins)


def render_bulletin_page(site: SiteInfo, bulletin: SiteBulletin) -> str:
    """The email as it was approved, with the site's links above it: the same content as the email."""
    html = personalise(bulletin.html, web_values(site), html=True)
    nav = _render("bulletin_nav.html.j2", urls.bulletin_path(bulletin.number), site, bulletin=bulletin)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + nav, html, count=1)


def web_values(site: SiteInfo) -> dict[str, str]:
    """The email's per-recipient parts, for a page that has no single recipient."""
    leave = f"mailto:{site.shared_address}?subject=unsubscribe"
    return {"recipient": "each subscriber", "unsubscribe_address": site.shared_address, "unsubscribe_url": leave}


def render_feed(site: SiteInfo, bulletins: list[SiteBulletin]) -> str:
    short = urls.slug(site.short_name).lower()
    entries = [
        {
            "subject": b.subject,
            "id": urls.absolute(site.base_url, urls.bulletin_path(b.number)) or f"urn:mln:{short}:bulletin:{b.number}",
            "published": _atom_time(b.published),
            "path": urls.bulletin_path(b.number),
            "summary": f"{b.period_label}: {b.new_count} new item(s), {b.update_count} update(s).",
        }
        for b in bulletins
    ]
    updated = max((e["published"] for e in entries), default="1970-01-01T00:00:00Z")
    feed_id = urls.absolute(site.base_url, urls.FEED) or f"urn:mln:{short}:bulletins"
    return _render(
        "feed.atom.j2",
        urls.FEED,
        site,
        entries=entries,
        updated=updated,
        feed_id=feed_id,
        link=lambda path: urls.absolute(site.base_url, path) or path,
    )


def _atom_time(value: dt.datetime) -> str:
    if value.tzinfo is None:  # stored as UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def asset(name: str, templates_dir: Path) -> bytes:
    return (templates_dir / "site" / "assets" / name).read_bytes()


ASSETS = ("site.css", "search.js")


# -- templates -----------------------------------------------------------------


def _render(name: str, page_path: str, site: SiteInfo, **context: object) -> str:
    env = _environment(str(Path(site.templates_dir, "site")))
    root = urls.relative(page_path, "")
    return env.get_template(name).render(site=site, root=root, statuses=STATUSES, status_slugs=STATUS_SLUGS, **context)


@lru_cache(maxsize=4)
def _environment(folder: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,  # every page and the feed: member-supplied text is always escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(paragraphs=paragraphs, longdate=_longdate, shortdate=_shortdate)
    return env


def _longdate(value: dt.datetime | dt.date) -> str:
    return longdate(value.date() if isinstance(value, dt.datetime) else value)


def _shortdate(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"
