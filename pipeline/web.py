"""`mln web`: the list endpoints (one-click unsubscribe, confirm by link) and, if asked, the built site.

One small WSGI app, served by waitress, a production server from PyPI: it reads
requests with size limits (`[web] max_header_bytes`, `max_body_bytes`), closes idle
or slow connections after `[web] timeout` seconds, answers at most `[web] threads`
requests at a time on at most `[web] max_connections` connections, and answers a
malformed request (a negative or non-numeric Content-Length, a NUL in the path) with
400. docs/web.md shows how to put it behind a TLS front (Caddy or nginx).

The unsubscribe endpoint is RFC 8058's: a mail client POSTs `List-Unsubscribe=One-Click`
to the link in the List-Unsubscribe header and the subscriber leaves at once; a person
who opens the link (GET) gets a page with a confirm button, so a link scanner that
follows links never unsubscribes anybody. /confirm/TOKEN works the same way for the
link in a confirmation request: the token reached that mailbox, so following it and
pressing the button is the proof.

`only="lists"` serves the list endpoints alone and never a file: what the one-click
link needs on the internet. Otherwise the site folder is served too, GET and HEAD
only: no listings, no hidden files, nothing reached through a symbolic link, and only
the edition `[web] site_audience` (external unless told otherwise) as the folder's
manifest records it.
"""

from __future__ import annotations

import html
import logging
import mimetypes
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qs, quote

from pipeline.config import Settings
from pipeline.errors import InvalidInput, MlnError, SiteMissing, WrongEdition
from pipeline.people.subscribers import confirm, unsubscribe_by_token
from pipeline.site.writer import MANIFEST, read_manifest
from pipeline.store.db import transaction

log = logging.getLogger(__name__)

UNSUBSCRIBE = "/unsubscribe"
CONFIRM = "/confirm"
PARTS = ("lists", "site")
# Pages load only their own files: no other site, no inline script.
SECURITY_HEADERS = [
    (
        "Content-Security-Policy",
        (
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ),
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
]
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".atom": "application/atom+xml",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK  # a link is refused; a FIFO never blocks us


Response = tuple[HTTPStatus, list[tuple[str, str]], Iterable[bytes]]


def unsubscribe_with_token(settings: Settings, token: str) -> tuple[bool, str]:
    """The hook the endpoint calls: (left?, what happened in words)."""
    with transaction(settings.database.url) as session:
        outcome = unsubscribe_by_token(session, settings, token, via="web")
        return outcome.done, outcome.reason


def confirm_with_token(settings: Settings, token: str) -> tuple[bool, str]:
    """Confirm a join from the link in the confirmation request: (confirmed?, what happened)."""
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
    UNSUBSCRIBE: TokenAction(
        "Leave the bulletin",
        "Press the button to stop receiving the bulletin at this address.",
        "Unsubscribe",
        unsubscribe_with_token,
        "You have left the bulletin",
        "You will not receive the bulletin any more.",
        "Could not unsubscribe",
    ),
    CONFIRM: TokenAction(
        "Join the bulletin",
        "Press the button to confirm that this address should receive the bulletin.",
        "Confirm",
        confirm_with_token,
        "Thank you",
        "Your address is confirmed.",
        "Could not confirm",
    ),
}


def page(status: HTTPStatus, title: str, body: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """A small HTML page; `body` is HTML already escaped."""
    data = (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head><body><main><h1>{html.escape(title)}</h1>{body}</main>"
        "</body></html>\n"
    ).encode()
    return (
        status,
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
            *headers,
        ],
        [data],
    )


def not_found() -> Response:
    return page(HTTPStatus.NOT_FOUND, "Not found", "<p>There is nothing at this address.</p>")


# ---- the list endpoints ------------------------------------------------------------------


def token_route(path: str, query: str) -> tuple[TokenAction | None, str]:
    """The token action a path names, and its token (from /PATH/TOKEN or /PATH?token=TOKEN)."""
    for prefix, action in TOKEN_ACTIONS.items():
        if path == prefix:
            return action, (parse_qs(query).get("token") or [""])[0]
        if path.startswith(prefix + "/"):
            return action, path[len(prefix) + 1 :]
    return None, ""


