"""One token source per process and configuration: renews before expiry, backs off after failures.

A long-running worker asks for a token before every login. The source answers
from memory while the token has more than oauth2.refresh_margin seconds left,
renews it otherwise, and after a failure does not ask the token endpoint again
until a backoff delay has passed (30 s doubling to 15 min). The failure itself
reaches the user as the one-line MailboxError / SmtpError its caller raises (the
worker logs that line and retries with its own backoff); here it is only logged
at INFO, once per reason, for `-v` runs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from pipeline.auth.base import RELOGIN, Provider, Token, missing_scopes
from pipeline.auth.cache import TokenCacheFile
from pipeline.config import Settings, resolve_local_path
from pipeline.errors import AuthError, ConfigError

log = logging.getLogger(__name__)
BACKOFF_FIRST = 30.0
BACKOFF_MAX = 900.0
PROVIDERS = ("microsoft", "google", "generic")
FLOWS = ("client_credentials", "device_code")


class TokenSource:
    def __init__(
        self,
        provider: Provider,
        wanted_scopes: tuple[str, ...],
        margin: float,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider = provider
        self.wanted = wanted_scopes
        self.margin = margin
        self.clock = clock
        self.monotonic = monotonic
        self.failures = 0
        self.last_error = ""
        self._token: Token | None = None
        self._retry_at: float | None = None
        self._lock = threading.Lock()

    def token(self, force_refresh: bool = False) -> Token:
        """A token with more than `margin` seconds left; `force_refresh` after a server refused ours."""
        with self._lock:
            if not force_refresh and self._fresh(self._token):
                return self._token  # type: ignore[return-value]
            self._respect_backoff()
            try:
                token = self.provider.fetch(force=force_refresh)
                if not force_refresh and not self._fresh(token):
                    token = self.provider.fetch(force=True)  # renew before it expires, not after
                self._check_scopes(token)
            except AuthError as exc:
                self._failed(str(exc))
                raise
            self._succeeded()
            self._token = token
            return token

    def accepted(self, token: Token) -> None:
        """A fresh token was obtained some other way (`mln auth login`): use it, forget failures."""
        with self._lock:
            self._token = token
            self._succeeded()

    def _fresh(self, token: Token | None) -> bool:
        return token is not None and token.expires_at - self.margin > self.clock()

    def _check_scopes(self, token: Token) -> None:
        missing = missing_scopes(self.wanted, token.scopes)
        if missing:
            raise AuthError(
                f"the token was granted {' '.join(token.scopes)} but not {' '.join(missing)}: add that "
                f"permission to the app registration (with admin consent), then {RELOGIN}"
            )

    def _respect_backoff(self) -> None:
        if self._retry_at is None:
            return
        left = self._retry_at - self.monotonic()
        if left > 0:
            raise AuthError(f"{self.last_error} (next try in {left:.0f}s)")

    def _failed(self, message: str) -> None:
        self.failures += 1
        self._retry_at = self.monotonic() + min(BACKOFF_FIRST * 2 ** (self.failures - 1), BACKOFF_MAX)
        if message != self.last_error:
            log.info("oauth2: %s", message)  # once per reason, not once per attempt
        self.last_error = message

    def _succeeded(self) -> None:
        if self.failures:
            log.info("oauth2: a token was obtained again after %d failed attempt(s)", self.failures)
        self.failures = 0
        self.last_error = ""
        self._retry_at = None


_SOURCES: dict[tuple, TokenSource] = {}
_SOURCES_LOCK = threading.Lock()


def token_source(settings: Settings) -> TokenSource:
    """The process's token source for these settings (kept, so a worker reuses its token)."""
    key = (settings.oauth2, settings.base_dir)
    with _SOURCES_LOCK:
        if key not in _SOURCES:
            provider = make_provider(settings)
            _SOURCES[key] = TokenSource(provider, provider.scopes, settings.oauth2.refresh_margin)  # type: ignore[attr-defined]
        return _SOURCES[key]


def forget_token_sources() -> None:
    """Drop every kept source (tests; or after the configuration changed)."""
    with _SOURCES_LOCK:
        _SOURCES.clear()


def make_provider(settings: Settings) -> Provider:
    cfg = settings.oauth2
    if cfg.provider not in PROVIDERS:
        raise ConfigError(f"oauth2.provider {cfg.provider!r} in {settings.source}: use one of {', '.join(PROVIDERS)}")
    if cfg.flow not in FLOWS:
        raise ConfigError(f"oauth2.flow {cfg.flow!r} in {settings.source}: use one of {', '.join(FLOWS)}")
    if not cfg.client_id:
        raise ConfigError(f"oauth2.client_id is not set in {settings.source}; see docs/nhsmail-oauth.md")
    owner = {
        "provider": cfg.provider,
        "client_id": cfg.client_id,
        "flow": cfg.flow,
        "endpoint": cfg.authority or cfg.token_url or cfg.tenant,
    }
    cache = TokenCacheFile(resolve_local_path(settings, cfg.token_cache), owner)

    def resolve(path: str):  # type: ignore[no-untyped-def]
        return resolve_local_path(settings, path)

    if cfg.provider == "microsoft":
        from pipeline.auth.microsoft import MicrosoftProvider

        return MicrosoftProvider(cfg, cache, resolve)
    from pipeline.auth.generic import AuthlibProvider

    return AuthlibProvider(cfg, cache, resolve)
