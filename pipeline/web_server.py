"""`mln web`'s server: waitress, with the limits and timeouts of `[web]`, around the app in pipeline/web.py."""

from __future__ import annotations

from pathlib import Path

import waitress
from waitress.server import BaseWSGIServer, MultiSocketServer

from pipeline.config import Settings
from pipeline.web import WebApp, make_app


class WebServer:
    """A waitress server for the app, listening but not yet serving."""

    def __init__(self, app: WebApp, host: str, port: int) -> None:
        web = app.settings.web
        self.app = app
        self.server: BaseWSGIServer | MultiSocketServer = waitress.create_server(
            app,
            host=host,
            port=port,
            threads=web.threads,
            connection_limit=web.max_connections,
            channel_timeout=web.timeout,
            cleanup_interval=max(1, min(web.timeout // 2, 30)),
            max_request_body_size=web.max_body_bytes,
            max_request_header_size=web.max_header_bytes,
            ident="mln-web",
            expose_tracebacks=False,
            asyncore_use_poll=True,
            clear_untrusted_proxy_headers=True,
        )

    @property
    def server_address(self) -> tuple[str, int]:
        if isinstance(self.server, MultiSocketServer):
            host, port = self.server.effective_listen[0][:2]
            return str(host), int(port)
        return str(self.server.effective_host), int(self.server.effective_port)

    @property
    def url(self) -> str:
        host, port = self.server_address
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/"

    def serve_forever(self) -> None:
        self.server.run()

    def close(self) -> None:
        self.server.close()


def make_server(
    settings: Settings,
    site_dir: str | Path | None = None,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    only: str | None = None,
    audience: str | None = None,
) -> WebServer:
    """A server (not yet serving) for `make_app(...)`; port 0 picks a free one (see server.url)."""
    return WebServer(make_app(settings, site_dir, only=only, audience=audience), host, port)
