"""Crash points for the crash tests: `debug.crash_at = "NAME"` or "NAME:N" kills the
process with SIGKILL the Nth time it reaches the point named NAME (N defaults to 1).

Used only by tests (through MLN_DEBUG_CRASH_AT); a no-op otherwise.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

from pipeline.config import Settings

_reached: Counter[str] = Counter()


def crashpoint(settings: Settings, name: str) -> None:
    spec = settings.debug.crash_at
    if not spec:
        return
    wanted, _, nth = spec.partition(":")
    if wanted != name:
        return
    _reached[name] += 1
    if _reached[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
