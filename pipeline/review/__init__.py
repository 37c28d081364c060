"""The communications lead's review queue: list, show, approve, reject, request changes, edit, history.

Each public function opens one transaction (pipeline.store.db.transaction) and
returns plain dicts for the CLI to print. Actions lock the submission row
first, so of two people acting at once the second sees the first's decision.
"""

from pipeline.review.actions import approve, history, reject, request_changes
from pipeline.review.edit import EDITABLE_FIELDS, edit_submission
from pipeline.review.queue import QUEUE_STATUSES, QueueFilter, list_queue, make_filter, show_submission, write_originals

__all__ = [
    "EDITABLE_FIELDS",
    "QUEUE_STATUSES",
    "QueueFilter",
    "approve",
    "edit_submission",
    "history",
    "list_queue",
    "make_filter",
    "reject",
    "request_changes",
    "show_submission",
    "write_originals",
]
