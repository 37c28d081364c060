"""What one audience's bulletin shows: items, figures, chart bars, theme sections.

Templates only lay these out; every decision about what appears is made here,
so the HTML and text parts always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.outbound.bulletin.content import STATUSES, BulletinContent, BulletinItem
from pipeline.outbound.bulletin.intro import safe_link
from pipeline.outbound.bulletin.meetings import Meeting
from pipeline.urls import absolute, item_path

OTHER_THEME = "Other themes"
# Colour pairs (background, text) chosen for contrast; the label is always shown too.
STATUS_COLOURS = {
    "Planned": ("#fdf0c4", "#6b4a00"),
    "Being implemented": ("#d6e6f7", "#123e6b"),
    "Implemented": ("#d3f0da", "#14522a"),
}
STATUS_SLUGS = {"Planned": "planned", "Being implemented": "being-implemented", "Implemented": "implemented"}


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: int  # of the longest bar, 0-100
    colour: str = "#2f6690"


@dataclass(frozen=True)
class ItemView:
    item: BulletinItem
    show_email: bool
    link: str  # "" when the given link is not safe to follow
    page_url: str = ""  # the item's page on the web site, when [web] base_url is set

    @property
    def href(self) -> str:
        """Where the item's title links: its web page, else the member's own link."""
        return self.page_url or self.link

    @property
    def status_slug(self) -> str:
        return STATUS_SLUGS.get(self.item.status, "planned")

    @property
    def status_colours(self) -> tuple[str, str]:
        return STATUS_COLOURS.get(self.item.status, ("#eeeeee", "#222222"))

    @property
    def kind(self) -> str:
        return "Update" if self.item.is_update else "New"


@dataclass(frozen=True)
class ThemeSection:
    number: int  # position in the configured order, 0 for items whose theme is not configured
    theme: str
    items: tuple[ItemView, ...]
    anchor: str


@dataclass(frozen=True)
class BulletinView:
    content: BulletinContent
    audience: str
    items: tuple[ItemView, ...]
    sections: tuple[ThemeSection, ...]
    new_count: int
    update_count: int
    status_counts: tuple[tuple[str, int], ...]
    theme_bars: tuple[Bar, ...]
    status_bars: tuple[Bar, ...]
    meetings: tuple[Meeting, ...] = field(default_factory=tuple)

    @property
    def empty_themes(self) -> tuple[str, ...]:
        return tuple(s.theme for s in self.sections if not s.items)


def build_view(content: BulletinContent, audience: str) -> BulletinView:
    visible = content.items_for(audience)
    items = tuple(_item_view(item, audience, content.site_url(audience)) for item in visible)
    sections = _sections(items, content.themes)
    status_counts = tuple((status, sum(1 for i in visible if i.status == status)) for status in STATUSES)
    theme_counts = tuple((s.theme, len(s.items)) for s in sections)
    return BulletinView(
        content=content,
        audience=audience,
        items=items,
        sections=sections,
        new_count=sum(1 for i in visible if not i.is_update),
        update_count=sum(1 for i in visible if i.is_update),
        status_counts=status_counts,
        theme_bars=_bars(theme_counts),
        status_bars=_bars(status_counts, colours={s: STATUS_COLOURS[s][1] for s in STATUSES}),
        meetings=content.meetings,
    )


def _item_view(item: BulletinItem, audience: str, base_url: str = "") -> ItemView:
    # External readers see an email address only where the member agreed to share.
    show_email = bool(item.lead_email) and (audience == "internal" or item.share_externally)
    page_url = safe_link(absolute(base_url, item_path(item.file_no))) if base_url and item.file_no else ""
    return ItemView(item=item, show_email=show_email, link=safe_link(item.link), page_url=page_url)


def _sections(items: tuple[ItemView, ...], themes: tuple[str, ...]) -> tuple[ThemeSection, ...]:
    by_theme: dict[str, list[ItemView]] = {theme: [] for theme in themes}
    stray: list[ItemView] = []
    for view in items:
        by_theme.get(view.item.theme, stray).append(view)
    sections = [
        ThemeSection(n, theme, tuple(sorted(by_theme[theme], key=_item_order)), f"theme-{n}")
        for n, theme in enumerate(themes, start=1)
    ]
    if stray:
        sections.append(ThemeSection(0, OTHER_THEME, tuple(sorted(stray, key=_item_order)), "theme-other"))
    return tuple(sections)


def _item_order(view: ItemView) -> tuple[bool, str, str]:
    # New items first, then updates; File No keeps the order stable between renders.
    return (view.item.is_update, view.item.file_no, view.item.title)


def _bars(counts: tuple[tuple[str, int], ...], colours: dict[str, str] | None = None) -> tuple[Bar, ...]:
    top = max((count for _, count in counts), default=0) or 1
    return tuple(
        Bar(label, count, round(count * 100 / top), (colours or {}).get(label, "#2f6690")) for label, count in counts
    )
