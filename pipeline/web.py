"""`mln web`: the list endpoints (one-click unsubscribe, confirm by link) and, if asked, the built site.

One small WSGI app, served by waitress, a production server from PyPI: it reads
requests with size limits (`[web] max_header_bytes`, `max_body_bytes`), closes idle
or slow connections after `[web] timeout` seconds, answers at most `[web] threads`
requests at a time on at most `[web] max_connections` connections, and answers a
malformed request (a negative or non-numeric Content-Length, a NUL in the path) with
400. docs/web.md shows how to put it behind a TLS front (Caddy or nginx).

The list endpoints (RFC 8058 one-click unsubscribe, confirm by link) are in
pipeline/web_lists.py: GET shows a page with a button, POST acts, a second POST of
the same link is answered 200 and changes nothing.

`only="lists"` serves the list endpoints alone and never a file: what the one-click
link needs on the internet. Otherwise the site folder is served too, GET and HEAD
only: no listings, no hidden files, nothing reached through a symbolic link, and only
the edition `[web] site_audience` (external unless told otherwise) as the folder's
manifest records it.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import stat
from collections.abc import Callable, Iterable
from http import HTTPStatus
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from pipeline.config import Settings
from pipeline.errors import InvalidInput, SiteMissing, WrongEdition
from pipeline.site.writer import MANIFEST, read_manifest
from pipeline.web_lists import Response, page, token_endpoint, token_route

log = logging.getLogger(__name__)

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


def not_found() -> Response:
    return page(HTTPStatus.NOT_FOUND, "Not found", "<p>There is nothing at this address.</p>")


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
                HTTPStatus.INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "<p>Please try again later.</p>",
                (),
                self.settings,
            )
        start_response(f"{status.value} {status.phrase}", [*headers, *SECURITY_HEADERS])
        if environ.get("REQUEST_METHOD") == "HEAD":
            getattr(body, "close", lambda: None)()
            return []
        return body

    def respond(self, environ: dict[str, Any]) -> Response:
        path = environ.get("PATH_INFO") or "/"
        if not path.startswith("/") or any(ord(c) < 32 or ord(c) == 127 for c in path):
            return page(HTTPStatus.BAD_REQUEST, "Bad request", "<p>The address is malformed.</p>", (), self.settings)
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
