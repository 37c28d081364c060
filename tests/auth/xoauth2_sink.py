"""An aiosmtpd sink that accepts AUTH XOAUTH2 when the local identity platform says the token is
active, allows sending, and belongs to the user named in the XOAUTH2 string."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from aiosmtpd.smtp import AuthResult
from auth.oauth_server import SMTP_SCOPES, OAuthServer
from fixtures.smtp import SinkHandler, _QuietController, free_port

ERROR_CHALLENGE = base64.b64encode(
    json.dumps({"status": "401", "schemes": "bearer", "scope": "https://outlook.office365.com/SMTP.Send"}).encode()
).decode()


class XOAuth2Handler(SinkHandler):
    oauth: OAuthServer
    logins: list[str]

    async def auth_XOAUTH2(self, server, args):  # noqa: N802 (aiosmtpd finds AUTH mechanisms by this name)
        if len(args) > 1:
            raw = base64.b64decode(args[1])
        else:  # no initial response: ask for it (challenge_auth decodes the answer)
            raw = await server.challenge_auth("", encode_to_b64=False)
        if not isinstance(raw, bytes):
            return AuthResult(success=False, handled=True)  # aborted; aiosmtpd already answered
        fields = dict(part.split("=", 1) for part in raw.decode("utf-8", "replace").split("\x01") if "=" in part)
        user, bearer = fields.get("user", ""), fields.get("auth", "")
        answer = self.oauth.introspect(bearer.removeprefix("Bearer "), needs=SMTP_SCOPES)
        if answer.get("active") and answer.get("username") == user:
            self.logins.append(user)
            return AuthResult(success=True, auth_data=user)
        # XOAUTH2: a 334 with error details, the client answers with an empty line, then 535.
        await server.challenge_auth(ERROR_CHALLENGE, encode_to_b64=False)
        return AuthResult(success=False, handled=False)


@dataclass
class XOAuth2Sink:
    handler: XOAuth2Handler
    host: str
    port: int

    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def messages(self):
        return self.handler.messages


def start_xoauth2_sink(oauth: OAuthServer) -> tuple[_QuietController, XOAuth2Handler]:
    handler = XOAuth2Handler()
    handler.oauth = oauth
    handler.logins = []
    # No TLS on loopback in tests; _QuietController silences aiosmtpd's warning about exactly that.
    controller = _QuietController(
        handler, hostname="127.0.0.1", port=free_port(), auth_required=True, auth_require_tls=False
    )
    controller.start()
    return controller, handler
