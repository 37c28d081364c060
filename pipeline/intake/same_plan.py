"""Is this form a plan we already have? One plan, one File No, whatever route it comes back by.

A form is matched, most certain first, by: the File No it gives (written loosely, or in
the subject or the body when the form leaves the box blank); the thread it answers (our
acknowledgement, our "please check" reply, a reviewer's mail, or the member's own earlier
message); the same attachment (SHA-256); the same content (the read fields, normalised for
case and spaces: the same plan as .docx, .csv or typed in the body has one hash); the same
title from the same person. A title that is the same, or very like, but from someone else is
only a *possible* duplicate: the reviewer decides (`mln merge`, `mln keep-separate`).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pipeline.store import group_batch
from pipeline.store.models import Attachment, Item, Message, Outgoing, Submission
from pipeline.store.plans import latest_revision, resolve_file_no
from pipeline.templates_io.validate import loose_file_no

# The read fields that make a plan's content; the File No box is how it is filed, not what it says.
CONTENT_FIELDS = (
    "title",
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
    "date_updated",
    "completion_date",
    "completion_note",
    "summary",
    "actions",
    "outcomes",
    "learning",
    "link",
    "share_externally",
)
# Titles at least this alike (difflib ratio, after normalising) may be the same plan.
SIMILAR_TITLE = 0.85
# How many recent plans of the same theme or lead are compared by title.
CANDIDATES = 300
# In a group of messages, the newest plans are read once for the whole group (see PlanIndex).
INDEX_WINDOW = 1000
_INDEX_KEY = "mln.plan_index"
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b"), "'") | dict.fromkeys(map(ord, "\u201c\u201d\u201e"), '"')


def normalise(value: object) -> str:
    """Text compared as a reader would: one case, one kind of dash and quote, single spaces."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    return " ".join(text.translate(_DASHES).translate(_QUOTES).casefold().split())


def normalise_title(value: str) -> str:
    return normalise(value).strip(" .,;:!-")


# Free-text boxes whose last lines may be the sender's sign-off when the form was typed in the body.
_FREE_TEXT = ("summary", "actions", "outcomes", "learning", "completion_note")
_SIGN_OFF = re.compile(
    r"^(?i:((kind|best|warm|many)\s+)?(regards|wishes|thanks)|thank\s+you|cheers|best|thanks)[\s,!.]*$"  # a closing
    r"|^[A-Z][\w'\-]*(?:[ ]+[A-Z][\w'\-]*){0,2},?$"  # a name: one to three capitalised words, no full stop
)


def without_sign_off(text: str) -> str:
    """'...teams.\n\nHelen' -> '...teams.': a short last paragraph of a name or 'Kind regards' is not content.

    Only for recognising a plan: what the member wrote is stored as written.
    """
    paragraphs = [p for p in re.split(r"\n\s*\n", (text or "").strip()) if p.strip()]
    while (
        len(paragraphs) > 1
        and len(paragraphs[-1]) <= 40
        and all(_SIGN_OFF.match(line.strip()) for line in paragraphs[-1].splitlines() if line.strip())
    ):
        paragraphs.pop()
    return "\n\n".join(paragraphs)


