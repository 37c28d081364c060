"""The outbox written a window ahead of the sender, in a thread of its own.

The sender (pipeline/outbound/sender.py) starts one `SpoolAhead` per run and
claims only rows whose file is written, so every message is in the outbox before
it is sent; this thread keeps that true without writing every copy first.
"""

from __future__ import annotations

import threading

from pipeline.config import Settings
from pipeline.outbound.outbox import Filler, spool_batches


class SpoolAhead:
    """Writes queued messages to the outbox in a thread of its own, a window ahead of the sender.

    Writing all of a bulletin's 10,000 copies before sending the first was a sixth of
    the send's time, most of it waiting on the filesystem, and each copy's file lived
    for the whole send, long enough to be written back to disk before it was sent and
    removed. Ahead by `window` messages, the writing overlaps the SMTP exchange and a
    file lives for seconds. Every message is still in its file before it is sent:
    the sender only claims spooled rows. The bytes of the files written lately are
    kept (`take()`), so the sender need not read back what was written a moment ago.
    """

    BATCH = 50

    def __init__(self, settings: Settings, filler: Filler | None = None, window: int | None = None) -> None:
        self.settings = settings
        self.filler = filler
        self.window = window or 3 * self.BATCH
        self.error: BaseException | None = None  # what ended the writing early (a SpoolError, or worse)
        self._cond = threading.Condition()
        self._recent: dict[int, bytes] = {}  # row id -> the bytes just written to its file
        self._ahead = 0  # written and not yet taken by the sender
        self._written = 0  # written in all, each batch counted once it is recorded
        self._hungry = False  # the sender found nothing to send: write on, past the window
        self._finished = False
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="mln-spool", daemon=True)

    def start(self) -> SpoolAhead:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            for written in spool_batches(self.settings, self.filler, self.BATCH, self._keep):
                with self._cond:
                    self._ahead += written
                    self._written += written
                    self._hungry = False
                    self._cond.notify_all()
                    while self._ahead >= self.window and not (self._hungry or self._stop):
                        self._cond.wait()
                    if self._stop:
                        return
        except BaseException as exc:  # noqa: BLE001 - handed to the sender, which raises or reports it
            self.error = exc
        finally:
            with self._cond:
                self._finished = True
                self._cond.notify_all()

    def _keep(self, row_id: int, data: bytes) -> None:
        with self._cond:
            self._recent[row_id] = data
            while len(self._recent) > 2 * self.window:  # rows another sender took, or not yet due
                del self._recent[next(iter(self._recent))]

    def take(self, row_id: int) -> bytes | None:
        """The bytes just written to the row's file, if kept; the sender reads the file otherwise."""
        with self._cond:
            return self._recent.pop(row_id, None)

    def taken(self, count: int = 1) -> None:
        """The sender has dealt with `count` more messages."""
        with self._cond:
            self._ahead -= count
            self._cond.notify_all()

    def written(self) -> int:
        """How many files have been written and recorded so far (for `wait_for_more`)."""
        with self._cond:
            return self._written

    def wait_for_more(self, since: int) -> bool:
        """True once more than `since` files are written and recorded; False if the writing
        ends first. Call with `written()` as it was before looking for work and finding none."""
        with self._cond:
            self._hungry = True
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._finished or self._written > since)
            self._hungry = False
            return self._written > since

    def stop(self) -> None:
        """End the writing after the batch in hand (the rest stays queued for the next run)."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        self._thread.join()


__all__ = ["SpoolAhead"]
