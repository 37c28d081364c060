"""A small identity platform in-process: token endpoint, device authorization, discovery, introspection.

It speaks HTTPS (for MSAL, which insists on an https authority) with a
certificate from a throw-away CA, and plain HTTP for Dovecot's introspection
requests. It issues opaque random tokens and remembers each one, so a test can
revoke, expire or narrow them, or move the server's clock.

    server.add_client("app-id", secret="s3cret", mailbox="user5")  # client credentials for one mailbox
    server.add_client("public-id")                                  # device code, public client
    server.approve_as = "user7"       # the person who enters every device code
    server.revoke_all()               # every token and refresh token inactive
    server.skew = 7200                # the server's clock runs two hours ahead
    server.grant_scopes = ["https://graph.microsoft.com/User.Read"]  # grant less than asked
"""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Scopes that let a token open the mailbox (what Exchange Online would insist on).
IMAP_SCOPES = {
    "https://outlook.office365.com/IMAP.AccessAsUser.All",
    "https://outlook.office365.com/.default",
    "imap",
    "https://mail.google.com/",
}
SMTP_SCOPES = {
    "https://outlook.office365.com/SMTP.Send",
    "https://outlook.office365.com/.default",
    "smtp",
    "https://mail.google.com/",
}


@dataclass
class Client:
    client_id: str
    secret: str = ""
    certificate_pem: bytes = b""
    mailbox: str = ""  # the one mailbox an application (client credentials) may open


@dataclass
class Issued:
    user: str
    scopes: list[str]
    expires: float  # by the server's clock
    active: bool = True


