"""`mln worker`: one long-running loop that reads mail, sends the outbox and runs the schedule.

Each turn of the loop is a few steps, each complete in itself:

1. poll: one pass over the mailbox (pipeline/intake/poll.py: exactly once, crash-safe);
2. send: drain the outbox in small batches (pipeline/mailing/delivery.py, which gives
   pipeline/outbound/sender.py the copy filler and the hard-bounce hook);
3. schedule: run the jobs that are due (pipeline/schedule.py);
4. wait: IMAP IDLE until new mail (when the server offers it), else sleep
   `mailbox.poll_interval` seconds; never longer than the next job or retry.

A stop request (SIGTERM, Ctrl-C) lets the current step finish and then ends the
loop; a second one exits at once, which is safe because every step already is
(a message or delivery in flight is redone by the next run, never lost).
When the mailbox or the SMTP server goes away, that step waits with growing
backoff while the others carry on, and the log says so.

On SQLite only one worker may run: a lock file next to the database keeps a
second one out. On PostgreSQL several may run; intake and sender claim rows.
The lock and the heartbeats live in pipeline/worker_presence.py.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeGuard

from sqlalchemy import select

from pipeline import schedule
from pipeline.config import Settings
from pipeline.errors import ConfigError, DatabaseError, MlnError, RulesError
from pipeline.intake.mailbox import MailSource, open_source
from pipeline.intake.mailbox.base import IdleMailSource
from pipeline.intake.rule_files import load_rules
from pipeline.logs import redact
from pipeline.mailing.delivery import deliver_due
from pipeline.passes import poll_once
from pipeline.store import db
from pipeline.store import records as store
from pipeline.store.models import MailboxState
from pipeline.worker_presence import beat, new_heartbeat_name, single_worker

log = logging.getLogger(__name__)
BACKOFF_FIRST = 1.0
SLEEP_SLICE = 0.25  # how often a sleeping worker checks for a stop request


class _StopPolling(Exception):
    """Raised from poll_once's progress hook to end a pass early on a stop request."""


class StopFlag:
    """Set by the first SIGTERM / SIGINT; the second one ends the process at once."""

    def __init__(self) -> None:
        self.requested = False
        self.signals = 0

    def __call__(self) -> bool:
        return self.requested

    def request(self, why: str = "") -> None:
        self.requested = True
        log.warning(
            "stop requested%s: finishing the current step (send the signal again to stop at once)",
            f" ({why})" if why else "",
        )


def install_signal_handlers(stop: StopFlag) -> None:
    """SIGTERM and SIGINT: first = finish the step and stop; second = exit now."""

    def handler(signum: int, _frame: object) -> None:
        stop.signals += 1
        if stop.signals > 1:
            # Safe by the intake and sender guarantees: in-flight work is redone, never lost.
            os._exit(128 + signum)
        stop.request(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


# ---- backoff ------------------------------------------------------------------------------------


@dataclass
class Backoff:
    """Growing waits after failures of one step: 1 s, 2 s, 4 s ... up to `maximum`."""

    what: str
    maximum: float
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    retry_at: float = 0.0

    def ready(self) -> bool:
        return self.clock() >= self.retry_at

    def seconds_left(self) -> float:
        return max(0.0, self.retry_at - self.clock())

    def failed(self, error: object, state: str = "unreachable") -> None:
        delay = min(self.maximum, BACKOFF_FIRST * 2**self.failures)
        self.failures += 1
        self.retry_at = self.clock() + delay
        log.warning("%s %s: %s; retrying in %.0f s", self.what, state, error, delay)

    def succeeded(self) -> None:
        if self.failures:
            log.warning("%s reachable again after %d failed attempt(s)", self.what, self.failures)
        self.failures = 0
        self.retry_at = 0.0


# ---- the loop ---------------------------------------------------------------------------------


@dataclass
class WorkerStats:
    turns: int = 0
    polls: int = 0
    fetched: int = 0
    sent: int = 0
    jobs: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"turns": self.turns, "polls": self.polls, "fetched": self.fetched, "sent": self.sent, "jobs": self.jobs}


