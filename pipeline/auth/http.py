"""HTTP sessions for token endpoints that honour oauth2.ca_file and oauth2.timeout.

requests lets $REQUESTS_CA_BUNDLE override a session's `verify`, but not a
`verify=` given with each request: so the CA file is passed per request.
"""

from __future__ import annotations

from typing import Any

import requests


class CaFileMixin:
    """Adds `verify=ca_file` and a timeout to every request that does not set its own."""

    ca_file: str = ""
    default_timeout: float = 30.0

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.default_timeout)
        if self.ca_file and kwargs.get("verify") in (None, True):
            kwargs["verify"] = self.ca_file
        return super().request(method, url, *args, **kwargs)  # type: ignore[misc]


class TokenHttpSession(CaFileMixin, requests.Session):  # type: ignore[misc]  # request(): same call, typed loosely
    """A plain requests session for MSAL (its `http_client`)."""


def http_session(ca_file: str, timeout: float) -> TokenHttpSession:
    session = TokenHttpSession()
    session.ca_file = ca_file
    session.default_timeout = timeout
    return session
