"""`build_site`: the whole static site for one audience, written incrementally.

Reads items and bulletins in one read-only transaction, renders every page
(pages.py), and hands each file to the writer, which rewrites only what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline import urls
from pipeline.config import Settings
from pipeline.localtime import network_today
from pipeline.outbound.bulletin.content import check_audience
from pipeline.outbound.bulletin.meeting_diary import site_calendar_files
from pipeline.site import pages
from pipeline.site.data import load_bulletins, load_items
from pipeline.site.search_index import search_json, search_script
from pipeline.site.writer import SiteWriter
from pipeline.store import db


@dataclass(frozen=True)
class BuildReport:
    out_dir: str
    audience: str
    items: int
    bulletins: int
    files: int
    written: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]
    kept: tuple[str, ...] = ()  # files an old manifest named that were not ours to delete

    def as_dict(self) -> dict:
        return {**self.__dict__, "written": list(self.written), "removed": list(self.removed), "kept": list(self.kept)}


def site_info(settings: Settings, audience: str) -> pages.SiteInfo:
    network = settings.network
    return pages.SiteInfo(
        network_name=network.name,
        short_name=network.short_name,
        organisation_line=network.organisation_line,
        shared_address=network.shared_address,
        audience=audience,
        base_url=site_base_url(settings),
        themes=network.themes,
        templates_dir=str(settings.templates_path),
    )


def site_base_url(settings: Settings) -> str:
    return settings.web.base_url.rstrip("/")


def build_site(
    settings: Settings,
    out_dir: str | Path,
    audience: str = "internal",
    progress: Callable[[int], Callable[[int], None] | None] | None = None,
) -> BuildReport:
    """Write (or bring up to date) the static site for `audience` in `out_dir`.

    `progress(total)`, once the pages to write are known, may give a hook called after each item
    and bulletin page.
    """
    check_audience(audience)
    db.require_schema(settings.database.url)
    with db.transaction(settings.database.url, readonly=True) as session:
        items = load_items(session, audience)
        bulletins = load_bulletins(session, audience)
        calendars = site_calendar_files(session, settings, network_today(settings))
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    writer = SiteWriter(root, audience)
    site = site_info(settings, audience)
    groups = pages.sections(items, site.themes)
    total = sum(len(section.items) for section in groups) + len(bulletins)
    tick = progress(total) if progress is not None else None
    write_pages(writer, site, groups, items, bulletins, tick or (lambda n: None))
    for path, data in calendars.items():  # the bulletin's "add to your calendar" links
        writer.write(path, data)
    report = writer.finish()
    return BuildReport(
        out_dir=str(root),
        audience=audience,
        items=len(items),
        bulletins=len(bulletins),
        files=len(writer.current),
        written=tuple(report.written),
        unchanged=report.unchanged,
        removed=tuple(report.removed),
        kept=tuple(report.kept),
    )


def write_pages(
    writer: SiteWriter,
    site: pages.SiteInfo,
    groups: list[pages.Section],
    items: list,
    bulletins: list,
    tick: Callable[[int], None] = lambda n: None,
) -> None:
    templates = Path(site.templates_dir)
    for name in pages.ASSETS:
        writer.write(f"assets/{name}", pages.asset(name, templates))
    writer.write(urls.HOME, pages.render_home(site, groups, bulletins[0] if bulletins else None))
    writer.write(urls.INDEX, pages.render_index(site, groups))
    index_json = search_json(items)
    writer.write(urls.SEARCH_JSON, index_json)
    writer.write(urls.SEARCH_SCRIPT, search_script(index_json))
    for section in groups:
        for item in section.items:
            writer.write(urls.item_path(item.file_no), pages.render_item(site, item, section))
            tick(1)
    writer.write(urls.BULLETINS, pages.render_bulletin_list(site, bulletins))
    for bulletin in bulletins:
        writer.write(urls.bulletin_path(bulletin.number), pages.render_bulletin_page(site, bulletin))
        tick(1)
    writer.write(urls.FEED, pages.render_feed(site, bulletins))
