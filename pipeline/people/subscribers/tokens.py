"""Signed, expiring, single-use tokens for the confirm / unsubscribe / bounce addresses.

A token is 23 bytes in lower-case base32 (37 characters, safe in an address's
local part even where a mail server changes its case):

    purpose (1) | subscriber id (4) | expiry, Unix time (4) | nonce (4) | HMAC-SHA256 (10)

The HMAC key is `security.token_secret`, read only from the environment.
Single use is kept in the `used_tokens` table (`consume_token`).

A token names a subscriber by id, and ids are never reused (the table is
AUTOINCREMENT on SQLite, a sequence on PostgreSQL): a token kept from a
subscriber who was forgotten names nobody, never the next person added.
Lifetimes: `security.confirm_days` (confirm), `unsubscribe_days` (the links in
a bulletin), `bounce_days` (the VERP envelope sender: real bounces come within days).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import os
import re
import struct
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.errors import ConfigError, InvalidToken
from pipeline.store.models import UsedToken, utcnow

PURPOSES = {"confirm": 1, "unsubscribe": 2, "bounce": 3}
_LAYOUT = struct.Struct(">BIII")
_MAC_BYTES = 10
TOKEN_PATTERN = r"[A-Za-z2-7]{37}"
MIN_SECRET_CHARS = 16


@dataclass(frozen=True)
class Token:
    purpose: str
    subscriber_id: int
    expires: dt.datetime
    digest: str  # what `used_tokens` records


def _key(settings: Settings) -> bytes:
    secret = str(settings.security.token_secret)
    if len(secret) < MIN_SECRET_CHARS:
        raise ConfigError(
            f"set ${settings.security.token_secret_env} to a random secret of at least {MIN_SECRET_CHARS} characters "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`); it signs subscription tokens"
        )
    return secret.encode("utf-8")


def lifetime_days(settings: Settings, purpose: str) -> int:
    security = settings.security
    return {"confirm": security.confirm_days, "unsubscribe": security.unsubscribe_days, "bounce": security.bounce_days}[
        purpose
    ]


def make_token(
    settings: Settings, purpose: str, subscriber_id: int, now: dt.datetime | None = None, days: int | None = None
) -> str:
    """A new token for `purpose` about subscriber `subscriber_id`, valid `days` (default: the purpose's lifetime)."""
    days = lifetime_days(settings, purpose) if days is None else days
    expires = int(((now or utcnow()) + dt.timedelta(days=days)).timestamp())
    body = _LAYOUT.pack(PURPOSES[purpose], subscriber_id, expires, struct.unpack(">I", os.urandom(4))[0])
    mac = hmac.new(_key(settings), body, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.b32encode(body + mac).decode("ascii").rstrip("=").lower()


def read_token(settings: Settings, token: str, purpose: str, now: dt.datetime | None = None) -> Token:
    """Check a token's signature, purpose and age; raise InvalidToken saying which failed."""
    raw = _decode(token)
    body, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
    expected = hmac.new(_key(settings), body, hashlib.sha256).digest()[:_MAC_BYTES]
    if not hmac.compare_digest(mac, expected):
        raise InvalidToken("the signature does not match (altered or forged)")
    code, subscriber_id, expires_ts, _nonce = _LAYOUT.unpack(body)
    if code != PURPOSES[purpose]:
        raise InvalidToken(f"this is not a {purpose} token")
    expires = dt.datetime.fromtimestamp(expires_ts, dt.UTC)
    if (now or utcnow()) > expires:
        raise InvalidToken(f"expired on {expires:%d %B %Y}")
    return Token(purpose, subscriber_id, expires, hashlib.sha256(body).hexdigest())


def _decode(token: str) -> bytes:
    text = (token or "").strip().upper()
    if not re.fullmatch(TOKEN_PATTERN, text, re.I):
        raise InvalidToken("not a token of ours (wrong length or characters)")
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise InvalidToken("not a token of ours (cannot be decoded)") from None
    # The last character carries a spare bit: only the one canonical spelling is accepted.
    if base64.b32encode(raw).decode("ascii").rstrip("=") != text:
        raise InvalidToken("the token was altered")
    return raw


def consume_token(session: Session, token: Token) -> None:
    """Mark a token used, in the caller's transaction; raise InvalidToken if it already was."""
    try:
        with session.begin_nested():
            session.add(UsedToken(digest=token.digest, purpose=token.purpose))
    except IntegrityError:
        raise InvalidToken("already used") from None


def token_used(session: Session, token: Token) -> bool:
    """Whether the token was used already: a second press of the same link (a mail client or a
    link scanner POSTs twice) is answered as the first was, and changes nothing."""
    return session.get(UsedToken, token.digest) is not None


def mask_address(address: str) -> str:
    """An address shown to whoever holds the link, partly hidden: h***n@example.nhs.uk."""
    local, at, domain = address.partition("@")
    shown = local[0] + "***" + (local[-1] if len(local) > 2 else "") if local else "***"
    return f"{shown}{at}{domain}"


def token_address(settings: Settings, purpose: str, token: str) -> str:
    """bulletin+PURPOSE-TOKEN@domain, from smtp.from_address."""
    local, _, domain = settings.smtp.from_address.partition("@")
    return f"{local.split('+')[0]}+{purpose}-{token}@{domain}"


def find_token(purpose: str, *texts: str) -> str | None:
    """The first `+PURPOSE-TOKEN@` found in addresses or text (a reply may quote it)."""
    pattern = re.compile(rf"\+{purpose}-({TOKEN_PATTERN})@", re.I)
    for text in texts:
        match = pattern.search(text or "")
        if match:
            return match.group(1)
    return None
