"""Send what the outbox holds over SMTP: one reused connection, each delivery recorded once.

The order of events for one message is the whole promise:

    claim a batch of due, spooled rows (short transaction; SKIP LOCKED on PostgreSQL)
    for each row: MAIL, RCPT, DATA -> server says 250
                  -> mark that row sent in its own short transaction
                  -> remove its outbox file

Rows are written to outbox/ by a thread a window ahead of this loop
(pipeline.outbound.outbox.SpoolAhead); only rows already in their file are claimed.
Claims last minutes and are renewed before each message that could outlast them.

So a kill -9 at any point repeats at most the one message that was between
"server accepted" and "marked sent" on the connection. The record of one
message is written (in a thread of its own) while the next one goes out, but
that next message's final "." is sent only once the record is committed: a
server never holds two accepted messages that are not marked sent.
Temporary failures (4xx, dropped connections, timeouts) are tried again later
with exponential backoff via `next_attempt_at`; permanent ones (5xx at MAIL,
RCPT or DATA) mark the row failed and are reported as hard bounces.
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
import socket
import ssl
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from pipeline.store.claims import claimant_is_gone, new_claim_token
from pipeline.faults import crashpoint
from pipeline.config import Settings
from pipeline.store.db import DatabaseError, StatementWriter, transaction
from pipeline.errors import ConfigError, SmtpError
from pipeline.store.models import Outgoing, utcnow
from pipeline.people.subscribers.bounces import smtp_hard_bounce_hook
from pipeline.outbound.outbox import SpoolAhead, SpoolError, remove_spooled, spooled_file, stored_copy, sweep_sent_files

log = logging.getLogger(__name__)

BATCH_SIZE = 100
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)


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


# ---- one connection ------------------------------------------------------------


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
            raise SmtpError(f"{where} refused the login for smtp.user {cfg.user!r} ({exc.smtp_code}); check the user and ${cfg.password_env}") from None
        except smtplib.SMTPNotSupportedError:
            raise SmtpError(f"{where} does not offer AUTH (before TLS?); use smtps:// or smtp.starttls = true, or leave smtp.user empty") from None
        except ssl.SSLError as exc:
            raise SmtpError(f"TLS with {where} failed: {exc}; check smtp.ca_file (or smtp.tls_verify)") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpError(f"cannot connect to SMTP server {where}: {_describe(exc)}; is it running?") from None

    def _connect(self, ep: Endpoint, timeout: float) -> smtplib.SMTP:
        try:
            if ep.implicit_tls:
                return smtplib.SMTP_SSL(ep.host, ep.port, timeout=timeout, context=tls_context(self.settings))
            return smtplib.SMTP(ep.host, ep.port, timeout=timeout)
        except ssl.SSLError as exc:
            raise SmtpError(f"TLS with {ep.host}:{ep.port} failed: {exc}; check smtp.ca_file (or smtp.tls_verify)") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpError(f"cannot connect to SMTP server {ep.host}:{ep.port}: {_describe(exc)}; is it running?") from None

    def send(self, envelope_from: str, recipient: str, data: bytes, before_end: Callable[[], None] = lambda: None) -> None:
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
            raise SmtpError(f"the SMTP server refused us at {stage}: {code} {text}; check smtp.from_address, smtp.user "
                            "and the server's relay rules (messages stay queued)")
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


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timed out (smtp.timeout)"
    return str(exc) or type(exc).__name__


class RateLimiter:
    """At most `per_minute` message starts per minute (0: no limit)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        if self.interval and self._last is not None:
            delay = self._last + self.interval - self.clock()
            if delay > 0:
                self.sleep(delay)
        self._last = self.clock()


# ---- the send loop -----------------------------------------------------------------


@dataclass
class HardBounce:
    outgoing_id: int
    recipient: str
    subscriber_id: int | None
    code: int
    text: str
    stage: str


@dataclass
class SendReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    connections: int = 0
    hard_bounces: list[HardBounce] = field(default_factory=list)
    spool_error: str = ""
    stopped: str = ""  # why the run ended early (the server could not be reached), or ""

    @property
    def processed(self) -> int:
        return self.sent + self.deferred + self.failed

    def as_dict(self) -> dict:
        return {
            "sent": self.sent, "deferred": self.deferred, "failed": self.failed, "connections": self.connections,
            "hard_bounces": [vars(b) for b in self.hard_bounces], "spool_error": self.spool_error, "stopped": self.stopped,
        }


