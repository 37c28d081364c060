"""What every token provider offers, and the error every OAuth 2.0 failure becomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

RELOGIN = "run `mln auth login` again"
# Scopes an identity platform adds or answers for itself: never checked against a grant.
RESERVED_SCOPES = frozenset({"offline_access", "openid", "profile", "email"})


@dataclass(frozen=True)
class Token:
    """A bearer token and what we know about it. The token itself never shows in repr."""

    access_token: str = field(repr=False)
    expires_at: float  # seconds since the epoch, by our own clock
    identity: str = ""
    scopes: tuple[str, ...] = ()  # as granted, when the token endpoint said


@dataclass(frozen=True)
class DeviceCode:
    """A device-code sign-in in progress: a person opens `verification_uri` and types `user_code`."""

    user_code: str
    verification_uri: str
    message: str
    expires_at: float
    interval: int
    state: Any = field(repr=False, default=None)  # the library's own flow object


class Provider(Protocol):
    """One identity platform's library behind the same four calls."""

    def fetch(self, force: bool) -> Token:
        """The current token: from the library's cache unless `force`, else from the token endpoint."""

    def start_device_login(self) -> DeviceCode:
        """Ask the device authorization endpoint for a code for a person to enter."""

    def poll_device_login(self, device: DeviceCode) -> Token | None:
        """One poll of the token endpoint: a token once the person signed in, None while pending."""

    def identity(self) -> str:
        """Who the tokens are for (a user name, or the application's client id)."""


def oauth_error_message(error: str, description: str, where: str, secret_env: str) -> str:
    """One line for an OAuth 2.0 error response, saying what to do next."""
    detail = (description or "").strip().splitlines()[0] if (description or "").strip() else ""
    said = f"{error}: {detail}" if detail else error
    if error == "invalid_grant":
        return f"{where} says the saved sign-in has expired or was revoked ({said}); {RELOGIN}"
    if error in ("invalid_client", "unauthorized_client"):
        return (
            f"{where} refused this application ({said}); check oauth2.client_id and ${secret_env} "
            f"(or the certificate), then {RELOGIN}"
        )
    if error == "invalid_scope":
        return f"{where} refused the scopes ({said}); grant them to the app registration, then {RELOGIN}"
    if error in ("expired_token", "access_denied", "authorization_declined"):
        return f"the device sign-in did not complete ({said}); {RELOGIN}"
    return f"{where} refused to issue a token ({said}); {RELOGIN}"


def missing_scopes(wanted: tuple[str, ...], granted: tuple[str, ...]) -> list[str]:
    """Scopes asked for that a token's grant lacks (only when the endpoint listed what it granted)."""
    if not granted:
        return []
    have = {s.lower() for s in granted}
    return [s for s in wanted if s.lower() not in have and s not in RESERVED_SCOPES and not s.endswith("/.default")]
