"""Progress on long work: a bar on a terminal, a plain line every few seconds off one.

Run from cron or a script, a send to 1,500 people used to print nothing for a
minute; now it says how far it is, how fast it goes and how long is left, on
standard error (standard output, and so --json, is untouched). A job done
within the first interval prints nothing extra.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

import click

LOG_INTERVAL = 5.0  # seconds between two plain progress lines

Update = Callable[[int], None]


class Progress:
    """Counts done of `total`, with the rate and the time left worked out from the start."""

    def __init__(
        self,
        label: str,
        total: int,
        *,
        stream: TextIO,
        tty: bool,
        interval: float = LOG_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label, self.total, self.stream, self.interval, self.clock = label, total, stream, interval, clock
        self.done = 0
        self.started = self.last_line = clock()
        self.lines = 0  # plain lines written
        self.bar: Any = None
        if tty:
            self.bar = click.progressbar(
                None, length=total, label=label, file=stream, show_pos=True, item_show_func=_as_shown
            )
            self.bar.__enter__()

    def update(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        if self.bar is not None:
            self.bar.update(n, current_item=f"{self.rate(now):.1f}/s")
        elif now - self.last_line >= self.interval:
            self.last_line = now
            self._line(now)

    def rate(self, now: float) -> float:
        elapsed = now - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def figures(self, now: float) -> str:
        """ "importing: 300/1500 (20%), 25.0/s, about 48 s left"."""
        rate = self.rate(now)
        percent = self.done * 100 // self.total if self.total else 100
        left = (self.total - self.done) / rate if rate > 0 else None
        tail = f", about {_duration(left)} left" if left is not None and self.done < self.total else ""
        return f"{self.label}: {self.done}/{self.total} ({percent}%), {rate:.1f}/s{tail}"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        elif self.lines:  # a job long enough to report on says where it ended
            self._line(self.clock())

    def _line(self, now: float) -> None:
        self.lines += 1
        click.echo(f"{time.strftime('%H:%M:%S')} {self.figures(now)}", file=self.stream)


def progress_reporter(
    label: str, *, stream: TextIO | None = None, tty: bool | None = None, interval: float = LOG_INTERVAL
) -> tuple[Callable[[int], Update | None], Callable[[], None]]:
    """(start, close): `start(total)` gives the update hook a library function takes (None for
    fewer than two steps); `close()` ends the bar or writes the last line."""
    out = stream or sys.stderr
    on_terminal = out.isatty() if tty is None else tty
    running: list[Progress] = []

    def start(total: int) -> Update | None:
        if total < 2:
            return None
        progress = Progress(label, total, stream=out, tty=on_terminal, interval=interval)
        running.append(progress)
        return progress.update

    def close() -> None:
        for progress in running:
            progress.close()

    return start, close


def _as_shown(rate: str | None) -> str | None:
    return rate  # the bar's "current item" is the rate, already worded


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