HardBounceHook = Callable[[Session, Outgoing, PermanentFailure], None]


def send_due(
    settings: Settings,
    *,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_hard_bounce: HardBounceHook | None = None,
    now: Callable[[], dt.datetime] = utcnow,
    limiter: RateLimiter | None = None,
) -> SendReport:
    """Spool anything new, then send every due outbox message once; return what happened.

    `on_hard_bounce(session, row, failure)` runs inside the transaction that marks
    a row failed for a 5xx reply; by default it adds a hard-bounce point to the
    row's subscriber (pipeline.people.subscribers.bounces). `progress(n)` is called
    after each message. A server that cannot be reached ends the run early with
    `report.stopped` set; every row not sent stays queued.
    """
    report = SendReport()
    _release_leftover_claims()
    sweep_sent_files(settings)
    hook = on_hard_bounce if on_hard_bounce is not None else smtp_hard_bounce_hook(settings)
    sender = _Run(settings, report, hook, now, limiter or RateLimiter(settings.smtp.rate_per_minute))
    try:
        sender.run(limit, progress)
    finally:
        sender.finish()
    return report


def count_due(settings: Settings, now: dt.datetime | None = None) -> int:
    """Queued rows a flush would try now (spooled or about to be)."""
    now = now or utcnow()
    with transaction(settings.database.url, readonly=True) as session:
        return session.scalar(select(func.count()).select_from(Outgoing).where(Outgoing.status == "queued", _is_due(now))) or 0


def _is_due(now: dt.datetime):  # type: ignore[no-untyped-def]
    return or_(Outgoing.next_attempt_at.is_(None), Outgoing.next_attempt_at <= now)


