"""`build_site`: the whole static site for one audience, written incrementally.

Reads items and bulletins in one read-only transaction, renders the pages
(pages.py), and hands each file to the writer, which rewrites only what changed.
Item pages, the bulk of a large site, are not even rendered when the item's
record (as just read from the database) hashes as it did when its page was last
written with the same templates and settings; `full=True` renders everything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline import urls
from pipeline.config import Settings
from pipeline.localtime import network_today
from pipeline.outbound.bulletin.audience import site_urls
from pipeline.outbound.bulletin.content import check_audience
from pipeline.outbound.bulletin.meeting_diary import site_calendar_files
from pipeline.site import pages
from pipeline.site.data import SiteItem, load_bulletins, load_items
from pipeline.site.search_index import search_files
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
    full: bool = True  # every page rendered (asked for, first build, or templates or settings changed)

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
        base_url=site_base_url(settings, audience),
        themes=network.themes,
        templates_dir=str(settings.templates_path),
    )


def site_base_url(settings: Settings, audience: str = "") -> str:
    """The audience's own site ([bulletin] base_url_AUDIENCE, as the bulletin links), else [web] base_url."""
    return (site_urls(settings).get(audience) or settings.web.base_url).rstrip("/")


def build_site(
    settings: Settings,
    out_dir: str | Path,
    audience: str = "internal",
    progress: Callable[[int], Callable[[int], None] | None] | None = None,
    full: bool = False,
) -> BuildReport:
    """Write (or bring up to date) the static site for `audience` in `out_dir`.

    `progress(total)`, once the pages to write are known, may give a hook called after each item
    and bulletin page. `full` renders every page even where its record is unchanged.
    """
    check_audience(audience)
    db.require_schema(settings.database.url)
    with db.transaction(settings.database.url, readonly=True) as session:
        items = load_items(session, audience)
        bulletins = load_bulletins(session, audience)
        calendars = site_calendar_files(session, settings, network_today(settings))
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    site = site_info(settings, audience)
    writer = SiteWriter(root, audience, build_key(site), reuse=not full)
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
        full=not writer.reusing,
    )


# Bump when the page-making code changes in a way the templates do not show.
PAGES_FORMAT = "2"


def build_key(site: pages.SiteInfo) -> str:
    """What every page is made with: the site's templates and assets, and the settings they show."""
    digest = hashlib.sha256(f"{PAGES_FORMAT}\n{site!r}\n".encode())
    folder = Path(site.templates_dir, "site")
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(folder).as_posix()}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def item_inputs(item: SiteItem, section: pages.Section) -> str:
    """What an item page is made from: its record (frozen dataclasses, so repr is stable) and its theme."""
    return hashlib.sha256(f"{item!r}\n{section.theme}\n{section.anchor}".encode()).hexdigest()


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
    for path, script in search_files(items).items():
        writer.write(path, script)
    for section in groups:
        for item in section.items:
            path, inputs = urls.item_path(item.file_no), item_inputs(item, section)
            if not writer.keep(path, inputs):
                writer.write(path, pages.render_item(site, item, section), inputs)
            tick(1)
    writer.write(urls.BULLETINS, pages.render_bulletin_list(site, bulletins))
    for bulletin in bulletins:
        writer.write(urls.bulletin_path(bulletin.number), pages.render_bulletin_page(site, bulletin))
        tick(1)
    writer.write(urls.FEED, pages.render_feed(site, bulletins))
