"""`mln web`: serve a built site locally (stdlib http.server), beside the one-click unsubscribe
and the confirm-by-link endpoints.

For previewing on 127.0.0.1, not for the open internet. Static files come from
the site folder (no directory listings, nothing outside it). The unsubscribe
endpoint is RFC 8058's: a mail client POSTs `List-Unsubscribe=One-Click` to the
link in the List-Unsubscribe header and the subscriber leaves at once; a person
who opens the link (GET) gets a page with a confirm button, so a link scanner
that follows links never unsubscribes anybody. /confirm/TOKEN works the same way for
the link in a confirmation request: the token reached that mailbox, so following it
and pressing the button is the proof.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from pipeline.config import Settings
from pipeline.store.db import transaction
from pipeline.errors import MlnError

UNSUBSCRIBE = "/unsubscribe"
CONFIRM = "/confirm"
# Pages load only their own files: no other site, no inline script.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class SiteMissing(MlnError):
    """There is no built site to serve; run `mln site build -o DIR` first."""


def unsubscribe_with_token(settings: Settings, token: str) -> tuple[bool, str]:
    """The hook the endpoint calls: (left?, what happened in words)."""
    from pipeline.people.subscribers import unsubscribe_by_token

    with transaction(settings.database.url) as session:
        outcome = unsubscribe_by_token(session, settings, token, via="web")
        return outcome.done, outcome.reason


def confirm_with_token(settings: Settings, token: str) -> tuple[bool, str]:
    """Confirm a join from the link in the confirmation request: (confirmed?, what happened)."""
    from pipeline.people.subscribers import confirm

    with transaction(settings.database.url) as session:
        outcome = confirm(session, settings, token, from_addr="", via="web")
        return outcome.done, outcome.reason


@dataclass(frozen=True)
class TokenAction:
    """One endpoint that acts on a token: GET asks, POST does."""

    ask_title: str
    ask_text: str
    button: str
    run: Callable[[Settings, str], tuple[bool, str]]
    done_title: str
    done_text: str
    failed_title: str


TOKEN_ACTIONS = {
    UNSUBSCRIBE: TokenAction("Leave the bulletin", "Press the button to stop receiving the bulletin at this address.",
                             "Unsubscribe", unsubscribe_with_token, "You have left the bulletin",
                             "You will not receive the bulletin any more.", "Could not unsubscribe"),
    CONFIRM: TokenAction("Join the bulletin", "Press the button to confirm that this address should receive the bulletin.",
                         "Confirm", confirm_with_token, "Thank you",
                         "Your address is confirmed.", "Could not confirm"),
}


class SiteHandler(SimpleHTTPRequestHandler):
    """Static files from the site folder, plus GET/POST /unsubscribe/TOKEN (or ?token=TOKEN)."""

    settings: Settings
    server_version = "mln-web"
    sys_version = ""

    def end_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def list_directory(self, path):  # type: ignore[no-untyped-def]
        self.send_error(HTTPStatus.NOT_FOUND, "No listing here")
        return None

    def log_message(self, format: str, *args) -> None:  # type: ignore[no-untyped-def]
        pass  # requests are not logged: the unsubscribe URLs carry tokens

    def do_GET(self) -> None:
        action, token = self._token()
        if action is None:
            super().do_GET()
            return
        self._page(HTTPStatus.OK, action.ask_title,
                   f"<p>{html.escape(action.ask_text)}</p>"
                   f'<form method="post" action="{html.escape(self.path, quote=True)}">'
                   '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
                   f'<button type="submit">{html.escape(action.button)}</button></form>')

    def do_HEAD(self) -> None:
        if self._token()[0] is None:
            super().do_HEAD()
        else:
            self.send_response(HTTPStatus.OK)
            self.end_headers()

    def do_POST(self) -> None:
        action, token = self._token()
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(min(length, 10_000))  # RFC 8058 body: List-Unsubscribe=One-Click
        if action is None:
            self._page(HTTPStatus.NOT_FOUND, "Not found", "<p>Nothing to post to here.</p>")
            return
        try:
            done, reason = action.run(self.settings, token)
        except MlnError as exc:
            self._page(HTTPStatus.SERVICE_UNAVAILABLE, "Try again later", f"<p>{html.escape(str(exc))}</p>")
            return
        if done:
            self._page(HTTPStatus.OK, action.done_title, f"<p>{html.escape(action.done_text)}</p>")
        else:
            self._page(HTTPStatus.BAD_REQUEST, action.failed_title, f"<p>{html.escape(reason)}</p>")

    def _token(self) -> tuple[TokenAction | None, str]:
        """The token action this path names, and its token (from /PATH/TOKEN or /PATH?token=TOKEN)."""
        parts = urlsplit(self.path)
        for prefix, action in TOKEN_ACTIONS.items():
            if parts.path == prefix:
                return action, (parse_qs(parts.query).get("token") or [""])[0]
            if parts.path.startswith(prefix + "/"):
                return action, parts.path[len(prefix) + 1:]
        return None, ""

    def _page(self, status: HTTPStatus, title: str, body: str) -> None:
        data = ("<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                f"<title>{html.escape(title)}</title></head><body><main><h1>{html.escape(title)}</h1>{body}</main>"
                "</body></html>\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)


def make_server(settings: Settings, site_dir: str | Path, host: str = "127.0.0.1", port: int = 8080) -> ThreadingHTTPServer:
    """A server (not yet serving) for `site_dir`; port 0 picks a free one (see server.server_address)."""
    folder = Path(site_dir)
    if not (folder / "index.html").is_file():
        raise SiteMissing(f"no site in {folder}: run `mln site build -o {folder}` first")
    handler = type("BoundSiteHandler", (SiteHandler,), {"settings": settings})
    server = ThreadingHTTPServer((host, port), partial(handler, directory=str(folder.resolve())))
    server.daemon_threads = True
    return server