class _Run:
    """One sending run: its owner id, its connection, its rate limiter."""

    def __init__(self, settings: Settings, report: SendReport, hook: HardBounceHook | None,
                 now: Callable[[], dt.datetime], limiter: RateLimiter) -> None:
        self.settings = settings
        self.url = settings.database.url
        self.report = report
        self.hook = hook
        self.now = now
        self.limiter = limiter
        self.owner = new_owner_id()
        self.conn = SmtpConnection(settings)
        self.recorder = _Recorder(self.url)
        self.spooler = SpoolAhead(settings).start()  # what is not yet in outbox/, written as we go
        self.claimed_until: dt.datetime | None = None

    def run(self, limit: int | None, progress: Callable[[int], None] | None) -> None:
        while limit is None or self.report.processed < limit:
            size = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - self.report.processed)
            now, lease, spooled = self.now(), self._lease(), self.spooler.written()
            batch = claim_batch(self.url, self.owner, size, now, lease)
            if not batch:
                if self.spooler.wait_for_more(spooled):
                    continue
                self._spooling_ended()
                return
            self.claimed_until = now + lease
            for item in batch:
                try:
                    self._keep_claims()
                    self.deliver(item)
                except SmtpError as exc:  # cannot (re)connect: stop; claims are released in finish()
                    self.report.stopped = str(exc)
                    log.error("outbox: sending stopped: %s", exc)
                    return
                self.spooler.taken()
                if progress is not None:
                    progress(1)

    def _spooling_ended(self) -> None:
        """A spool error is reported (what was written has been sent); anything else is raised."""
        error = self.spooler.error
        if isinstance(error, SpoolError):
            self.report.spool_error = str(error)
        elif error is not None:
            raise error

    def _slowest_message(self) -> dt.timedelta:
        """The longest one message can take: the rate limit's wait, then every step timing out."""
        return dt.timedelta(seconds=self.limiter.interval + 4 * self.settings.smtp.timeout)

    def _lease(self) -> dt.timedelta:
        # Short, and renewed as the batch goes (`_keep_claims`), so that a sender that died on
        # another host holds its rows for minutes, not hours; a dead local owner lapses at once.
        return max(dt.timedelta(minutes=5), 2 * self._slowest_message())

    def _keep_claims(self) -> None:
        """Renew our claims before the next message, if it could outlast them."""
        now = self.now()
        if self.claimed_until is None or now + self._slowest_message() < self.claimed_until:
            return
        self.claimed_until = now + self._lease()
        renew_claims(self.url, self.owner, self.claimed_until)

    def deliver(self, item: "Claimed") -> None:
        row_id = item.id
        data = self._bytes_of(item)
        if data is None:
            self._fail(row_id, PermanentFailure(0, "no outbox file and no stored copy to send", "spool"))
            return
        self.limiter.wait()
        try:
            # The previous message's record must be committed before this one can be accepted.
            self.conn.send(item.envelope_from or self.settings.smtp.from_address, item.recipient, data,
                           before_end=self.recorder.wait)
        except TemporaryFailure as exc:
            self._defer(row_id, exc)
            return
        except PermanentFailure as exc:
            self._fail(row_id, exc)
            return
        finally:
            self.report.connections = self.conn.opened
        crashpoint(self.settings, "smtp.accepted")
        self.recorder.record(lambda: self._record_sent(item), then=lambda: remove_spooled(self.settings, item.spool_name))
        self.report.sent += 1  # counted here: the loop's limit must see it before the record is written

    def _record_sent(self, item: "Claimed") -> None:
        mark_sent(self.recorder.writer, item.id, self.now())
        crashpoint(self.settings, "smtp.marked")

    def _bytes_of(self, item: "Claimed") -> bytes | None:
        """The outbox file (as just written, when the spooler kept it); the stored (or
        re-filled) copy only if the file is missing or empty."""
        data = self.spooler.take(item.id) or spooled_file(self.settings, item.spool_name)
        if data:
            return data
        with transaction(self.url, readonly=True) as session:
            row = session.get(Outgoing, item.id)
            return stored_copy(self.settings, row) if row is not None else None

    def _defer(self, row_id: int, failure: TemporaryFailure) -> None:
        self.recorder.wait()  # one writer at a time
        with transaction(self.url) as session:
            row = session.get(Outgoing, row_id)
            assert row is not None
            row.attempts += 1
            row.last_error = str(failure)
            row.last_code = failure.code
            _release(row)
            if row.attempts >= self.settings.smtp.max_attempts:
                row.status = "failed"
                row.next_attempt_at = None
                row.last_error = f"gave up after {row.attempts} attempts: {failure}"
                self.report.failed += 1
            else:
                row.next_attempt_at = self.now() + backoff(row.attempts)
                self.report.deferred += 1
        log.warning("outbox: message %s to %s deferred: %s", row_id, row.recipient, failure)

    def _fail(self, row_id: int, failure: PermanentFailure) -> None:
        self.recorder.wait()  # one writer at a time
        with transaction(self.url) as session:
            row = session.get(Outgoing, row_id)
            assert row is not None
            row.attempts += 1
            row.status = "failed"
            row.last_error = str(failure)
            row.last_code = failure.code
            _release(row)
            if self.hook is not None and failure.code >= 500:
                self.hook(session, row, failure)
        if failure.code >= 500:
            self.report.hard_bounces.append(
                HardBounce(row_id, row.recipient, row.subscriber_id, failure.code, failure.text, failure.stage)
            )
        self.report.failed += 1
        log.warning("outbox: message %s to %s failed: %s", row_id, row.recipient, failure)

    def finish(self) -> None:
        try:
            self.spooler.stop()
            self.recorder.close()  # the last record first: its row is still claimed by us
        finally:
            self.conn.close()
            self.report.connections = self.conn.opened
            try:
                release_claims(self.url, self.owner)
            except DatabaseError as exc:  # the database is gone: release at the next run in this process
                log.error("outbox: could not release claims of %s: %s", self.owner, exc)
                _UNRELEASED.add((self.url, self.owner))


