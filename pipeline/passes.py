"""The passes the loop runs: a flow, then what must follow it once it has committed.

`poll_once` is intake's pass over the mailbox (pipeline/intake/poll.py), then the
replies it queued written to outbox/ (pipeline/outbound/outbox.py), so they go out
with the next send. The worker, `mln poll` and the demo all run this one function.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from pipeline.config import Settings
from pipeline.errors import SpoolError
from pipeline.intake.poll import PollSummary, Progress, poll_mailbox
from pipeline.outbound.outbox import spool_pending

log = logging.getLogger(__name__)


def poll_once(settings: Settings, on_new: Callable[[int], Progress] | None = None) -> PollSummary:
    """Read every new message once, then spool the replies it queued. See `poll_mailbox`."""
    summary = poll_mailbox(settings, on_new)
    spool_replies(settings, summary)
    return summary


def spool_replies(settings: Settings, summary: PollSummary) -> None:
    """Write queued replies to outbox/. A failure here (disk full) does not undo the pass:
    the replies stay queued in the database and are spooled next time."""
    try:
        summary.replies_spooled = spool_pending(settings)
    except SpoolError as exc:
        summary.replies_spooled = exc.spooled
        summary.spool_error = str(exc)
        log.error("replies stay queued: %s", exc)
