"""mln site build: the static web resource (bulletin archive + Information Index)."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json, progress_callback
from pipeline.outbound.bulletin.content import AUDIENCES
from pipeline.site import build_site


def register(cli: click.Group) -> None:
    cli.add_command(site)


@click.group()
def site() -> None:
    """The static web site: bulletins and the searchable Information Index.

    \b
    Examples:
      mln site build -o public --audience external
      mln web --dir public
    """


@site.command()
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the site into, created if missing (default: [web] site_dir, 'site', which mln web serves).",
)
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default="internal",
    show_default=True,
    help="external: only items members agreed to share, and only the addresses they agreed to show.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Render and write every page, even those whose item is unchanged (a template change does this by itself).",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@click.pass_obj
def build(app: AppContext, out_dir: Path | None, audience: str, full: bool, as_json: bool) -> None:
    """Write the site as plain files; a rebuild rewrites only the pages that changed.

    Home page (latest bulletin, key themes), one page per approved or sent
    bulletin, one page per approved item, the Information Index (a page per
    key theme, 1,000 items a page, and a small index page with the search
    and filters), and an Atom feed of bulletins. A long build shows its
    progress on standard error (a bar on a terminal, else a line every few
    seconds); --json prints only the JSON.

    A page made from items (an item's page, a page of a theme, a shard of
    the search index) is rendered again only when what its items show has
    changed in the database since it was written (or it is missing); the
    other pages are compared by content. A change to the site's templates
    or settings renders everything, as --full does.

    \b
    Examples:
      mln site build -o site
      mln site build -o site --full
      mln site build -o /srv/www/mln --audience external --json
    """
    settings = app.settings
    start, close = progress_callback("building")
    try:
        report = build_site(
            settings,
            out_dir or Path(settings.base_dir, settings.web.site_dir),
            audience,
            None if as_json else start,
            full=full,
        )
    finally:
        close()
    if as_json:
        print_json(report.as_dict())
        return
    click.echo(
        f"{audience} site in {report.out_dir} ({'full' if report.full else 'incremental'} build): "
        f"{report.items} item(s), {report.bulletins} bulletin(s); "
        f"{len(report.written)} file(s) written, {report.unchanged} unchanged, {len(report.removed)} removed"
    )
    if report.kept:
        click.echo(
            f"Left alone ({len(report.kept)}): the old manifest named them, but they are outside the folder, "
            f"behind a link or changed since written: {', '.join(report.kept[:10])}"
        )
