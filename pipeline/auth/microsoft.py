"""Microsoft Entra ID (NHSmail, Microsoft 365) through MSAL.

Client credentials (an application with access to the mailbox) for an
unattended worker; device code (a person signs in once as the mailbox) for a
delegated mailbox. MSAL keeps its own token cache; we persist it in the 0600
token cache file.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

import jwt
import requests

from pipeline.auth.base import RESERVED_SCOPES, DeviceCode, Token, oauth_error_message
from pipeline.auth.cache import TokenCacheFile
from pipeline.auth.http import http_session
from pipeline.config import OAuth2Settings
from pipeline.errors import AuthError, ConfigError

DEFAULT_AUTHORITY = "https://login.microsoftonline.com/{tenant}"
RESOURCE = "https://outlook.office365.com"
CLIENT_SCOPES = (f"{RESOURCE}/.default",)
DELEGATED_SCOPES = (f"{RESOURCE}/IMAP.AccessAsUser.All", f"{RESOURCE}/SMTP.Send", "offline_access")
PENDING = ("authorization_pending", "slow_down")

# MSAL's debug lines can carry request bodies; a -vv run must never put a token in a log.
logging.getLogger("msal").setLevel(logging.INFO)


class MicrosoftProvider:
    def __init__(self, cfg: OAuth2Settings, cache: TokenCacheFile, resolve: Callable[[str], Any]) -> None:
        self.cfg = cfg
        self.cache = cache
        self.resolve = resolve
        self.authority = (cfg.authority or DEFAULT_AUTHORITY.format(tenant=cfg.tenant or "organizations")).rstrip("/")
        self.scopes = tuple(cfg.scopes) or (CLIENT_SCOPES if cfg.flow == "client_credentials" else DELEGATED_SCOPES)
        self._app: Any = None
        self._msal_cache: Any = None

    @property
    def where(self) -> str:
        return f"the token endpoint of {self.authority}"

    # ---- tokens -------------------------------------------------------------------

    def fetch(self, force: bool) -> Token:
        app = self._application()
        # MSAL adds offline_access / openid / profile itself and refuses them if asked.
        scopes = [s for s in self.scopes if s not in RESERVED_SCOPES]
        if self.cfg.flow == "client_credentials":
            if force:
                app.remove_tokens_for_client()
            result = self._call(app.acquire_token_for_client, scopes)
            identity = f"application {self.cfg.client_id}"
        else:
            accounts = app.get_accounts()
            if not accounts:
                raise AuthError(f"no saved sign-in in {self.cache.path}; run `mln auth login`")
            result = self._call(app.acquire_token_silent_with_error, scopes, account=accounts[0], force_refresh=force)
            if result is None:
                raise AuthError(
                    f"the saved sign-in in {self.cache.path} has no usable refresh token; run `mln auth login` again"
                )
            identity = accounts[0].get("username", "")
        self._save()
        return self._token(result, identity)

    def identity(self) -> str:
        if self.cfg.flow == "client_credentials":
            return f"application {self.cfg.client_id}"
        accounts = self._application().get_accounts()
        return accounts[0].get("username", "") if accounts else ""

    # ---- device code ----------------------------------------------------------------

    def start_device_login(self) -> DeviceCode:
        scopes = [s for s in self.scopes if s not in RESERVED_SCOPES]
        flow = self._call(self._application().initiate_device_flow, scopes=scopes)
        if "user_code" not in flow:
            raise AuthError(
                oauth_error_message(
                    flow.get("error", "no device code"),
                    flow.get("error_description", ""),
                    self.where,
                    self.cfg.client_secret_env,
                )
            )
        return DeviceCode(
            flow["user_code"],
            flow["verification_uri"],
            flow.get("message", ""),
            float(flow["expires_at"]),
            int(flow.get("interval", 5)),
            flow,
        )

    def poll_device_login(self, device: DeviceCode) -> Token | None:
        # exit_condition: one request per call; the caller does the waiting.
        result = self._call(
            self._application().acquire_token_by_device_flow, device.state, exit_condition=lambda flow: True
        )
        if result.get("error") in PENDING:
            return None
        claims = result.get("id_token_claims") or {}
        token = self._token(result, claims.get("preferred_username") or claims.get("upn") or "")
        app = self._application()
        for account in app.get_accounts():  # signed in as someone else before: forget them
            if account.get("username") != token.identity:
                app.remove_account(account)
        self._save()
        return token

    # ---- MSAL -------------------------------------------------------------------------

    def _application(self) -> Any:
        if self._app is not None:
            return self._app
        import msal

        self._msal_cache = msal.SerializableTokenCache()
        stored = self.cache.load().get("msal")
        if stored:
            self._msal_cache.deserialize(stored)
        common = dict(
            authority=self.authority,
            token_cache=self._msal_cache,
            http_client=http_session(self.cfg.ca_file, self.cfg.timeout),
            # a custom authority (a sovereign cloud, or a test) must not be checked with Microsoft
            instance_discovery=not self.cfg.authority,
        )
        try:
            if self.cfg.flow == "device_code":
                self._app = msal.PublicClientApplication(self.cfg.client_id, **common)
            else:
                self._app = msal.ConfidentialClientApplication(
                    self.cfg.client_id, client_credential=self._credential(), **common
                )
        except (ValueError, requests.RequestException) as exc:
            raise AuthError(
                f"cannot use the sign-in authority {self.authority}: {_first_line(exc)}; check oauth2.tenant "
                "and oauth2.authority (it will be tried again)"
            ) from None
        return self._app

    def _credential(self) -> Any:
        if self.cfg.certificate_file:
            return certificate_credential(
                self.resolve(self.cfg.certificate_file),
                self.resolve(self.cfg.private_key_file or self.cfg.certificate_file),
            )
        if self.cfg.client_secret:
            return str(self.cfg.client_secret)
        raise ConfigError(
            f"oauth2.flow = client_credentials needs a client secret in ${self.cfg.client_secret_env} "
            "or oauth2.certificate_file + oauth2.private_key_file"
        )

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except requests.RequestException as exc:
            raise AuthError(f"cannot reach {self.where}: {_first_line(exc)} (it will be tried again)") from None
        except jwt.PyJWTError as exc:  # signing the certificate assertion failed
            raise ConfigError(
                f"cannot sign with oauth2.private_key_file (Entra ID needs an RSA key): {_first_line(exc)}"
            ) from None

    def _token(self, result: dict, identity: str) -> Token:
        if "access_token" not in result:
            raise AuthError(
                oauth_error_message(
                    result.get("error", "no token"),
                    result.get("error_description", ""),
                    self.where,
                    self.cfg.client_secret_env,
                )
            )
        granted = tuple(str(result.get("scope", "")).split())
        return Token(result["access_token"], time.time() + int(result.get("expires_in", 0)), identity, granted)

    def _save(self) -> None:
        if self._msal_cache is not None and self._msal_cache.has_state_changed:
            self.cache.save({"msal": self._msal_cache.serialize()})
            self._msal_cache.has_state_changed = False


def certificate_credential(cert_path: Any, key_path: Any) -> dict:
    """MSAL's certificate credential: the private key, the certificate and its SHA-1 thumbprint."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        cert_pem = open(cert_path, "rb").read()
        key_pem = open(key_path, "rb").read()
        cert = x509.load_pem_x509_certificate(cert_pem)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the OAuth 2.0 certificate {cert_path} / key {key_path}: {exc}") from None
    thumbprint = hashlib.sha1(cert.public_bytes(Encoding.DER)).hexdigest()  # what Entra ID shows for the certificate
    return {
        "private_key": key_pem.decode(),
        "thumbprint": thumbprint,
        "public_certificate": cert.public_bytes(Encoding.PEM).decode(),
    }


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
