"""`build_site`: the whole static site for one audience, written incrementally.

One path for every build. A scan reads each approved item's version (data.py); each
page made from items (an item's page, a key theme's page of the Information Index,
a shard of the search index) is compared, by the versions it is made from, with the
page the last build wrote with the same templates and settings, and kept if they
agree. Only the items the remaining pages need are then read in full and rendered;
the small pages (home, the index page, the bulletins, the feed) are rendered every
time, and the writer rewrites only files whose bytes changed. A full build (`full=True`,
a first build, or new templates or settings) is the same path with nothing kept.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import urls
from pipeline.config import Settings
from pipeline.localtime import network_today
from pipeline.outbound.bulletin.audience import site_urls
from pipeline.outbound.bulletin.content import check_audience
from pipeline.outbound.bulletin.meeting_diary import site_calendar_files
from pipeline.site import pages
from pipeline.site import search_index as search
from pipeline.site.data import ItemStamp, SiteBulletin, SiteItem, load_bulletins, load_items, scan_items
from pipeline.site.writer import SiteWriter
from pipeline.store import db
from pipeline.store.reader import reading

Tick = Callable[[int], None]


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


@dataclass
class Plan:
    """The pages made from items that this build must render, each with the inputs it is made from."""

    groups: list[pages.Section]
    shard_count: int = 1
    items: list[tuple[ItemStamp, pages.Section, str]] = field(default_factory=list)
    themes: list[tuple[pages.Section, int, bool, Sequence[ItemStamp], str]] = field(default_factory=list)
    shards: list[tuple[int, Sequence[ItemStamp], str]] = field(default_factory=list)

    def needed(self) -> list[ItemStamp]:
        """The items those pages show: the only ones read in full."""
        found = {stamp.file_no: stamp for stamp, _, _ in self.items}
        for *_, listed, _ in self.themes:
            found.update((stamp.file_no, stamp) for stamp in listed)
        for _, indexed, _ in self.shards:
            found.update((stamp.file_no, stamp) for stamp in indexed)
        return list(found.values())


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
    progress: Callable[[int], Tick | None] | None = None,
    full: bool = False,
) -> BuildReport:
    """Write (or bring up to date) the static site for `audience` in `out_dir`.

    `progress(total)`, once the pages to write are known, may give a hook called after each item
    and bulletin page. `full` renders every page even where its items are unchanged.
    """
    check_audience(audience)
    with collector_paused():
        return _build(settings, Path(out_dir), audience, progress, full)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a build holds a national index in memory.

    The scan keeps a tuple per revision and a stamp per item, hundreds of thousands of them,
    and every burst of allocation set off a collection that walked them all: 0.4 s of a 1.7 s
    rebuild at 100,000 plans (issue #23). The build's objects are still freed by reference
    counting as they go; any cycles are collected once the collector resumes."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build(
    settings: Settings, root: Path, audience: str, progress: Callable[[int], Tick | None] | None, full: bool
) -> BuildReport:
    url = settings.database.url
    db.require_schema(url)
    with db.transaction(url, readonly=True) as session:
        bulletins = load_bulletins(session, audience)
        calendars = site_calendar_files(session, settings, network_today(settings))
    root.mkdir(parents=True, exist_ok=True)
    site = site_info(settings, audience)
    writer = SiteWriter(root, audience, build_key(site), reuse=not full)
    with reading(url) as reader:
        stamps = scan_items(reader, audience)
        hook = progress(len(stamps) + len(bulletins)) if progress is not None else None
        tick = hook or (lambda n: None)
        plan = plan_pages(writer, site, stamps, tick)
        records = load_items(reader, plan.needed(), audience)
    write_pages(writer, site, plan, records, bulletins, tick)
    for path, data in calendars.items():  # the bulletin's "add to your calendar" links
        writer.write(path, data)
    report = writer.finish()
    return BuildReport(
        out_dir=str(root),
        audience=audience,
        items=len(stamps),
        bulletins=len(bulletins),
        files=len(writer.current),
        written=tuple(report.written),
        unchanged=report.unchanged,
        removed=tuple(report.removed),
        kept=tuple(report.kept),
        full=not writer.reusing,
    )


# Bump when the page-making code changes in a way the templates do not show.
PAGES_FORMAT = "4"


def build_key(site: pages.SiteInfo) -> str:
    """What every page is made with: the site's templates and assets, and the settings they show."""
    digest = hashlib.sha256(f"{PAGES_FORMAT}\n{site!r}\n".encode())
    folder = Path(site.templates_dir, "site")
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(folder).as_posix()}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def item_inputs(stamp: ItemStamp, section: pages.Section) -> str:
    """What an item page is made from: its File No, its record (as its version) and its theme."""
    return f"{stamp.file_no} {stamp.version} {section.anchor}"


