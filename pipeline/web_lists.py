"""The list endpoints of `mln web`: one-click unsubscribe (RFC 8058) and confirm by link.

A mail client POSTs `List-Unsubscribe=One-Click` to the link in the List-Unsubscribe
header and the subscriber leaves at once. A person who opens the link (GET) gets a
page naming the network and the address (partly hidden) with a button that POSTs,
so a link scanner that follows links never unsubscribes anybody. /confirm/TOKEN
works the same way for the link in a confirmation request.

Pressing the same link twice is answered as the first press was (200) and changes
nothing: mail clients and security scanners do POST twice. A token that is forged,
altered, expired or names nobody gets a plain refusal (400).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import jinja2
from markupsafe import Markup
from sqlalchemy.orm import Session

from pipeline.config import REPO_ROOT, Settings
from pipeline.errors import InvalidToken, MlnError
from pipeline.people.subscribers import confirm, unsubscribe_by_token
from pipeline.people.subscribers.tokens import mask_address, read_token, token_used
from pipeline.store.db import transaction
from pipeline.store.models import Subscriber

UNSUBSCRIBE = "/unsubscribe"
CONFIRM = "/confirm"
PAGE_TEMPLATE = Path(REPO_ROOT, "templates", "web", "page.html.j2")

Response = tuple[HTTPStatus, list[tuple[str, str]], Iterable[bytes]]


@dataclass(frozen=True)
class Answer:
    """What a token link did (or, for a GET, would do), and to which address."""

    done: bool
    reason: str = ""
    address: str = ""
    already: bool = False  # the link was used before: nothing changed now


@dataclass(frozen=True)
class TokenAction:
    """One endpoint that acts on a token: GET asks, POST does."""

    purpose: str
    ask_title: str
    ask_text: str  # "{address}" is the masked address, "{bulletin}" the bulletin's name
    button: str
    act: Callable[[Session, Settings, str], Any]  # -> an Outcome (done, reason)
    done_title: str
    done_text: str
    already_text: str
    failed_title: str


TOKEN_ACTIONS = {
    UNSUBSCRIBE: TokenAction(
        "unsubscribe",
        "Leave the bulletin",
        "Stop sending the {bulletin} to {address}?",
        "Unsubscribe",
        lambda session, settings, token: unsubscribe_by_token(session, settings, token, via="web"),
        "You have left the bulletin",
        "You will not receive the bulletin any more at {address}.",
        "This link was used already: {address} had left the bulletin, and nothing has changed.",
        "Could not unsubscribe",
    ),
    CONFIRM: TokenAction(
        "confirm",
        "Join the bulletin",
        "Confirm that {address} should receive the {bulletin}.",
        "Confirm",
        lambda session, settings, token: confirm(session, settings, token, from_addr="", via="web"),
        "Thank you",
        "Your address is confirmed: {address} will receive the bulletin.",
        "Your address is confirmed already ({address}); nothing has changed.",
        "Could not confirm",
    ),
}


# ---- acting on a token --------------------------------------------------------------------


def look_up(settings: Settings, action: TokenAction, token_text: str) -> Answer:
    """For a GET: whose link this is, and whether it was used; nothing is written."""
    with transaction(settings.database.url, readonly=True) as session:
        return _standing(session, settings, action, token_text)


def act_on(settings: Settings, action: TokenAction, token_text: str) -> Answer:
    """For a POST: do what the link says, once; a second press is answered as done."""
    with transaction(settings.database.url) as session:
        standing = _standing(session, settings, action, token_text)
        if not standing.done or standing.already:
            return standing
        outcome = action.act(session, settings, token_text)
        if outcome.done:
            return Answer(True, outcome.reason, standing.address)
        again = _standing(session, settings, action, token_text)  # two presses at once: the other used it
        return again if again.already else Answer(False, outcome.reason, standing.address)


def _standing(session: Session, settings: Settings, action: TokenAction, token_text: str) -> Answer:
    """Refused (a bad token, or nobody), used already, or fresh: done=True with its address."""
    try:
        token = read_token(settings, token_text, action.purpose)
    except InvalidToken as exc:
        return Answer(False, str(exc))
    subscriber = session.get(Subscriber, token.subscriber_id)
    if subscriber is None:
        return Answer(False, "no such subscriber any more")
    return Answer(True, "", subscriber.email, already=token_used(session, token))


# ---- pages ------------------------------------------------------------------------------------


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, keep_trailing_newline=True)
    return env.from_string(PAGE_TEMPLATE.read_text(encoding="utf-8"))


def page(
    status: HTTPStatus,
    title: str,
    body: str,
    headers: Iterable[tuple[str, str]] = (),
    settings: Settings | None = None,
    refused: bool = False,
) -> Response:
    """A styled page naming the network; `body` is HTML already escaped."""
    network = settings.network if settings is not None else None
    data = _template().render(
        title=title,
        body=Markup(body),  # noqa: S704 - every caller escapes what it puts in
        network=network.name if network else "",
        contact=network.shared_address if network else "",
        refused=refused,
    )
    encoded = data.encode("utf-8")
    return (
        status,
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(encoded))),
            ("Cache-Control", "no-store"),
            *headers,
        ],
        [encoded],
    )


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
    if method not in ("GET", "HEAD", "POST"):
        return page(
            HTTPStatus.METHOD_NOT_ALLOWED,
            "Not allowed",
            "<p>Use the button on this page.</p>",
            [("Allow", "GET, HEAD, POST")],
            settings,
        )
    if method == "POST":
        _drain(environ, settings.web.max_body_bytes)  # RFC 8058 body: List-Unsubscribe=One-Click
    try:
        answer = act_on(settings, action, token) if method == "POST" else look_up(settings, action, token)
    except MlnError as exc:
        return page(HTTPStatus.SERVICE_UNAVAILABLE, "Try again later", f"<p>{html.escape(str(exc))}</p>", (), settings)
    if not answer.done:
        return page(
            HTTPStatus.BAD_REQUEST,
            action.failed_title,
            f"<p>This link cannot be used ({html.escape(answer.reason)}).</p>",
            (),
            settings,
            refused=True,
        )
    words = {"address": mask_address(answer.address), "bulletin": f"{settings.network.short_name} Bulletin"}
    if method == "POST" or answer.already:
        text = action.already_text if answer.already else action.done_text
        return page(HTTPStatus.OK, action.done_title, _paragraph(text, words), (), settings)
    return page(
        HTTPStatus.OK, action.ask_title, _paragraph(action.ask_text, words) + _button(action, environ), (), settings
    )


def _paragraph(text: str, words: dict[str, str]) -> str:
    escaped = {
        key: f'<span class="address">{html.escape(value)}</span>' if key == "address" else html.escape(value)
        for key, value in words.items()
    }
    return f"<p>{html.escape(text).format(**escaped)}</p>"


def _button(action: TokenAction, environ: dict[str, Any]) -> str:
    here = quote(environ.get("SCRIPT_NAME", "") + environ["PATH_INFO"], safe="/")
    if environ.get("QUERY_STRING"):
        here += "?" + environ["QUERY_STRING"]
    return (
        f'<form method="post" action="{html.escape(here, quote=True)}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        f'<button type="submit">{html.escape(action.button)}</button></form>'
    )


def _drain(environ: dict[str, Any], limit: int) -> None:
    """Read the request body (the server has already refused one over the limit)."""
    length = environ.get("CONTENT_LENGTH") or "0"
    if length.isdigit():
        environ["wsgi.input"].read(min(int(length), limit))


__all__ = ["CONFIRM", "TOKEN_ACTIONS", "UNSUBSCRIBE", "Answer", "TokenAction", "page", "token_endpoint", "token_route"]