@dataclass
class OAuthServer:
    tenant: str = "nhs-test-tenant"
    expires_in: int = 3600
    skew: float = 0.0  # the identity platform's clock minus ours
    resource_skew: float = 0.0  # the mail server's clock minus the identity platform's
    send_expires_at: bool = False  # also answer an absolute expires_at (by the platform's clock)
    introspection_down: bool = False  # the introspection endpoint answers 503
    approve_as: str = ""
    grant_scopes: list[str] | None = None
    clients: dict[str, Client] = field(default_factory=dict)
    tokens: dict[str, Issued] = field(default_factory=dict)
    refresh_tokens: dict[str, Issued] = field(default_factory=dict)
    devices: dict[str, dict] = field(default_factory=dict)
    service_accounts: dict[str, bytes] = field(
        default_factory=dict
    )  # client_email -> public key PEM (delegation granted)
    requests: list[dict] = field(default_factory=list)  # every token-endpoint request's form (for assertions)
    introspections: int = 0
    https_port: int = 0
    http_port: int = 0
    ca_file: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- set-up and faults --------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.expires_in, self.skew, self.approve_as, self.grant_scopes = 3600, 0.0, "", None
            self.resource_skew, self.send_expires_at, self.introspection_down = 0.0, False, False
            for store in (self.clients, self.tokens, self.refresh_tokens, self.devices, self.service_accounts):
                store.clear()
            self.requests.clear()
            self.introspections = 0

    def add_client(self, client_id: str, secret: str = "", certificate_pem: bytes = b"", mailbox: str = "") -> None:
        self.clients[client_id] = Client(client_id, secret, certificate_pem, mailbox)

    def now(self) -> float:
        return time.time() + self.skew

    def revoke_all(self) -> None:
        for issued in [*self.tokens.values(), *self.refresh_tokens.values()]:
            issued.active = False

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is past its expiry by the server's clock (ours does not know)."""
        for issued in self.tokens.values():
            issued.expires = self.now() - 1

    def expire_refresh_tokens(self) -> None:
        for issued in self.refresh_tokens.values():
            issued.expires = self.now() - 1

    def grants(self, grant_type: str) -> int:
        return sum(1 for r in self.requests if r.get("grant_type") == grant_type)

    # ---- URLs -----------------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def authority(self) -> str:
        return f"{self.base}/{self.tenant}"

    @property
    def token_url(self) -> str:
        return f"{self.authority}/oauth2/v2.0/token"

    @property
    def device_url(self) -> str:
        return f"{self.authority}/oauth2/v2.0/devicecode"

    @property
    def introspection_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/introspect"

    # ---- what a resource server asks ----------------------------------------------
    def introspect(self, token: str, needs: set[str] = IMAP_SCOPES) -> dict:
        with self.lock:
            self.introspections += 1
            issued = self.tokens.get(token)
            expired = issued is not None and issued.expires <= self.now() + self.resource_skew
            if issued is None or not issued.active or expired or not needs & set(issued.scopes):
                return {"active": False}
            return {"active": True, "username": issued.user, "scope": " ".join(issued.scopes)}

    # ---- endpoints --------------------------------------------------------------------
    def discovery(self) -> dict:
        return {
            "issuer": f"{self.authority}/v2.0",
            "authorization_endpoint": f"{self.authority}/oauth2/v2.0/authorize",
            "token_endpoint": self.token_url,
            "device_authorization_endpoint": self.device_url,
        }

    def device_code(self, form: dict) -> tuple[int, dict]:
        client = self.clients.get(form.get("client_id", ""))
        if client is None:
            return 400, {"error": "unauthorized_client", "error_description": "AADSTS700016: application not found"}
        code, user_code = secrets.token_urlsafe(24), secrets.token_hex(4).upper()
        self.devices[code] = {
            "client_id": client.client_id,
            "scopes": form.get("scope", "").split(),
            "user_code": user_code,
        }
        uri = f"{self.base}/devicelogin"
        return 200, {
            "device_code": code,
            "user_code": user_code,
            "verification_uri": uri,
            "expires_in": 900,
            "interval": 1,
            "message": f"To sign in, use a web browser to open the page {uri} and enter the code {user_code} to authenticate.",
        }

    def token(self, form: dict) -> tuple[int, dict]:
        with self.lock:
            self.requests.append(dict(form))
        if form.get("grant_type") == JWT_BEARER_GRANT:
            return self._service_account_grant(form.get("assertion", ""))
        client, problem = self._client(form)
        if problem:
            return 401, {"error": "invalid_client", "error_description": problem}
        grant = form.get("grant_type")
        if grant == "client_credentials":
            return 200, self._issue(client.mailbox, form.get("scope", "").split(), refresh=False)
        if grant == DEVICE_GRANT:
            device = self.devices.get(form.get("device_code", ""))
            if device is None:
                return 400, {"error": "expired_token", "error_description": "AADSTS70020: the device code expired"}
            if not self.approve_as:
                return 400, {"error": "authorization_pending", "error_description": "AADSTS70016: pending"}
            del self.devices[form["device_code"]]
            return 200, self._issue(self.approve_as, device["scopes"], refresh=True)
        if grant == "refresh_token":
            issued = self.refresh_tokens.get(form.get("refresh_token", ""))
            if issued is None or not issued.active:
                return 400, {"error": "invalid_grant", "error_description": "AADSTS50173: the grant was revoked"}
            if issued.expires <= self.now():
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "AADSTS700082: the refresh token has expired",
                }
            return 200, self._issue(issued.user, form.get("scope", "").split() or issued.scopes, refresh=True)
        return 400, {"error": "unsupported_grant_type"}

    def _service_account_grant(self, assertion: str) -> tuple[int, dict]:
        """Google's domain-wide delegation: a service account signs "let me act as SUB with SCOPE"."""
        issuer = jwt.decode(assertion, options={"verify_signature": False}).get("iss", "")
        if issuer not in self.service_accounts:
            return 401, {"error": "invalid_client", "error_description": "The OAuth client was not found."}
        try:
            claims = jwt.decode(assertion, self.service_accounts[issuer], algorithms=["RS256"], audience=self.token_url)
        except jwt.PyJWTError as exc:
            return 400, {"error": "invalid_grant", "error_description": f"Invalid JWT Signature: {exc}"}
        return 200, self._issue(claims.get("sub", ""), claims.get("scope", "").split(), refresh=False)

    def _client(self, form: dict) -> tuple[Client | None, str]:
        client = self.clients.get(form.get("client_id", ""))
        if client is None:
            return None, "AADSTS700016: application not found in the directory"
        if form.get("client_assertion_type") == ASSERTION_TYPE:
            return client, self._check_assertion(client, form.get("client_assertion", ""))
        if client.secret and form.get("client_secret") != client.secret:
            return client, "AADSTS7000215: invalid client secret provided"
        if client.certificate_pem and not client.secret:
            return client, "AADSTS700027: a client assertion is required"
        return client, ""

    def _check_assertion(self, client: Client, assertion: str) -> str:
        from cryptography import x509

        if not client.certificate_pem:
            return "AADSTS700027: no certificate registered"
        key = x509.load_pem_x509_certificate(client.certificate_pem).public_key()
        try:
            claims = jwt.decode(assertion, key, algorithms=["RS256", "PS256"], audience=self.token_url)
        except jwt.PyJWTError as exc:
            return f"AADSTS700027: client assertion failed signature validation: {exc}"
        return "" if claims.get("sub") == client.client_id else "AADSTS700027: wrong subject"

    def _issue(self, user: str, asked: list[str], refresh: bool) -> dict:
        scopes = (
            self.grant_scopes
            if self.grant_scopes is not None
            else [s for s in asked if s not in ("openid", "profile", "offline_access")]
        )
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = Issued(user, list(scopes), self.now() + self.expires_in)
        answer = {
            "token_type": "Bearer",
            "access_token": token,
            "expires_in": self.expires_in,
            "scope": " ".join(scopes),
        }
        if self.send_expires_at:
            answer["expires_at"] = int(self.now() + self.expires_in)
        if refresh:
            rt = secrets.token_urlsafe(32)
            with self.lock:
                self.refresh_tokens[rt] = Issued(user, list(scopes), self.now() + 90 * 86400)
            answer["refresh_token"] = rt
            answer["id_token"] = _unsigned_jwt(
                {
                    "iss": f"{self.authority}/v2.0",
                    "sub": user,
                    "aud": "x",
                    "oid": user,
                    "tid": self.tenant,
                    "preferred_username": f"{user}@example.nhs.test",
                    "exp": int(time.time()) + 3600,
                    "iat": int(time.time()),
                }
            )
            answer["client_info"] = _b64(json.dumps({"uid": user, "utid": self.tenant}).encode())
        return answer


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned_jwt(claims: dict) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}.sig"


