"""Where a plan stands, in one sentence for the member: used by the repeat and chaser answers."""

from __future__ import annotations

from pipeline.store.models import Submission


def received_on(row: Submission) -> str:
    return row.received_at.strftime("%d %B %Y").lstrip("0") if row.received_at else "an earlier date"


def status_sentence(row: Submission) -> str:
    """'It is waiting for review.' and the like, for the plan's latest revision."""
    if row.status == "approved":
        when = f" on {row.approved_at.strftime('%d %B %Y').lstrip('0')}" if row.approved_at else ""
        return f"It was approved{when} and is in the network's index of positive practice."
    if row.status == "rejected":
        return "It was not accepted for the bulletin; the communications lead will have written to say why."
    if row.status == "needs_changes":
        problems = "; ".join(row.problems or [])[:600]
        return "It is waiting for the changes we asked for" + (f": {problems}" if problems else ".")
    return "It is waiting for the communications lead's review."