def token_endpoint(settings: Settings, action: TokenAction, token: str, environ: dict[str, Any]) -> Response:
    method = environ["REQUEST_METHOD"]
    if method in ("GET", "HEAD"):
        here = quote(environ.get("SCRIPT_NAME", "") + environ["PATH_INFO"], safe="/")
        if environ.get("QUERY_STRING"):
            here += "?" + environ["QUERY_STRING"]
        return page(
            HTTPStatus.OK,
            action.ask_title,
            f"<p>{html.escape(action.ask_text)}</p>"
            f'<form method="post" action="{html.escape(here, quote=True)}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            f'<button type="submit">{html.escape(action.button)}</button></form>',
        )
    if method != "POST":
        return page(
            HTTPStatus.METHOD_NOT_ALLOWED,
            "Not allowed",
            "<p>Use the button on this page.</p>",
            [("Allow", "GET, HEAD, POST")],
        )
    _drain(environ, settings.web.max_body_bytes)  # RFC 8058 body: List-Unsubscribe=One-Click
    try:
        done, reason = action.run(settings, token)
    except MlnError as exc:
        return page(HTTPStatus.SERVICE_UNAVAILABLE, "Try again later", f"<p>{html.escape(str(exc))}</p>")
    if done:
        return page(HTTPStatus.OK, action.done_title, f"<p>{html.escape(action.done_text)}</p>")
    return page(HTTPStatus.BAD_REQUEST, action.failed_title, f"<p>{html.escape(reason)}</p>")


def _drain(environ: dict[str, Any], limit: int) -> None:
    """Read the request body (the server has already refused one over the limit)."""
    length = environ.get("CONTENT_LENGTH") or "0"
    if length.isdigit():
        environ["wsgi.input"].read(min(int(length), limit))


# ---- the site's files --------------------------------------------------------------------


class SiteFolder:
    """A built site's files, GET and HEAD: no listings, no hidden files, no symbolic links, one edition."""

    def __init__(self, root: Path, audiences: tuple[str, ...]) -> None:
        self.root = root.resolve()  # the folder itself may be a link the operator made; nothing inside it may
        self.audiences = audiences
        self._manifest_seen: tuple[int, int] | None = None
        self._edition = ""

    def edition(self) -> str:
        """The edition the folder holds now (re-read when its manifest changes)."""
        try:
            info = os.stat(self.root / MANIFEST)
            seen = (info.st_mtime_ns, info.st_size)
        except OSError:
            seen = None
        if seen != self._manifest_seen:
            self._edition = read_manifest(self.root).audience if seen else ""
            self._manifest_seen = seen
        return self._edition

    def check_edition(self) -> None:
        held = self.edition()
        if held not in self.audiences:
            raise WrongEdition(
                f"{self.root} holds the {held or 'unrecorded'} edition, and mln web serves only "
                f"{' or '.join(a for a in self.audiences if a) or 'external'} here: build it with "
                f"`mln site build -o {self.root} --audience external`, or (on 127.0.0.1 only) pass `--audience internal`"
            )

    def respond(self, environ: dict[str, Any]) -> Response:
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return page(
                HTTPStatus.METHOD_NOT_ALLOWED, "Not allowed", "<p>This site is read only.</p>", [("Allow", "GET, HEAD")]
            )
        try:
            self.check_edition()
        except WrongEdition:
            return page(HTTPStatus.SERVICE_UNAVAILABLE, "Not available", "<p>This site is not available here.</p>")
        path = environ["PATH_INFO"]
        parts = path[1:].split("/")
        if parts[-1] == "":
            parts[-1] = "index.html"
        if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
            return not_found()  # hidden files (the manifest, a half-written page) and any '..'
        opened = self._open(parts)
        if opened is None:
            return not_found()
        if isinstance(opened, str):  # a folder with an index page
            location = quote(environ.get("SCRIPT_NAME", "") + path + "/", safe="/")
            return page(HTTPStatus.MOVED_PERMANENTLY, "Moved", "", [("Location", location)])
        handle, size = opened
        kind = (
            CONTENT_TYPES.get(Path(parts[-1]).suffix.lower())
            or mimetypes.guess_type(parts[-1])[0]
            or "application/octet-stream"
        )
        wrapper = environ.get("wsgi.file_wrapper")
        body = wrapper(handle, 65536) if wrapper else _chunks(handle)
        return HTTPStatus.OK, [("Content-Type", kind), ("Content-Length", str(size))], body

    def _open(self, parts: list[str]) -> tuple[BinaryIO, int] | str | None:
        """The regular file at root/parts, opened without following any link; "folder" for a folder
        with an index page; None for anything else."""
        try:
            folder = os.open(self.root, _DIR_FLAGS)
        except OSError:
            return None
        try:
            for part in parts[:-1]:
                inner = os.open(part, _DIR_FLAGS, dir_fd=folder)
                os.close(folder)
                folder = inner
            return _open_leaf(folder, parts[-1])
        except OSError:  # missing, a link (ELOOP), not a folder, not allowed
            return None
        finally:
            os.close(folder)


