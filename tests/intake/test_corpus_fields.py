"""The field-reading corpus through a real Dovecot: every person answered, only the member's words filed.

One poll of every manifest row that names an `outcome` (tests/messages/make_corpus.py wrote them),
then each row's facts: the outcome, the reply's words, the fields of the filed plan (some exactly),
its status and Share externally, and words that must appear in no field (sign-offs, signatures,
disclaimers, banners, quoted mail, guidance).
"""

from __future__ import annotations

import email
import tomllib
from email.policy import default
from pathlib import Path

from sqlalchemy import select

from pipeline.config import load_settings
from pipeline.passes import poll_once
from pipeline.store import db
from pipeline.store.models import Message, Outgoing, Submission

MESSAGES = Path(__file__).parents[1] / "messages"
ROWS = [
    row
    for row in tomllib.loads((MESSAGES / "manifest.toml").read_text(encoding="utf-8"))["message"]
    if "outcome" in row
]
TEXT_COLUMNS = (
    "title",
    "locality",
    "organisation",
    "lead_name",
    "lead_email",
    "summary",
    "actions",
    "outcomes",
    "learning",
    "link",
    "theme",
    "region",
    "progress",
)


def _fields(submission: Submission) -> dict[str, str]:
    values = {key: str(getattr(submission, key) or "") for key in TEXT_COLUMNS}
    values.update({f"raw:{k}": str(v) for k, v in (submission.raw_fields or {}).items()})
    values["further_information"] = str((submission.raw_fields or {}).get("further_information", ""))
    return values


def _reply_text(row: Outgoing) -> str:
    return email.message_from_bytes(row.raw, policy=default).get_body(("plain",)).get_content()


def _problems(row: dict, message: Message, submissions: list[Submission], replies: list[Outgoing]) -> list[str]:
    found = []
    if message.outcome != row["outcome"]:
        found.append(f"outcome {message.outcome!r} ({message.reason}), wanted {row['outcome']!r}")
    if row["outcome"] in ("processed", "held") and not replies:
        found.append("no reply to the sender")
    texts = " ".join(_reply_text(r) for r in replies)
    found += [f"reply lacks {phrase!r}" for phrase in row.get("reply_contains", []) if phrase not in texts]
    if (row.get("fields") or row.get("fields_equal")) and len(submissions) != 1:
        found.append(f"{len(submissions)} plans filed, wanted 1")
        return found
    fields = _fields(submissions[0]) if submissions else {}
    for key, wanted in row.get("fields", {}).items():
        if wanted not in fields.get(key, "") or (wanted == "" and fields.get(key)):
            found.append(f"{key} = {fields.get(key, '')!r}, wanted it to hold {wanted!r}")
    for key, wanted in row.get("fields_equal", {}).items():
        if fields.get(key) != wanted:
            found.append(f"{key} = {fields.get(key, '')!r}, wanted exactly {wanted!r}")
    if "status" in row and submissions and submissions[0].status != row["status"]:
        found.append(f"status {submissions[0].status!r} ({submissions[0].problems}), wanted {row['status']!r}")
    if "share_externally" in row and submissions:
        shared = "yes" if submissions[0].share_externally is True else "not yes"
        if shared != row["share_externally"]:
            found.append(f"share externally {submissions[0].share_externally!r}, wanted {row['share_externally']!r}")
    for phrase in row.get("fields_exclude", []):
        found += [f"{key} holds {phrase!r}: {value!r}" for key, value in fields.items() if phrase in value]
    if "source_contains" in row and submissions and row["source_contains"] not in submissions[0].source:
        found.append(f"source {submissions[0].source!r}, wanted {row['source_contains']!r}")
    return found


def test_corpus_rows_yield_their_outcome_reply_and_fields(intake):
    intake.account.append_many([(MESSAGES / row["file"]).read_bytes() for row in ROWS])

    # A token secret, so a confirmation reply with a token not ours is read (and answered), not kept for one.
    settings = load_settings(
        intake.config_path, {**intake.environ, "MLN_TOKEN_SECRET": "corpus-token-secret-0123456789"}
    )
    poll_once(settings)

    report = []
    with db.transaction(settings.database.url, readonly=True) as session:
        messages = {m.subject: m for m in session.scalars(select(Message))}
        for row in ROWS:
            message = messages[row["subject"]]
            submissions = list(session.scalars(select(Submission).where(Submission.message_pk == message.id)))
            replies = list(session.scalars(select(Outgoing).where(Outgoing.source_message_pk == message.id)))
            report += [f"{row['file']}: {problem}" for problem in _problems(row, message, submissions, replies)]
    assert not report, "\n".join(report)


def test_corpus_subjects_are_unique_so_rows_can_be_found():
    assert len({row["subject"] for row in ROWS}) == len(ROWS)
