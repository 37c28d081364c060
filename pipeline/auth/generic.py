"""Google and any standard OAuth 2.0 token endpoint, through authlib.

Client credentials, refresh tokens, the device authorization grant (RFC 8628),
and for Google Workspace a service account acting as the mailbox (a signed JWT
assertion, RFC 7523: domain-wide delegation). The token (with any refresh
token) is kept in the 0600 token cache file.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import requests

from pipeline.auth.base import RELOGIN, DeviceCode, Token, oauth_error_message
from pipeline.auth.cache import TokenCacheFile
from pipeline.auth.http import CaFileMixin
from pipeline.config import OAuth2Settings
from pipeline.errors import AuthError, ConfigError

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
GOOGLE_DEVICE_URL = "https://oauth2.googleapis.com/device/code"
GOOGLE_SCOPES = ("https://mail.google.com/",)
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
PENDING = ("authorization_pending", "slow_down")

logging.getLogger("authlib").setLevel(logging.INFO)  # never log request bodies (tokens)


class AuthlibProvider:
    def __init__(self, cfg: OAuth2Settings, cache: TokenCacheFile, resolve: Callable[[str], Any]) -> None:
        google = cfg.provider == "google"
        self.cfg = cfg
        self.cache = cache
        self.resolve = resolve
        self.token_url = cfg.token_url or (GOOGLE_TOKEN_URL if google else "")
        self.device_url = cfg.device_authorization_url or (GOOGLE_DEVICE_URL if google else "")
        self.scopes = tuple(cfg.scopes) or (GOOGLE_SCOPES if google else ())
        if not self.token_url:
            raise ConfigError('oauth2.token_url is needed when oauth2.provider = "generic"')

    @property
    def where(self) -> str:
        return f"the token endpoint {self.token_url}"

    def fetch(self, force: bool) -> Token:
        stored = self.cache.load()
        token = stored.get("token") or {}
        if not force and token.get("access_token") and float(token.get("expires_at", 0)) > time.time():
            return self._token(token, stored.get("identity", ""))
        if self.cfg.flow == "client_credentials" and self.cfg.service_account_file:
            account = self._service_account()
            fresh = self._request(lambda _: self._assertion_session(account).refresh_token())
            identity = f"{self.cfg.subject} (service account {account['client_email']})"
        elif self.cfg.flow == "client_credentials":
            fresh = self._request(lambda s: s.fetch_token(self.token_url, grant_type="client_credentials"))
            identity = f"application {self.cfg.client_id}"
        else:
            if not token.get("refresh_token"):
                raise AuthError(f"no saved sign-in in {self.cache.path}; run `mln auth login`")
            fresh = self._request(lambda s: s.refresh_token(self.token_url, refresh_token=token["refresh_token"]))
            fresh.setdefault("refresh_token", token["refresh_token"])  # endpoints that do not rotate it
            identity = stored.get("identity", "")
        return self._keep(fresh, identity)

    def identity(self) -> str:
        if self.cfg.flow == "client_credentials":
            return f"application {self.cfg.client_id}"
        return self.cache.load().get("identity", "")

    def start_device_login(self) -> DeviceCode:
        if not self.device_url:
            raise ConfigError('oauth2.device_authorization_url is needed for oauth2.flow = "device_code"')
        data = {"client_id": self.cfg.client_id, "scope": " ".join(self.scopes)}
        if self.cfg.client_secret:
            data["client_secret"] = str(self.cfg.client_secret)
        answer = self._request(lambda s: s.post(self.device_url, data=data, withhold_token=True)).json()
        if "device_code" not in answer:
            raise AuthError(
                oauth_error_message(
                    answer.get("error", "no device code"),
                    answer.get("error_description", ""),
                    self.device_url,
                    self.cfg.client_secret_env,
                )
            )
        uri = answer.get("verification_uri") or answer.get("verification_url", "")  # Google says _url
        interval = int(answer.get("interval", 5))
        message = f"To sign in, open {uri} and enter the code {answer['user_code']}"
        return DeviceCode(
            answer["user_code"], uri, message, time.time() + int(answer.get("expires_in", 900)), interval, answer
        )

    def poll_device_login(self, device: DeviceCode) -> Token | None:
        from authlib.integrations.base_client import OAuthError

        try:
            fresh = self._session().fetch_token(
                self.token_url, grant_type=DEVICE_GRANT, device_code=device.state["device_code"]
            )
        except OAuthError as exc:
            if exc.error == "slow_down":  # RFC 8628: wait 5 s longer from now on
                device.state["interval"] = int(device.state.get("interval", device.interval)) + 5
            if exc.error in PENDING:
                return None
            raise AuthError(
                oauth_error_message(exc.error, exc.description, self.where, self.cfg.client_secret_env)
            ) from None
        except requests.RequestException as exc:
            raise AuthError(f"cannot reach {self.where}: {exc} (it will be tried again)") from None
        return self._keep(dict(fresh), _id_token_name(fresh.get("id_token", "")))

    # ---- authlib -------------------------------------------------------------------

    def _session(self) -> Any:
        from authlib.integrations.requests_client import OAuth2Session

        class Session(CaFileMixin, OAuth2Session):
            pass

        secret = str(self.cfg.client_secret) or None
        session = Session(
            client_id=self.cfg.client_id,
            client_secret=secret,
            scope=" ".join(self.scopes) or None,
            token_endpoint_auth_method="client_secret_post" if secret else "none",
        )
        session.ca_file = self.cfg.ca_file
        session.default_timeout = self.cfg.timeout
        return session

    def _service_account(self) -> dict:
        path = self.resolve(self.cfg.service_account_file)
        try:
            account = json.loads(open(path, encoding="utf-8").read())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"oauth2.service_account_file {path}: cannot read it ({exc})") from None
        if not isinstance(account, dict) or not {"client_email", "private_key"} <= set(account):
            raise ConfigError(f"oauth2.service_account_file {path}: not a service account JSON key")
        if not self.cfg.subject:
            raise ConfigError("oauth2.subject must name the mailbox the service account acts as")
        return account

    def _assertion_session(self, account: dict) -> Any:
        from authlib.integrations.requests_client import AssertionSession

        class Session(CaFileMixin, AssertionSession):
            pass

        url = self.cfg.token_url or account.get("token_uri") or self.token_url
        # Google reads the scopes from the signed assertion itself.
        session = Session(
            token_endpoint=url,
            issuer=account["client_email"],
            subject=self.cfg.subject,
            audience=url,
            claims={"scope": " ".join(self.scopes)},
            key=_signing_key(account["private_key"]),
            header={"alg": "RS256", "kid": account.get("private_key_id", "")},
        )
        session.ca_file = self.cfg.ca_file
        session.default_timeout = self.cfg.timeout
        return session

    def _request(self, call: Callable[[Any], Any]) -> Any:
        from authlib.integrations.base_client import OAuthError

        try:
            result = call(self._session())
        except OAuthError as exc:
            raise AuthError(
                oauth_error_message(exc.error, exc.description, self.where, self.cfg.client_secret_env)
            ) from None
        except requests.RequestException as exc:
            raise AuthError(f"cannot reach {self.where}: {exc} (it will be tried again)") from None
        return dict(result) if isinstance(result, dict) else result

    def _keep(self, fresh: dict, identity: str) -> Token:
        if "access_token" not in fresh:
            raise AuthError(f"{self.where} answered without an access token; {RELOGIN}")
        fresh = dict(fresh)
        # A relative lifetime is immune to a skewed clock at either end; an absolute
        # expires_at (by the server's clock) is used only when nothing else was said.
        if "expires_in" in fresh or "expires_at" not in fresh:
            fresh["expires_at"] = time.time() + int(fresh.get("expires_in", 3600))
        self.cache.save({"token": fresh, "identity": identity})
        return self._token(fresh, identity)

    def _token(self, data: dict, identity: str) -> Token:
        return Token(
            data["access_token"], float(data["expires_at"]), identity, tuple(str(data.get("scope", "")).split())
        )


def _id_token_name(id_token: str) -> str:
    """The signed-in person's address from an OpenID id_token, without checking it (display only)."""
    try:
        payload = id_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return ""
    return str(claims.get("email") or claims.get("preferred_username") or claims.get("sub") or "")


def _signing_key(pem: str) -> Any:
    """A key object for authlib >= 1.6 (which warns about bare PEM strings); the PEM itself before."""
    try:
        from joserfc.jwk import RSAKey
    except ImportError:
        return pem
    return RSAKey.import_key(pem)