def _open_leaf(folder: int, name: str) -> tuple[BinaryIO, int] | str | None:
    fd = os.open(name, _FILE_FLAGS, dir_fd=folder)
    mode = os.fstat(fd).st_mode
    if stat.S_ISREG(mode):
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb"), os.fstat(fd).st_size
    os.close(fd)
    if stat.S_ISDIR(mode) and _regular_file_in(folder, name + "/index.html"):
        return "folder"
    return None


def _regular_file_in(folder_fd: int, name: str) -> bool:
    """Whether `name` (relative to the folder) is a regular file; a link in its last part is not."""
    try:
        return stat.S_ISREG(os.stat(name, dir_fd=folder_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _chunks(handle: BinaryIO) -> Iterable[bytes]:
    with handle:
        while chunk := handle.read(65536):
            yield chunk


# ---- the app and its server ---------------------------------------------------------------


class WebApp:
    """The WSGI app: the list endpoints, and the site's files when there is a site."""

    def __init__(self, settings: Settings, site: SiteFolder | None, lists: bool = True) -> None:
        self.settings = settings
        self.site = site
        self.lists = lists

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            status, headers, body = self.respond(environ)
        except Exception as exc:  # noqa: BLE001 - never a traceback to the client, never the path (it holds tokens) in the log
            log.error("mln web: %s while answering a %s request", type(exc).__name__, environ.get("REQUEST_METHOD"))
            status, headers, body = page(
                HTTPStatus.INTERNAL_SERVER_ERROR, "Something went wrong", "<p>Please try again later.</p>"
            )
        start_response(f"{status.value} {status.phrase}", [*headers, *SECURITY_HEADERS])
        if environ.get("REQUEST_METHOD") == "HEAD":
            getattr(body, "close", lambda: None)()
            return []
        return body

    def respond(self, environ: dict[str, Any]) -> Response:
        path = environ.get("PATH_INFO") or "/"
        if not path.startswith("/") or any(ord(c) < 32 or ord(c) == 127 for c in path):
            return page(HTTPStatus.BAD_REQUEST, "Bad request", "<p>The address is malformed.</p>")
        action, token = token_route(path, environ.get("QUERY_STRING", "")) if self.lists else (None, "")
        if action is not None:
            return token_endpoint(self.settings, action, token, environ)
        if self.site is None:
            return not_found()
        return self.site.respond(environ)


def make_app(
    settings: Settings, site_dir: str | Path | None = None, *, only: str | None = None, audience: str | None = None
) -> WebApp:
    """The app for `mln web`: the list endpoints (unless only="site") and the site in `site_dir` (unless only="lists").

    `audience`: the edition the site may hold (default `[web] site_audience`); "external"
    serves only an external edition, "internal" either.
    """
    if only not in (None, *PARTS):
        raise InvalidInput(f"--only must be one of: {', '.join(PARTS)}")
    if only == "lists":
        return WebApp(settings, None)
    audience = audience or settings.web.site_audience
    if audience not in ("internal", "external"):
        raise InvalidInput(f"web.site_audience must be internal or external, not {audience!r}")
    folder = Path(site_dir if site_dir is not None else Path(settings.base_dir, settings.web.site_dir))
    if not (folder / "index.html").is_file():
        raise SiteMissing(f"no site in {folder}: run `mln site build -o {folder} --audience external` first")
    site = SiteFolder(folder, ("external",) if audience == "external" else ("external", "internal", ""))
    site.check_edition()
    return WebApp(settings, site, lists=only != "site")