class _Handler(BaseHTTPRequestHandler):
    server_version = "TestIdP/1"
    oauth: OAuthServer

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        if self.path.rstrip("/").endswith("/v2.0/.well-known/openid-configuration"):
            return self._answer(200, self.oauth.discovery())
        self._answer(404, {"error": "not_found"})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()}
        path = urlsplit(self.path).path
        if path == "/introspect" and self.oauth.introspection_down:
            return self._answer(503, {"error": "temporarily_unavailable"})
        if path == "/introspect":
            return self._answer(200, self.oauth.introspect(form.get("token", "")))
        if path.endswith("/oauth2/v2.0/token"):
            return self._answer(*self.oauth.token(form))
        if path.endswith("/oauth2/v2.0/devicecode"):
            return self._answer(*self.oauth.device_code(form))
        self._answer(404, {"error": "not_found"})

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def start_oauth_server(ca, ca_file: str) -> tuple[OAuthServer, list[ThreadingHTTPServer]]:
    """Start HTTPS (certificate from `ca`, a trustme.CA) and HTTP listeners on loopback ports."""
    oauth = OAuthServer(ca_file=ca_file)
    handler = type("Handler", (_Handler,), {"oauth": oauth})
    https = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    https.socket = context.wrap_socket(https.socket, server_side=True)
    http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    oauth.https_port, oauth.http_port = https.server_address[1], http.server_address[1]
    for server in (https, http):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return oauth, [https, http]
