"""`mln edit`: fix a field without a round trip to the member, with the same checks as a received form.

The stored form (raw_fields, as written) is re-validated with the edit applied;
an edit is refused when it brings a problem the form did not already have.
Problems the edit fixes are dropped from the submission. Setting a valid theme
on a submission that had none files it under a new File No.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.errors import InvalidInput, WrongState
from pipeline.review.common import get_submission, iso, record
from pipeline.store import db
from pipeline.store.counters import allocate_file_no, file_year
from pipeline.store.models import Item, Submission
from pipeline.store.models.submissions import submission_columns
from pipeline.templates_io import RawForm, ValidatedForm, validate_form
from pipeline.templates_io.fields import FIELDS

EDITABLE_FIELDS = tuple(f.key for f in FIELDS if f.key != "file_no")
# "status" on the form is the practice's progress; "progress" is accepted too, as it is the column's name.
_ALIASES = {"progress": "status"}
# Form field -> the Submission columns it fills (the rest fill the column of the same name).
_COLUMNS = {
    "theme": ("theme", "theme_number"),
    "status": ("progress",),
    "date_commenced": ("date_commenced", "date_commenced_precision", "date_commenced_planned"),
    "date_updated": ("date_updated", "date_updated_precision"),
    "completion_date": ("completion_date", "completion_date_precision"),
}


def parse_assignments(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """['theme=6', 'title=New title'] -> {'theme': '6', 'title': 'New title'}; InvalidInput for anything else."""
    edits: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = _ALIASES.get(key.strip().lower(), key.strip().lower())
        if not sep:
            raise InvalidInput(f'{pair!r} is not field=value, e.g. theme=6 or "title=Care home education package"')
        if key == "file_no":
            raise InvalidInput("File No cannot be edited: it is the improvement's identity")
        if key not in EDITABLE_FIELDS:
            raise InvalidInput(f"{key!r} is not a field of the form; editable fields: {', '.join(EDITABLE_FIELDS)}")
        edits[key] = value.strip()
    if not edits:
        raise InvalidInput("nothing to change; give field=value, e.g. theme=6")
    return edits


def edit_submission(
    settings: Settings, submission_id: int, edits: Mapping[str, str], actor: str, today: dt.date | None = None
) -> dict[str, Any]:
    """Apply `edits` (form field -> text) after validating them; one audited transaction."""
    with db.transaction(settings.database.url) as session:
        row = get_submission(session, submission_id, lock=True)
        if row.status == "rejected":
            raise WrongState(f"submission {row.id} was rejected by {row.reviewed_by or 'someone'}; it cannot be edited")
        raw = {**(row.raw_fields or {})}
        today = today or dt.date.today()
        before = validate_form(RawForm(raw), settings.network, today)
        after = validate_form(RawForm({**raw, **edits}), settings.network, today)
        introduced = [p for p in after.problems if p not in before.problems]
        if introduced:
            raise InvalidInput(f"submission {row.id} not changed: {' '.join(introduced)}")
        changes = _apply(row, edits, after)
        row.raw_fields = {**raw, **edits}
        fixed = set(before.problems) - set(after.problems)
        row.problems = [p for p in (row.problems or []) if p not in fixed]
        if row.item_id is None and row.theme_number is not None and not row.file_no_given:
            _file_under_new_number(session, settings, row)
            changes["file_no"] = [None, row.file_no]
        record(session, row, "edit", actor, changes=changes)
        return {
            "id": row.id,
            "file_no": row.file_no,
            "status": row.status,
            "changes": changes,
            "problems": list(row.problems),
        }


def _apply(row: Submission, edits: Mapping[str, str], form: ValidatedForm) -> dict[str, list[Any]]:
    values = submission_columns(form.values)
    changes: dict[str, list[Any]] = {}
    for key in edits:
        for column in _COLUMNS.get(key, (key,)):
            old, new = getattr(row, column), values[column]
            if old != new:
                setattr(row, column, new)
                changes[column] = [_plain(old), _plain(new)]
    return changes


def _plain(value: Any) -> Any:
    return iso(value) if isinstance(value, (dt.date, dt.datetime)) else value


def _file_under_new_number(session: Session, settings: Settings, row: Submission) -> None:
    year = file_year(settings, row.received_at)
    file_no, code, sequence = allocate_file_no(session, settings, row.theme, year)
    item = Item(file_no=file_no, theme_code=code, year=year, sequence=sequence)
    session.add(item)
    session.flush()
    row.item, row.revision, row.is_update = item, 1, False