def content_hash(columns: dict) -> str:
    """One hash for the plan's content, the same whichever format and route it came by."""
    picked = {
        key: normalise(without_sign_off(columns.get(key) or "") if key in _FREE_TEXT else columns.get(key))
        for key in CONTENT_FIELDS
    }
    return hashlib.sha256(json.dumps(picked, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class PlanMatch:
    """The plan a form belongs to: its latest revision (or the one copy, for a plan without a File No)."""

    submission: Submission
    how: str  # what showed it: "File No", "thread", "same attachment", "same content", "same title and sender"
    certain: bool = True

    @property
    def item(self) -> Item | None:
        return self.submission.item


@dataclass(frozen=True)
class Wanted:
    """What is known of the form and its message, for matching."""

    columns: dict  # the Submission columns the form fills
    content_hash: str
    attachment_sha: str
    file_no: str  # from the form, else from the subject or body; '' if none
    thread: tuple[str, ...]  # the Message-IDs the message answers
    people: frozenset[str]  # the sender, and the author of a forwarded plan


@dataclass
class PlanIndex:
    """The newest plans (with their attachment's SHA-256), read once for a group of messages.

    As the store's group batch does for members and reply counts: a group asks the database
    once, not once per message. Plans the group files are added as they are made, so a later
    message of the group finds them; older plans than the window are still asked one by one.
    """

    batch: object
    rows: list[tuple[Submission, str]]
    complete: bool  # the window holds every plan: nothing older to ask about

    def add(self, row: Submission, sha: str) -> None:
        self.rows.insert(0, (row, sha))


def plan_index(session: Session) -> PlanIndex | None:
    """The group's index of plans, read on first use; None when this message is handled alone."""
    batch = group_batch.current(session)
    if batch is None:
        return None
    index = session.info.get(_INDEX_KEY)
    if index is None or index.batch is not batch:
        query = (
            select(Submission, Attachment.sha256)
            .outerjoin(Attachment, Submission.attachment_id == Attachment.id)
            .order_by(Submission.id.desc())
            .limit(INDEX_WINDOW)
        )
        rows = [(row, sha or "") for row, sha in session.execute(query)]
        index = PlanIndex(batch, rows, complete=len(rows) < INDEX_WINDOW)
        session.info[_INDEX_KEY] = index
    return index


def remember(session: Session, row: Submission, attachment: Attachment | None) -> None:
    """A plan filed just now, for the rest of the group to find."""
    index = plan_index(session)
    if index is not None:
        index.add(row, attachment.sha256 if attachment is not None else "")


def find_certain(session: Session, wanted: Wanted) -> PlanMatch | None:
    """The plan this form certainly belongs to, or None."""
    item = resolve_file_no(session, wanted.file_no)
    if item is not None:
        latest = latest_revision(session, item)
        if latest is not None:
            return PlanMatch(latest, "File No")
    for how, found in (
        ("thread", lambda: _in_thread(session, wanted)),
        ("same attachment", lambda: _same_attachment(session, wanted.attachment_sha, wanted.columns.get("title", ""))),
        ("same content", lambda: _same_content(session, wanted.content_hash)),
    ):
        row = found()
        if row is not None:
            return PlanMatch(_current(session, row), how)
    return None


def find_near(session: Session, wanted: Wanted) -> tuple[PlanMatch | None, str]:
    """By title: (a certain match from the same person, '') or (a possible duplicate, why), or (None, '')."""
    title = normalise_title(wanted.columns.get("title", ""))
    if not title:
        return None, ""
    best: tuple[float, Submission, str] | None = None
    for row in _candidates(session, wanted):
        ratio = 1.0 if normalise_title(row.title) == title else similarity(title, normalise_title(row.title))
        if ratio < SIMILAR_TITLE:
            continue
        same_person = bool(wanted.people & _people(row))
        if same_person and (ratio == 1.0 or row.status == "needs_changes"):
            # A copy sent back for changes comes back corrected, its title's typos too.
            how = "same title and sender" if ratio == 1.0 else "corrected copy from the same sender"
            return PlanMatch(_current(session, row), how), ""
        why = _why_near(wanted, row, ratio, same_person)
        if why and (best is None or ratio > best[0]):
            best = (ratio, row, why)
    if best is None:
        return None, ""
    return PlanMatch(_current(session, best[1], lock=False), "similar title", certain=False), best[2]


def _why_near(wanted: Wanted, row: Submission, ratio: float, same_person: bool) -> str:
    same_lead = _same_lead(wanted.columns, row)
    same_theme = wanted.columns.get("theme_number") is not None and wanted.columns["theme_number"] == row.theme_number
    title = "same title" if ratio == 1.0 else f"very similar title ({ratio:.0%} alike)"
    if same_lead and not same_person:
        return f"{title} and lead contact, but sent by {_one(wanted.people)} (the earlier copy by {row.sender})"
    if same_person or same_lead:
        return f"{title}, from the same {'sender' if same_person else 'lead contact'}"
    if same_theme and ratio == 1.0:
        return f"{title} and key theme, from someone else ({row.sender})"
    return ""


def _one(people: frozenset[str]) -> str:
    return ", ".join(sorted(people)) or "an unknown sender"


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _people(row: Submission) -> set[str]:
    return {p.lower() for p in (row.sender, row.forwarded_by) if p}


def _same_lead(columns: dict, row: Submission) -> bool:
    email = normalise(columns.get("lead_email"))
    if email and email == normalise(row.lead_email):
        return True
    name = normalise(columns.get("lead_name"))
    return bool(name) and name == normalise(row.lead_name)


def _candidates(session: Session, wanted: Wanted) -> Iterable[Submission]:
    """Recent plans of the same theme, the same lead or the same sender (newest first)."""
    cols = wanted.columns
    alike = []
    if cols.get("theme_number") is not None:
        alike.append(Submission.theme_number == cols["theme_number"])
    if cols.get("lead_email"):
        alike.append(Submission.lead_email == cols["lead_email"])
    if wanted.people:
        alike.append(Submission.sender.in_(sorted(wanted.people)))
    if not alike:
        return []
    index = plan_index(session)
    if index is not None:
        people = {p.lower() for p in wanted.people}
        return [
            row
            for row, _ in index.rows
            if row.status != "rejected"
            and (
                (cols.get("theme_number") is not None and row.theme_number == cols["theme_number"])
                or (cols.get("lead_email") and row.lead_email == cols["lead_email"])
                or row.sender in people
            )
        ][:CANDIDATES]
    query = (
        select(Submission)
        .where(or_(*alike), Submission.status != "rejected")
        .order_by(Submission.id.desc())
        .limit(CANDIDATES)
    )
    return list(session.scalars(query))


def _current(session: Session, row: Submission, lock: bool = True) -> Submission:
    """The plan's latest revision (locked, unless only looked at), or the row itself when it has no File No."""
    if row.item is None:
        return row
    item = row.item if row.item.merged_into_id is None else resolve_file_no(session, row.item.file_no) or row.item
    return latest_revision(session, item, lock=lock) or row


def _in_thread(session: Session, wanted: Wanted) -> Submission | None:
    ids = [i for i in wanted.thread if i][:50]
    if not ids:
        return None
    ours = select(Outgoing.source_message_pk).where(
        Outgoing.message_id.in_(ids), Outgoing.source_message_pk.is_not(None)
    )
    theirs = select(Message.id).where(Message.message_id.in_(ids))
    query = (
        select(Submission)
        .where(or_(Submission.message_pk.in_(ours), Submission.message_pk.in_(theirs)))
        .order_by(Submission.id)
    )
    return _one_plan(list(session.scalars(query)), wanted.columns.get("title", ""))


def _one_plan(rows: Sequence[Submission], title: str) -> Submission | None:
    """The one plan among rows (several rows of one File No count once); by title if there are several."""
    plans = {row.item_id if row.item_id is not None else -row.id: row for row in rows}
    if len(plans) > 1:
        plans = {key: row for key, row in plans.items() if normalise_title(row.title) == normalise_title(title)}
    return next(iter(plans.values())) if len(plans) == 1 else None


def _same_attachment(session: Session, sha: str, title: str) -> Submission | None:
    """A form from the same file as before (one file may hold several forms: the one with this title)."""
    if not sha:
        return None
    wanted = normalise_title(title)
    index = plan_index(session)
    if index is not None:
        found = next((r for r, s in index.rows if s == sha and normalise_title(r.title) == wanted), None)
        if found is not None or index.complete:
            return found
    query = (
        select(Submission)
        .join(Attachment, Submission.attachment_id == Attachment.id)
        .where(Attachment.sha256 == sha)
        .order_by(Submission.id.desc())
        .limit(50)
    )
    return next((row for row in session.scalars(query) if normalise_title(row.title) == wanted), None)


def _same_content(session: Session, digest: str) -> Submission | None:
    index = plan_index(session)
    if index is not None:
        found = next((row for row, _ in index.rows if row.content_hash == digest), None)
        if found is not None or index.complete:
            return found
    query = select(Submission).where(Submission.content_hash == digest).order_by(Submission.id.desc()).limit(1)
    return session.scalar(query)


# A File No inside running text: two letters (and a digit), a year, a number; an optional network prefix before.
_FILE_NO_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Za-z0-9]{1,10}\s?[-\u2010-\u2015]\s?)?[A-Za-z]{2}\d?[\s\-_/.\u2010-\u2015]*\d{4}"
    r"[\s\-_/.\u2010-\u2015]*\d{1,6}(?![0-9])"
)


def file_nos_in(texts: Iterable[str], prefix: str = "") -> list[str]:
    """File Nos written anywhere in these texts (a subject, a body), each once, in order."""
    found: list[str] = []
    for text in texts:
        for match in _FILE_NO_IN_TEXT.finditer((text or "")[:20_000]):
            value = loose_file_no(match.group(0), prefix)
            if value and value not in found:
                found.append(value)
    return found
