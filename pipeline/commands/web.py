"""mln web: preview the built site locally, with the one-click unsubscribe endpoint."""
from __future__ import annotations

from pathlib import Path

import click

from pipeline.web import make_server


def register(cli: click.Group) -> None:
    cli.add_command(web)


@click.command()
@click.option("--dir", "site_dir", type=click.Path(file_okay=False, path_type=Path),
              help="The built site (default: [web] site_dir, 'site').")
@click.option("--host", help="Address to listen on (default: [web] host, 127.0.0.1).")
@click.option("--port", type=int, help="Port (default: [web] port, 8080; 0 picks a free one).")
@click.pass_obj
def web(app, site_dir: Path | None, host: str | None, port: int | None) -> None:  # type: ignore[no-untyped-def]
    """Serve a site built by `mln site build` until Ctrl-C.

    Also answers POST /unsubscribe/TOKEN (RFC 8058 one-click: the subscriber
    leaves at once) and GET /unsubscribe/TOKEN (a page with a confirm button).

    \b
    Examples:
      mln site build -o site && mln web
      mln web --dir public --port 8000
    """
    settings = app.settings
    folder = site_dir or Path(settings.base_dir, settings.web.site_dir)
    server = make_server(settings, folder, host or settings.web.host, settings.web.port if port is None else port)
    address, bound = server.server_address[:2]
    click.echo(f"Serving {folder} at http://{address}:{bound}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.server_close()
