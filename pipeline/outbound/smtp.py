"""One SMTP connection: endpoint, TLS, greeting and login, and the transaction for one message.

`SmtpConnection.send()` delivers one message to one recipient over a connection
opened on first use and reused after, and says how it went by raising:

    returns            the server accepted the message (250 after DATA)
    TemporaryFailure   4xx, a dropped connection or a timeout: try again later
    PermanentFailure   5xx at RCPT or DATA: a hard bounce
    SmtpError          the server cannot be reached, or refuses us (our sender, our login):
                       no recipient's fault, so the whole run stops

It knows nothing of the outbox or the database: the sending run
(pipeline/outbound/sender.py) decides what each outcome means for a queued row.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from pipeline.config import Settings
from pipeline.errors import ConfigError, SmtpError


class TemporaryFailure(Exception):
    """This message could not be sent now; try it again later."""

    def __init__(self, code: int, text: str, reconnect: bool = False) -> None:
        super().__init__(f"{code} {text}" if code else text)
        self.code = code
        self.text = text
        self.reconnect = reconnect


class PermanentFailure(Exception):
    """The server refused this message for good (5xx): a hard bounce."""

    def __init__(self, code: int, text: str, stage: str) -> None:
        super().__init__(f"{code} {text} (at {stage})")
        self.code = code
        self.text = text
        self.stage = stage


def dot_stuffed(data: bytes) -> bytes:
    r"""Each line that starts with "." gets another (RFC 5321 4.5.2): what smtplib's
    re.sub(rb"(?m)^\.", b"..", data) gives, without a regular expression's pass over
    every byte of an 80 KB bulletin (a tenth of the sender's time per copy)."""
    stuffed = data.replace(b"\n.", b"\n..")
    return b"." + stuffed if stuffed.startswith(b".") else stuffed


# Replies about us (authentication needed or refused), not about the recipient.
_REFUSES_US = {530, 534, 535, 538}


class _StaleConnection(Exception):
    """The connection was gone before a message began; nothing was sent on it."""


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool


def parse_endpoint(settings: Settings) -> Endpoint:
    """smtp://host[:port] (STARTTLS when smtp.starttls is true) or smtps://host[:port]."""
    parts = urlsplit(settings.smtp.url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError(f"smtp.url {settings.smtp.url!r}: use smtp://HOST[:PORT] or smtps://HOST[:PORT]")
    implicit = parts.scheme == "smtps"
    default_port = 465 if implicit else (587 if settings.smtp.starttls else 25)
    return Endpoint(parts.hostname, parts.port or default_port, implicit, settings.smtp.starttls and not implicit)


def tls_context(settings: Settings) -> ssl.SSLContext:
    """Certificates are verified unless smtp.tls_verify is false; smtp.ca_file adds a trust root."""
    context = ssl.create_default_context(cafile=settings.smtp.ca_file or None)
    if not settings.smtp.tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class SmtpConnection:
    """One SMTP session, opened on first use and reused for every message after."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.endpoint = parse_endpoint(settings)
        self._smtp: smtplib.SMTP | None = None
        self.opened = 0  # how many times a connection was opened (for reports and tests)

    def open(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        ep, cfg = self.endpoint, self.settings.smtp
        where = f"{ep.host}:{ep.port}"
        smtp: smtplib.SMTP | None = None
        try:
            smtp = self._connect(ep, cfg.timeout)
            _no_delay(smtp)
            self._greet(smtp, where)
        except BaseException:
            if smtp is not None:
                smtp.close()
            raise
        self._smtp = smtp
        self.opened += 1
        return smtp

    def _greet(self, smtp: smtplib.SMTP, where: str) -> None:
        """EHLO, STARTTLS when configured, AUTH when a user is set; SmtpError says what to fix."""
        ep, cfg = self.endpoint, self.settings.smtp
        try:
            smtp.ehlo()
            if ep.starttls:
                if not smtp.has_extn("starttls"):
                    raise SmtpError(f"{where} does not offer STARTTLS; set smtp.starttls = false or use smtps://")
                smtp.starttls(context=tls_context(self.settings))
                smtp.ehlo()
            if cfg.auth == "oauth2":  # AUTH XOAUTH2 with a token from [oauth2]; raises SmtpError itself
                from pipeline.auth import smtp_oauth2_login

                smtp_oauth2_login(smtp, cfg.user, self.settings, where)
            elif cfg.user:
                smtp.login(cfg.user, str(cfg.password))
        except smtplib.SMTPAuthenticationError as exc:
            raise SmtpError(
                f"{where} refused the login for smtp.user {cfg.user!r} ({exc.smtp_code}); check the user and ${cfg.password_env}"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise SmtpError(
                f"{where} does not offer AUTH (before TLS?); use smtps:// or smtp.starttls = true, or leave smtp.user empty"
            ) from None
        except ssl.SSLError as exc:
            raise SmtpError(f"TLS with {where} failed: {exc}; check smtp.ca_file (or smtp.tls_verify)") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpError(
                f"cannot connect to SMTP server {where}: {_describe(exc)}; is the server running? check smtp.url"
            ) from None

    def _connect(self, ep: Endpoint, timeout: float) -> smtplib.SMTP:
        try:
            if ep.implicit_tls:
                return smtplib.SMTP_SSL(ep.host, ep.port, timeout=timeout, context=tls_context(self.settings))
            return smtplib.SMTP(ep.host, ep.port, timeout=timeout)
        except socket.gaierror:
            raise SmtpError(f"the host name {ep.host!r} in smtp.url does not resolve; check its spelling") from None
        except ssl.SSLError as exc:
            raise SmtpError(
                f"TLS with {ep.host}:{ep.port} failed: {exc}; check smtp.ca_file (or smtp.tls_verify)"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpError(
                f"cannot connect to SMTP server {ep.host}:{ep.port}: {_describe(exc)}; is the server running? check smtp.url"
            ) from None

    def send(
        self, envelope_from: str, recipient: str, data: bytes, before_end: Callable[[], None] = lambda: None
    ) -> None:
        """Deliver one message to one recipient, or raise TemporaryFailure / PermanentFailure.

        `before_end()` runs after the message's body is on the wire and before the final
        "." that asks the server to take it; if it raises, the connection is dropped
        and the server discards the message.
        """
        reused = self._smtp is not None
        try:
            self._transaction(envelope_from, recipient, data, before_end)
        except _StaleConnection as exc:
            if not reused:
                raise TemporaryFailure(0, str(exc), reconnect=True) from None
            # The server dropped an idle connection before this message began: reconnect once.
            try:
                self._transaction(envelope_from, recipient, data, before_end)
            except _StaleConnection as again:
                raise TemporaryFailure(0, str(again), reconnect=True) from None

    def _transaction(self, envelope_from: str, recipient: str, data: bytes, before_end: Callable[[], None]) -> None:
        smtp = self.open()
        stage = "MAIL"
        try:
            self._expect(smtp, stage, smtp.mail(envelope_from))
            stage = "RCPT"
            self._expect(smtp, stage, smtp.rcpt(recipient))
            stage = "DATA"
            self._expect(smtp, stage, self._data(smtp, data, before_end))
        except smtplib.SMTPDataError as exc:  # DATA itself refused (no 354)
            self._expect(smtp, "DATA", (exc.smtp_code, exc.smtp_error))
        except UnicodeEncodeError:
            self._reset(smtp)
            raise PermanentFailure(0, f"address {recipient!r} or {envelope_from!r} is not plain ASCII", stage) from None
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
            self.close()
            if stage == "MAIL" and isinstance(exc, (smtplib.SMTPServerDisconnected, ConnectionError)):
                raise _StaleConnection(_describe(exc)) from None
            raise TemporaryFailure(getattr(exc, "smtp_code", 0), _describe(exc), reconnect=True) from None

    def _data(self, smtp: smtplib.SMTP, data: bytes, before_end: Callable[[], None]) -> tuple[int, bytes]:
        """smtplib's DATA, with `before_end` between the body and the final "."."""
        code, reply = smtp.docmd("data")
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        body = dot_stuffed(data)
        smtp.send(body if body.endswith(b"\r\n") else body + b"\r\n")
        try:
            before_end()
        except BaseException:
            self._smtp = None
            smtp.close()  # no QUIT: the server would read it as part of the message
            raise
        smtp.send(b".\r\n")
        return smtp.getreply()

    def _expect(self, smtp: smtplib.SMTP, stage: str, reply: tuple[int, bytes | str]) -> None:
        code, raw = reply
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        if 200 <= code < 300:
            return
        if code == 421 or code < 0:  # 421: the server is closing this connection
            self.close()
            raise TemporaryFailure(code, text, reconnect=True)
        self._reset(smtp)
        if code in _REFUSES_US or (stage == "MAIL" and code >= 500):
            # Our sender or our login is refused: no recipient's fault, and every message would fail.
            self.close()
            raise SmtpError(
                f"the SMTP server refused us at {stage}: {code} {text}; check smtp.from_address, smtp.user "
                "and the server's relay rules (messages stay queued)"
            )
        if 500 <= code < 600:
            raise PermanentFailure(code, text, stage)
        raise TemporaryFailure(code, text)

    def _reset(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _no_delay(smtp: smtplib.SMTP) -> None:
    """Send small writes at once. The final "." of a message goes in a write of its own,
    after the body (see `_data`); with Nagle's algorithm it waited for the server's
    delayed ACK of the body, some 40 ms per message: a ceiling of ~20 messages a second."""
    if smtp.sock is not None:
        try:
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # not a TCP socket: nothing to tune
            pass


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timed out (smtp.timeout)"
    return str(exc) or type(exc).__name__


__all__ = [
    "Endpoint",
    "PermanentFailure",
    "SmtpConnection",
    "TemporaryFailure",
    "dot_stuffed",
    "parse_endpoint",
    "tls_context",
]
