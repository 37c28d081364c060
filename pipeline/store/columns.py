"""The submissions table's columns, in table order, for the reader's queries (store/reader.py),
which cannot ask the models without importing them. tests/database/test_schema.py checks the
list against the model, so a new column cannot be missed here.

Named rather than `s.*`: on PostgreSQL the table also holds the search document (a stored
tsvector kept by pipeline/search.py), which is not ours to print or compare.
"""

SUBMISSION_COLUMNS = (
    "id",
    "item_id",
    "revision",
    "is_update",
    "status",
    "problems",
    "file_no_given",
    "title",
    "theme",
    "theme_number",
    "locality",
    "region",
    "organisation",
    "organisation_type",
    "lead_name",
    "lead_email",
    "progress",
    "date_commenced",
    "date_commenced_precision",
    "date_commenced_planned",
    "date_updated",
    "date_updated_precision",
    "completion_date",
    "completion_date_precision",
    "completion_note",
    "summary",
    "actions",
    "outcomes",
    "learning",
    "link",
    "share_externally",
    "raw_fields",
    "content_hash",
    "possible_duplicate_of_id",
    "duplicate_reason",
    "sender",
    "sender_name",
    "forwarded_by",
    "unknown_sender",
    "source",
    "received_at",
    "message_pk",
    "attachment_id",
    "reply_id",
    "reviewed_by",
    "reviewed_at",
    "approved_at",
    "change_count",
)


def submission_columns(alias: str = "") -> str:
    """'s.id, s.item_id, ...' for a SELECT list."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + name for name in SUBMISSION_COLUMNS)
