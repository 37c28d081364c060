"""A sending run: what the outbox holds goes out over SMTP, each delivery recorded once.

The order of events for one message is the whole promise:

    claim a batch of due, spooled rows (short transaction; pipeline/outbound/claims.py)
    for each row: MAIL, RCPT, DATA -> server says 250 (pipeline/outbound/smtp.py)
                  -> mark that row sent in its own short transaction
                  -> remove its outbox file

Rows are written to outbox/ by a thread a window ahead of this loop
(pipeline/outbound/spool_ahead.py); only rows already in their file are claimed.
Claims last minutes and are renewed before each message that could outlast them.

So a kill -9 at any point repeats at most the one message that was between
"server accepted" and "marked sent" on the connection. The record of one
message is written (in a thread of its own) while the next one goes out, but
that next message's final "." is sent only once the record is committed: a
server never holds two accepted messages that are not marked sent.
Temporary failures (4xx, dropped connections, timeouts) are tried again later
with exponential backoff via `next_attempt_at`; permanent ones (5xx at MAIL,
RCPT or DATA) mark the row failed and are reported as hard bounces.

Each row leaves by its route (`[[smtp.route]]`, pipeline/outbound/routes.py), over
that route's own connection and at its pace (pipeline/outbound/lanes.py). A route
with a rolling 24-hour cap is checked before each batch against what the database
recorded as sent (pipeline/outbound/quota.py): at the cap its rows are not claimed,
the report says when it resumes (`paused`), and a later run carries on from there.

The sender knows nothing of subscribers or bulletins: the caller passes in how
to fill a bulletin copy and what a hard bounce means (pipeline/mailing/delivery.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.config_smtp import DEFAULT_ROUTE, RouteSettings
from pipeline.errors import DatabaseError, SmtpError, SpoolError
from pipeline.faults import crashpoint
from pipeline.outbound import claims
from pipeline.outbound.claims import Claimed
from pipeline.outbound.lanes import Lane, RateLimiter
from pipeline.outbound.outbox import Filler, remove_spooled, spooled_file, stored_copy, sweep_sent_files
from pipeline.outbound.quota import route_quota
from pipeline.outbound.report import HardBounce, SendReport
from pipeline.outbound.routes import all_routes, assign_routes
from pipeline.outbound.smtp import PermanentFailure, TemporaryFailure
from pipeline.outbound.spool_ahead import SpoolAhead
from pipeline.store.claims import new_claim_token
from pipeline.store.db import StatementWriter, transaction
from pipeline.store.models import Outgoing, utcnow

log = logging.getLogger(__name__)

BATCH_SIZE = 100
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=6)


HardBounceHook = Callable[[Session, Outgoing, PermanentFailure], None]


def send_due(
    settings: Settings,
    *,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    filler: Filler | None = None,
    on_hard_bounce: HardBounceHook | None = None,
    now: Callable[[], dt.datetime] = utcnow,
    limiter: RateLimiter | None = None,
) -> SendReport:
    """Spool anything new, then send every due outbox message once; return what happened.

    `filler` makes the bytes of bulletin copies; without one, copies wait for a run
    that has one. `on_hard_bounce(session, row, failure)` runs inside the transaction
    that marks a row failed for a 5xx reply. The mailing side passes both
    (pipeline/mailing/delivery.py: a hard bounce counts against the subscriber).
    `progress(n)` is called after each message. A server that cannot be reached ends
    the run early with `report.stopped` set; every row not sent stays queued. A route
    at its 24-hour cap is left for later: `report.paused` says until when. `now` is
    the clock of claims, records and caps; `limiter` paces the default route.
    """
    report = SendReport()
    claims.release_leftover_claims()
    sweep_sent_files(settings)
    with transaction(settings.database.url) as session:
        assign_routes(session, settings)
    sender = _Run(settings, report, filler, on_hard_bounce, now, limiter)
    try:
        sender.run(limit, progress)
    finally:
        sender.finish()
    return report


# Route -> the resume time last logged, so a paused route is reported once per pause.
_PAUSES_TOLD: dict[str, dt.datetime] = {}


class _Run:
    """One sending run: its owner id, its connection, its rate limiter, and what the caller
    passed in (the copy filler, shared with the spooling thread, and the hard-bounce hook)."""

    def __init__(
        self,
        settings: Settings,
        report: SendReport,
        filler: Filler | None,
        hook: HardBounceHook | None,
        now: Callable[[], dt.datetime],
        limiter: RateLimiter | None,
    ) -> None:
        self.settings = settings
        self.url = settings.database.url
        self.report = report
        self.filler = filler
        self.hook = hook
        self.now = now
        self.owner = new_claim_token()
        self.lanes: dict[str, Lane] = {}
        self.default_limiter = limiter
        self.recorder = _Recorder(self.url)
        self.spooler = SpoolAhead(settings, filler).start()  # what is not yet in outbox/, written as we go
        self.claimed_until: dt.datetime | None = None
        self.withdrawn: set[int] = set()  # claimed rows a cancel took back (written by the recorder's thread)
        self.lane = self._lane(all_routes(settings)[-1])

    def _lane(self, route: RouteSettings) -> Lane:
        if route.name not in self.lanes:
            limiter = self.default_limiter if route.name == DEFAULT_ROUTE else None
            self.lanes[route.name] = Lane(self.settings, route, limiter)
        return self.lanes[route.name]

    def run(self, limit: int | None, progress: Callable[[int], None] | None) -> None:
        for route in all_routes(self.settings):
            self.lane = self._lane(route)
            if not self._run_route(limit, progress):
                return
        self._spooling_ended()

    def _run_route(self, limit: int | None, progress: Callable[[int], None] | None) -> bool:
        """Send what is due by the current lane's route; False when the run must stop."""
        while limit is None or self.report.processed < limit:
            size = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - self.report.processed)
            now, lease, spooled = self.now(), self._lease(), self.spooler.written()
            allowance = self._allowance(now)
            if allowance == 0:
                return True
            size = size if allowance is None else min(size, allowance)
            batch = claims.claim_batch(
                self.url, self.owner, size, now, lease, copies=self.filler is not None, route=self.lane.name
            )
            if not batch:
                if self.spooler.wait_for_more(spooled):
                    continue
                return True
            self.claimed_until = now + lease
            for n, item in enumerate(batch):
                if item.id in self.withdrawn:  # cancelled since it was claimed: never sent
                    self._skip_withdrawn(item, progress)
                    continue
                try:
                    self._keep_claims()
                    self.deliver(item, batch[n + 1 :])
                except SmtpError as exc:  # cannot (re)connect: stop; claims are released in finish()
                    self.report.stopped = f"route {self.lane.name}: {exc}" if self.settings.routes else str(exc)
                    # Said once, by whoever reads report.stopped: the CLI's `mln:` line, the worker's back-off.
                    log.debug("outbox: sending stopped: %s", exc)
                    return False
                self.spooler.taken()
                if progress is not None:
                    progress(1)
        return False

    def _allowance(self, now: dt.datetime) -> int | None:
        """How many the lane's route may send now under its 24-hour cap (None: no cap);
        at the cap, the report says when it resumes."""
        if not self.lane.route.smtp.daily_limit:
            return None
        self.recorder.wait()  # the last message sent must be in the count
        with transaction(self.url, readonly=True) as session:
            quota = route_quota(session, self.lane.route, now, self.owner)
        if quota.paused and quota.resume_at is not None:
            self.report.paused[self.lane.name] = quota.resume_at
            said = _PAUSES_TOLD.get(self.lane.name) == quota.resume_at  # the worker asks every turn: say it once
            _PAUSES_TOLD[self.lane.name] = quota.resume_at
            log.log(
                logging.DEBUG if said else logging.WARNING,
                "outbox: route %s sent %d in the last 24 hours (cap %d): paused until %s",
                self.lane.name,
                quota.sent_24h,
                quota.daily_limit,
                quota.resume_at.isoformat(timespec="minutes"),
            )
        return quota.allowance

    def _spooling_ended(self) -> None:
        """A spool error is reported (what was written has been sent); anything else is raised."""
        error = self.spooler.error
        if isinstance(error, SpoolError):
            self.report.spool_error = str(error)
        elif error is not None:
            raise error

    def _slowest_message(self) -> dt.timedelta:
        """The longest one message can take: the rate limit's wait, then every step timing out."""
        return dt.timedelta(seconds=self.lane.limiter.interval + 4 * self.lane.route.smtp.timeout)

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
        claims.renew_claims(self.url, self.owner, self.claimed_until)

    def _skip_withdrawn(self, item: Claimed, progress: Callable[[int], None] | None) -> None:
        remove_spooled(self.settings, item.spool_name)
        self.spooler.taken()
        log.info("outbox: message %s to %s was withdrawn (cancelled) before it went out", item.id, item.recipient)
        if progress is not None:
            progress(1)

    def _before_end(self, item: Claimed) -> None:
        """Before the final ".": the previous record is committed, and this row was not cancelled meanwhile."""
        self.recorder.wait()
        if item.id in self.withdrawn:
            raise _Withdrawn(item.id)

    def deliver(self, item: Claimed, rest: list[Claimed] | None = None) -> None:
        """Send one claimed row; `rest`, the batch after it, is checked for cancels as it is recorded."""
        row_id = item.id
        data = self._bytes_of(item)
        if data is None:
            self._fail(row_id, PermanentFailure(0, "no outbox file and no stored copy to send", "spool"))
            return
        lane = self.lane
        data = lane.prepare(data)
        lane.limiter.wait()
        try:
            # The previous message's record must be committed before this one can be accepted.
            lane.conn.send(
                item.envelope_from or self.settings.smtp.from_address,
                item.recipient,
                data,
                before_end=lambda: self._before_end(item),
            )
        except _Withdrawn:  # the server discards what it had of it: the connection was dropped before "."
            self._skip_withdrawn(item, None)
            return
        except TemporaryFailure as exc:
            self._defer(row_id, exc)
            return
        except PermanentFailure as exc:
            self._fail(row_id, exc)
            return
        finally:
            self.report.connections = self._connections()
        crashpoint(self.settings, "smtp.accepted")
        self.recorder.record(
            lambda: self._record_sent(item, rest or []), then=lambda: remove_spooled(self.settings, item.spool_name)
        )
        self.report.sent += 1  # counted here: the loop's limit must see it before the record is written
        self.report.by_route[lane.name] = self.report.by_route.get(lane.name, 0) + 1

    def _connections(self) -> int:
        return sum(lane.conn.opened for lane in self.lanes.values())

    def _record_sent(self, item: Claimed, rest: list[Claimed]) -> None:
        claims.mark_sent(self.recorder.writer, item.id, self.now())
        crashpoint(self.settings, "smtp.marked")
        # A cancel marks queued rows, claimed ones too; without this look the batch in hand
        # (up to BATCH_SIZE copies) would still go out. It runs while the next message is on
        # the wire, and that message's final "." waits for it (`_before_end`).
        if rest and claims.withdrawn(self.url, [rest[0].id]):
            self.withdrawn |= claims.withdrawn(self.url, [r.id for r in rest])

    def _bytes_of(self, item: Claimed) -> bytes | None:
        """The outbox file (as just written, when the spooler kept it); the stored (or
        re-filled) copy only if the file is missing or empty."""
        data = self.spooler.take(item.id) or spooled_file(self.settings, item.spool_name)
        if data:
            return data
        with transaction(self.url, readonly=True) as session:
            row = session.get(Outgoing, item.id)
            return stored_copy(row, self.filler) if row is not None else None

    def _defer(self, row_id: int, failure: TemporaryFailure) -> None:
        self.recorder.wait()  # one writer at a time
        with transaction(self.url) as session:
            row = session.get(Outgoing, row_id)
            assert row is not None
            row.attempts += 1
            row.last_error = str(failure)
            row.last_code = failure.code
            claims.unclaim(row)
            if row.attempts >= self.lane.route.smtp.max_attempts:
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
            claims.unclaim(row)
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
            for lane in self.lanes.values():
                lane.conn.close()
            self.report.connections = self._connections()
            try:
                claims.release_claims(self.url, self.owner)
            except DatabaseError as exc:  # the database is gone: release at the next run in this process
                log.error("outbox: could not release claims of %s: %s", self.owner, exc)
                claims.release_later(self.url, self.owner)


class _Withdrawn(Exception):
    """A row was cancelled while its message was on the wire: drop it before the server takes it."""


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


__all__ = ["HardBounce", "HardBounceHook", "RateLimiter", "SendReport", "backoff", "send_due"]