class _Recorder:
    """Records each accepted message in a thread of its own while the next one is on the wire.

    At most one record is outstanding: `wait()` (called before the next message's
    final ".") returns once it is committed, or raises what it raised (a DatabaseError).
    Its one thread writes through its own held connection (`writer`).
    """

    def __init__(self, url: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mln-record")
        self._pending: Future | None = None
        self.writer = StatementWriter(url)

    def record(self, write: Callable[[], None], then: Callable[[], None] = lambda: None) -> None:
        """Run `write()` in the thread and, if it succeeded, `then()`: tidying up, which nobody waits for."""
        self.wait()
        written = self._pending = self._pool.submit(write)
        self._pool.submit(lambda: None if written.exception() else then())  # one thread: `write` is done by now

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._pool.shutdown()
            self.writer.close()


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 ... minutes after each failed attempt, at most 6 hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


# ---- claims ----------------------------------------------------------------------


new_owner_id = new_claim_token
_owner_is_dead = claimant_is_gone


@dataclass(frozen=True)
class Claimed:
    """What the sender needs of a claimed row, read in the claiming transaction."""

    id: int
    recipient: str
    envelope_from: str
    spool_name: str


def claim_batch(url: str, owner: str, size: int, now: dt.datetime, lease: dt.timedelta) -> list[Claimed]:
    """Claim up to `size` due, spooled rows for `owner`; two senders never claim the same row."""
    with transaction(url) as session:
        holders = session.scalars(
            select(Outgoing.claimed_by).distinct().where(Outgoing.status == "queued", Outgoing.claimed_until > now)
        ).all()
        dead = [h for h in holders if h and _owner_is_dead(h)]
        free = or_(Outgoing.claimed_until.is_(None), Outgoing.claimed_until <= now, Outgoing.claimed_by.in_(dead))
        rows = session.execute(
            select(Outgoing.id, Outgoing.recipient, Outgoing.envelope_from, Outgoing.spool_name)
            .where(Outgoing.status == "queued", Outgoing.spool_name != "", _is_due(now), free)
            .order_by(Outgoing.id)
            .limit(size)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises
        ).all()
        if rows:
            ids = [r.id for r in rows]
            session.execute(update(Outgoing).where(Outgoing.id.in_(ids)).values(claimed_by=owner, claimed_until=now + lease))
    return [Claimed(*r) for r in rows]


# Built once, on the table rather than the mapped class: an ORM-enabled UPDATE
# per delivered message cost a third of the send loop (benchmark 3's profile).
_outgoing = Outgoing.__table__
_MARK_SENT = (
    update(_outgoing).where(_outgoing.c.id == bindparam("row_id"))
    .values(status="sent", sent_at=bindparam("now"), attempts=_outgoing.c.attempts + 1, last_error="", last_code=250,
            claimed_by="", claimed_until=None, next_attempt_at=None)
)


def mark_sent(writer: StatementWriter, row_id: int, now: dt.datetime) -> None:
    """The server accepted the message: record it at once, in its own transaction."""
    writer.execute(_MARK_SENT, {"row_id": row_id, "now": now})


def _release(row: Outgoing) -> None:
    row.claimed_by = ""
    row.claimed_until = None


# Claims of earlier runs in this (still living) process that could not be released
# because the database was unreachable; a living owner's claims would otherwise
# wait for their lease to run out.
_UNRELEASED: set[tuple[str, str]] = set()


def _release_leftover_claims() -> None:
    for url, owner in sorted(_UNRELEASED):
        try:
            release_claims(url, owner)
        except DatabaseError as exc:  # still down: try again next time; the lease is the backstop
            log.warning("outbox: claims of %s still held: %s", owner, exc)
            continue
        _UNRELEASED.discard((url, owner))


def renew_claims(url: str, owner: str, until: dt.datetime) -> None:
    """Extend `owner`'s claims on the rows it still holds."""
    with transaction(url) as session:
        session.execute(update(Outgoing).where(Outgoing.claimed_by == owner, Outgoing.status == "queued")
                        .values(claimed_until=until))


def release_claims(url: str, owner: str) -> None:
    with transaction(url) as session:
        session.execute(update(Outgoing).where(Outgoing.claimed_by == owner).values(claimed_by="", claimed_until=None))


# ---- crash points for the kill -9 tests ---------------------------------------------

__all__ = [
    "HardBounce", "PermanentFailure", "RateLimiter", "SendReport", "SmtpConnection", "TemporaryFailure",
    "backoff", "claim_batch", "count_due", "mark_sent", "parse_endpoint", "send_due",
]