class Worker:
    def __init__(
        self, settings: Settings, stop: StopFlag | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self.stop = stop or StopFlag()
        self.clock = clock
        self.mailbox = Backoff("mailbox", settings.worker.backoff_max, clock)
        self.smtp = Backoff("SMTP server", settings.worker.backoff_max, clock)
        self.database = Backoff("database", settings.worker.backoff_max, clock)
        self.next_schedule = 0.0
        self.watcher: IdleMailSource | None = None  # an ImapSource kept open for IDLE, or None
        self.idle_offered: bool | None = None
        self.stats = WorkerStats()
        self.name = new_heartbeat_name()

    def run(self, max_turns: int | None = None) -> WorkerStats:
        """Turn until stopped (or `max_turns` turns, for tests and `--once`)."""
        log.warning(
            "worker started (pid %d, mailbox %s, database %s)",
            os.getpid(),
            redact(self.settings.mailbox.url),
            db.redact_url(self.settings.database.url),
        )
        try:
            while not self.stop() and (max_turns is None or self.stats.turns < max_turns):
                busy = self.turn()
                self.stats.turns += 1
                beat(self.settings, self.name, self.stats.turns)
                if not busy and not self.stop() and (max_turns is None or self.stats.turns < max_turns):
                    self.wait()
        finally:
            self._close_watcher()
            beat(self.settings, self.name, self.stats.turns, stopped=True)
        log.warning(
            "worker stopped after %d turn(s): %d message(s) read, %d sent",
            self.stats.turns,
            self.stats.fetched,
            self.stats.sent,
        )
        return self.stats

    def turn(self) -> bool:
        """One poll, send and schedule step; True when there may be more to do at once."""
        busy = False
        if self.mailbox.ready() and not self.stop():
            busy |= self.poll()
        if self.smtp.ready() and self.database.ready() and not self.stop():
            busy |= self.send()
        if self.clock() >= self.next_schedule and self.database.ready() and not self.stop():
            busy |= self.run_schedule()
        return busy

    def poll(self) -> bool:
        try:
            summary = poll_once(self.settings, on_new=self._stop_between_messages)
        except _StopPolling:
            log.warning(
                "stopped after the current message: messages not yet read stay in the inbox, and those "
                "read are filed into their folders by the next run"
            )
            return False
        except DatabaseError as exc:
            self.database.failed(exc)
            return False
        except (RulesError, ConfigError) as exc:  # a rules file being edited: try again soon
            self.mailbox.failed(exc, state="cannot be read (inbox rules)")
            return False
        except MlnError as exc:  # MailboxError
            self.mailbox.failed(exc)
            return False
        except Exception as exc:  # noqa: BLE001 - a dropped socket imapclient did not wrap, a bug: keep running
            log.exception("poll failed: %s", exc)
            self.mailbox.failed(f"{type(exc).__name__}: {exc}")
            return False
        self.mailbox.succeeded()
        self.database.succeeded()
        self.stats.polls += 1
        self.stats.fetched += summary.fetched
        if summary.fetched:
            log.info("poll: %d message(s): %s in %.2f s", summary.fetched, dict(summary.outcomes), summary.seconds)
        return summary.fetched > 0  # mail that came during the pass is read next turn, not after a wait

    def _stop_between_messages(self, _total: int) -> Callable[[int], None]:
        """poll_once's progress hook: a stop request ends the pass after the message in hand
        (it is committed; its mailbox move is finished by the next pass, as after a crash)."""

        def advance(_n: int) -> None:
            if self.stop():
                raise _StopPolling()

        return advance

    def send(self) -> bool:
        """Send what is due, a batch at a time, until done, stopped, or the server fails."""
        batch = max(1, self.settings.worker.send_batch)
        while not self.stop():
            try:
                report = deliver_due(self.settings, limit=batch)
            except DatabaseError as exc:
                self.database.failed(exc)
                return False
            except MlnError as exc:
                self.smtp.failed(exc)
                return False
            except Exception as exc:  # noqa: BLE001 - keep running; the rows stay queued
                log.exception("sending failed: %s", exc)
                self.smtp.failed(f"{type(exc).__name__}: {exc}")
                return False
            self.stats.sent += report.sent
            if report.stopped:
                self.smtp.failed(report.stopped)
                return False
            if report.sent:
                self.smtp.succeeded()
            if report.processed < batch:
                return False
        return False

    def run_schedule(self) -> bool:
        self.next_schedule = self.clock() + self.settings.worker.schedule_interval
        try:
            results = schedule.run_due(self.settings)
        except DatabaseError as exc:
            self.database.failed(exc)
            return False
        except Exception as exc:  # noqa: BLE001 - a failing job must not stop mail; tried again next check
            log.exception("scheduled jobs failed: %s", exc)
            return False
        for result in results:
            log.warning("scheduled job %s %s: %s %s", result.job, result.key, result.outcome, result.detail)
            self.stats.jobs.append(result.as_dict())
        return any(r.outcome == "done" for r in results)  # it queued mail: send it now

    # ---- waiting ----------------------------------------------------------------------------

    def wait_seconds(self) -> float:
        limits = [self.settings.mailbox.poll_interval, max(0.0, self.next_schedule - self.clock())]
        for backoff in (self.mailbox, self.smtp, self.database):
            if backoff.failures:
                limits.append(backoff.seconds_left())
        return max(0.0, min(limits))

    def wait(self) -> None:
        seconds = self.wait_seconds()
        if seconds <= 0:
            return
        if self._use_idle() and self.mailbox.ready():
            watcher = self.watcher
            assert watcher is not None  # _use_idle() is true only with the IDLE connection open
            try:
                watcher.wait_for_new_mail(
                    min(seconds, self.settings.worker.idle_seconds), self._last_uid(watcher), should_stop=self.stop
                )
                return
            except MlnError as exc:
                self._close_watcher()
                self.mailbox.failed(f"IDLE connection lost: {exc}")
                seconds = self.wait_seconds()
        self.sleep(seconds)

    def sleep(self, seconds: float) -> None:
        until = self.clock() + seconds
        while not self.stop():
            left = until - self.clock()
            if left <= 0:
                return
            time.sleep(min(SLEEP_SLICE, left))

    def _use_idle(self) -> bool:
        """Open (or reuse) the IDLE connection when the source is IMAP and the server offers IDLE."""
        if not self.settings.mailbox.use_idle or self.idle_offered is False:
            return False
        if self.watcher is not None:
            return True
        source = open_source(self.settings)
        if not _can_idle(source):
            self.idle_offered = False  # a Maildir: poll every poll_interval
            return False
        try:
            source.__enter__()
            self.idle_offered = source.supports_idle()
        except MlnError as exc:
            log.info("cannot open the IDLE connection now: %s", exc)
            source.__exit__(None, None, None)
            return False
        if not self.idle_offered:
            log.warning("the IMAP server does not offer IDLE: polling every %s s", self.settings.mailbox.poll_interval)
            source.__exit__(None, None, None)
            return False
        self.watcher = source
        return True

    def _close_watcher(self) -> None:
        if self.watcher is not None:
            self.watcher.__exit__(None, None, None)
            self.watcher = None

    def _last_uid(self, source: MailSource) -> int:
        key = store.FolderKey(source.key, source.folder)
        try:
            with db.transaction(self.settings.database.url, readonly=True) as session:
                state = session.scalar(
                    select(MailboxState).where(MailboxState.mailbox == key.mailbox, MailboxState.folder == key.folder)
                )
                return state.last_uid if state is not None else 0
        except DatabaseError:
            return 0


def _can_idle(source: MailSource) -> TypeGuard[IdleMailSource]:
    """An IMAP source can wait in IDLE; a Maildir cannot."""
    return hasattr(source, "wait_for_new_mail")


def run_worker(settings: Settings, stop: StopFlag | None = None, max_turns: int | None = None) -> WorkerStats:
    """Run the worker until stopped; WorkerAlreadyRunning when another holds the SQLite lock."""
    db.require_schema(settings.database.url)
    # A mistake in the config or the rules stops the start (exit 2), not every later turn.
    open_source(settings)
    load_rules(settings.rules_path)
    with single_worker(settings):
        return Worker(settings, stop).run(max_turns)