def theme_inputs(section: pages.Section, part: int, more: bool, members: Sequence[ItemStamp]) -> str:
    """What a page of a theme is made from: the theme, which page, whether one follows, its items' records."""
    rows = "\n".join(f"{stamp.file_no} {stamp.version}" for stamp in members)
    return _hash(f"theme\n{section.number}\n{section.theme}\n{section.anchor}\n{part} {more}\n{rows}")


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def plan_pages(writer: SiteWriter, site: pages.SiteInfo, stamps: list[ItemStamp], tick: Tick) -> Plan:
    """Keep each page made from items whose inputs are unchanged; list the others to render."""
    plan = Plan(pages.sections(stamps, site.themes))
    for section in plan.groups:
        parts = section.parts
        for part, members in enumerate(parts, start=1):
            more = part < len(parts)
            inputs = theme_inputs(section, part, more, members)
            if not writer.keep(section.part_path(part), inputs):
                plan.themes.append((section, part, more, members, inputs))
        for stamp in section.items:
            inputs = item_inputs(stamp, section)
            if writer.keep(urls.item_path(stamp.file_no), inputs):
                tick(1)
            else:
                plan.items.append((stamp, section, inputs))
    shards = search.shards(stamps)
    plan.shard_count = len(shards)
    for number, indexed in enumerate(shards):
        inputs = search.shard_inputs(number, indexed)
        if not writer.keep(search.shard_path(number), inputs):
            plan.shards.append((number, indexed, inputs))
    return plan


def write_pages(
    writer: SiteWriter,
    site: pages.SiteInfo,
    plan: Plan,
    records: dict[str, SiteItem],
    bulletins: list[SiteBulletin],
    tick: Tick = lambda n: None,
) -> None:
    templates = Path(site.templates_dir)
    for name in pages.ASSETS:
        writer.write(f"assets/{name}", pages.asset(name, templates))
    writer.write(urls.HOME, pages.render_home(site, plan.groups, bulletins[0] if bulletins else None))
    writer.write(urls.INDEX, pages.render_index(site, plan.groups))
    writer.write(urls.SEARCH_SCRIPT, search.map_script(plan.shard_count))
    for number, indexed, inputs in plan.shards:
        entries = {
            s.file_no: search.entry(records[s.file_no], _anchor(s, site)) for s in indexed if s.file_no in records
        }
        writer.write(search.shard_path(number), search.shard_script(number, entries), inputs)
    for section, part, more, listed, inputs in plan.themes:
        items = [records[stamp.file_no] for stamp in listed if stamp.file_no in records]
        writer.write(section.part_path(part), pages.render_theme(site, section, part, more, items), inputs)
    for stamp, section, inputs in plan.items:
        if stamp.file_no in records:  # else withdrawn since the scan (a new snapshot per query on PostgreSQL)
            writer.write(
                urls.item_path(stamp.file_no), pages.render_item(site, records[stamp.file_no], section), inputs
            )
        tick(1)
    writer.write(urls.BULLETINS, pages.render_bulletin_list(site, bulletins))
    for bulletin in bulletins:
        writer.write(urls.bulletin_path(bulletin.number), pages.render_bulletin_page(site, bulletin))
        tick(1)
    writer.write(urls.FEED, pages.render_feed(site, bulletins))


def _anchor(stamp: ItemStamp, site: pages.SiteInfo) -> str:
    return pages.anchor(pages.theme_number(stamp.theme_number, site.themes))
