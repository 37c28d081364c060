"""DKIM signing of the exact bytes a route sends, for servers that do not sign themselves.

Each copy is signed after it is personalised, just before it goes on the wire:
the signature covers its own To, Message-ID and List-Unsubscribe headers (the
bulk-sender rules want List-Unsubscribe and List-Unsubscribe-Post signed).
Relaxed canonicalisation of header and body survives the re-folding relays do.
"""

from __future__ import annotations

from pathlib import Path

import dkim
import dkim.crypto

from pipeline.config_smtp import SmtpSettings
from pipeline.errors import ConfigError

# Signed when present; a header named but absent is left out (not signed as empty).
SIGNED_HEADERS = (
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)


class DkimSigner:
    """Signs messages with one selector, domain and private key, read once."""

    def __init__(self, selector: str, domain: str, private_key: bytes) -> None:
        self.selector = selector.encode("ascii")
        self.domain = domain.encode("ascii")
        self.key = private_key

    def sign(self, message: bytes) -> bytes:
        """The message with its DKIM-Signature header first."""
        present = {line.split(b":", 1)[0].strip().lower() for line in _header_lines(message)}
        include = [h.encode("ascii") for h in SIGNED_HEADERS if h.lower().encode("ascii") in present]
        signature = dkim.sign(
            message,
            self.selector,
            self.domain,
            self.key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=include,
            linesep=b"\r\n",
        )
        return signature + message


def signer_for(smtp: SmtpSettings, base_dir: str) -> DkimSigner | None:
    """The route's signer, or None when it does not sign; ConfigError when its key cannot be read."""
    if not smtp.dkim_key_file:
        return None
    path = Path(base_dir, smtp.dkim_key_file)
    try:
        key = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"dkim_key_file {path}: cannot be read ({exc.strerror})") from None
    try:
        dkim.crypto.parse_pem_private_key(key)
    except (dkim.crypto.UnparsableKeyError, ValueError, IndexError):
        raise ConfigError(
            f"dkim_key_file {path}: not a PEM RSA private key (PKCS#1; "
            "convert one with `openssl rsa -in KEY -out KEY.rsa -traditional`)"
        ) from None
    return DkimSigner(smtp.dkim_selector, smtp.dkim_domain, key)


def _header_lines(message: bytes) -> list[bytes]:
    head = message.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in message else message.split(b"\n\n", 1)[0]
    return [line for line in head.splitlines() if line and not line[:1].isspace()]


__all__ = ["SIGNED_HEADERS", "DkimSigner", "signer_for"]
