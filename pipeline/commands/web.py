"""mln web: the one-click unsubscribe and confirm endpoints, and (unless --only lists) the built site."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands.context import AppContext
from pipeline.web import PARTS
from pipeline.web_server import make_server


def register(cli: click.Group) -> None:
    cli.add_command(web)


@click.command()
@click.option(
    "--only",
    type=click.Choice(PARTS),
    help="lists: only the unsubscribe and confirm endpoints, never a file (what the internet needs); "
    "site: only the site.",
)
@click.option(
    "--dir",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The built site (default: [web] site_dir, 'site').",
)
@click.option(
    "--audience",
    type=click.Choice(("external", "internal")),
    help="The edition the site may hold (default: [web] site_audience, external). "
    "internal also serves an internal edition: keep that to 127.0.0.1.",
)
@click.option("--host", help="Address to listen on (default: [web] host, 127.0.0.1).")
@click.option("--port", type=int, help="Port (default: [web] port, 8080; 0 picks a free one).")
@click.pass_obj
def web(
    app: AppContext,
    only: str | None,
    site_dir: Path | None,
    audience: str | None,
    host: str | None,
    port: int | None,
) -> None:
    """Serve the list endpoints and the site built by `mln site build` until Ctrl-C.

    POST /unsubscribe/TOKEN is RFC 8058 one-click (the subscriber leaves at
    once); GET /unsubscribe/TOKEN and /confirm/TOKEN show a page with a button.
    The site is served only as the external edition unless --audience internal.
    On the internet, run `--only lists` behind a TLS front: see docs/web.md.
    Limits and timeouts: [web] timeout, threads, max_connections, max_body_bytes.

    \b
    Examples:
      mln site build -o site --audience external && mln web
      mln web --only lists --host 127.0.0.1 --port 8080
      mln web --dir site --audience internal --port 8000
    """
    settings = app.settings
    server = make_server(
        settings,
        site_dir,
        host or settings.web.host,
        settings.web.port if port is None else port,
        only=only,
        audience=audience,
    )
    site = server.app.site
    what = (
        "the list endpoints"
        if site is None
        else f"{site.root} ({site.edition() or 'unrecorded'} edition) and the list endpoints"
    )
    click.echo(f"Serving {what} at {server.url} (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.close()
