"""What changed between two revisions of a plan, for the reviewer: pipeline/store/plan_changes.py.

The comparison lives in the store so the bulletin preview (outbound) can use it too.
"""

from __future__ import annotations

from pipeline.store.plan_changes import COMPARED, Change, baseline, field_changes, summary_line

__all__ = ["COMPARED", "Change", "baseline", "field_changes", "summary_line"]
