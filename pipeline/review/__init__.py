"""The communications lead's review queue: list, show, approve, reject, request changes, edit, history.

Each public function opens one transaction (pipeline.store.db.transaction) and
returns plain dicts for the CLI to print. Actions lock the submission row
first, so of two people acting at once the second sees the first's decision.
"""

from __future__ import annotations

import importlib
from typing import Any

# Where each public name lives. They are imported on first use (PEP 562), so `mln queue`
# and `mln show` do not pay for the decision code and the mail composer behind it.
_HOMES = {
    "approve": "actions",
    "history": "show",
    "reject": "actions",
    "request_changes": "actions",
    "EDITABLE_FIELDS": "edit",
    "edit_submission": "edit",
    "QUEUE_STATUSES": "queue",
    "QueueFilter": "queue",
    "list_queue": "queue",
    "make_filter": "queue",
    "show_submission": "show",
    "write_originals": "show",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
