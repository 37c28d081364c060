"""A group's shared questions, asked once (pipeline/store/group_batch.py).

Messages handled together in one transaction ask once for the whole group
whether their senders are members, how many automatic replies each sender has
had today, and take File Nos a block at a time. Seen from outside, nothing may
differ from handling them one by one: File Nos without gaps, the daily reply
limit kept, unknown senders marked. And the number of statements a pass runs
no longer grows with each message of a group.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import event, select

from pipeline import passes
from pipeline.people.members import MemberInput, add_member
from pipeline.store import db
from pipeline.store.counters import allocate_file_no
from pipeline.store.models import AutoReplyCount, FileNoSequence, Outgoing, Submission

THEMES = {5: "In Patient Services", 3: "Workforce"}


def form_message(n: int, theme: int, sender: str = "") -> bytes:
    """A completed form typed in the body, as team leaders send them from a phone."""
    sender = sender or f"leader{n}@example.nhs.test"
    return (
        f"From: Team Leader {n} <{sender}>\r\n"
        f"To: mln@example.org\r\n"
        f"Subject: Improvement plan {n}\r\n"
        f"Message-ID: <plan-{n}@example.nhs.test>\r\n"
        f"Date: Tue, 24 Nov 2026 09:00:00 +0000\r\n"
        f"\r\n"
        f"Practice example / improvement / learning: Ward handover checklist {n}\r\n"
        f"Key theme: {theme}\r\n"
        f"Location: Rotherham\r\n"
        f"Region: Yorkshire & Humber\r\n"
        f"Lead contact: Team Leader {n}, {sender}\r\n"
        f"Status: Being implemented\r\n"
        f"Date commenced: March 2026\r\n"
        f"Summary: One checklist for every handover, so nothing is missed between shifts.\r\n"
        f"Share externally: Yes\r\n"
    ).encode()


def with_config(intake, extra: str):
    intake.config_path.write_text(intake.config_path.read_text() + extra)
    return intake


def submissions(intake) -> list[dict]:
    with db.transaction(intake.settings.database.url, readonly=True) as session:
        return [
            {"file_no": s.file_no, "sender": s.sender, "unknown_sender": s.unknown_sender, "reply_id": s.reply_id}
            for s in session.scalars(select(Submission).order_by(Submission.id))
        ]


def test_file_nos_taken_in_groups_have_no_gaps_and_the_next_form_counts_on(intake):
    # Ten forms for two themes in groups of four: each group takes a block per theme and gives back the rest.
    intake.account.append_many([form_message(n, theme=(5, 3)[n % 2]) for n in range(10)])

    summary = passes.poll_once(intake.settings)

    assert summary.outcomes["processed"] == 10
    by_theme: dict[str, list[int]] = {}
    for row in submissions(intake):
        code, _year, number = row["file_no"].rsplit("-", 2)
        by_theme.setdefault(code, []).append(int(number))
    assert sorted(by_theme) == ["IP", "WO"]
    assert all(numbers == [1, 2, 3, 4, 5] for numbers in by_theme.values()), by_theme
    with db.transaction(intake.settings.database.url) as session:
        assert sorted(session.scalars(select(FileNoSequence.last))) == [5, 5]
        assert allocate_file_no(session, intake.settings, THEMES[5], 2026)[0] == "IP-2026-006"


def test_the_daily_reply_limit_holds_across_a_group(intake):
    with_config(intake, "[limits]\nauto_replies_per_day = 3\n")
    busy = "busy.leader@example.nhs.test"
    # Six forms from one sender (a group of four, then two) and one from another.
    intake.account.append_many([form_message(n, theme=5, sender=busy) for n in range(6)] + [form_message(6, theme=3)])

    summary = passes.poll_once(intake.settings)

    assert summary.outcomes["processed"] == 7
    with db.transaction(intake.settings.database.url, readonly=True) as session:
        replies = Counter(session.scalars(select(Outgoing.recipient)))
        counts = dict(session.execute(select(AutoReplyCount.address, AutoReplyCount.count)).all())
    assert replies == {busy: 3, "leader6@example.nhs.test": 1}
    assert counts == {busy: 3, "leader6@example.nhs.test": 1}
    assert sum(1 for s in submissions(intake) if s["reply_id"] is None) == 3  # filed all the same, without a reply


def test_only_senders_who_may_get_a_reply_are_counted(intake):
    # An automatic message in the group gets no reply and leaves no count behind.
    automatic = form_message(1, theme=5).replace(b"Subject:", b"Auto-Submitted: auto-generated\r\nSubject:", 1)
    intake.account.append_many([form_message(0, theme=5), automatic])

    passes.poll_once(intake.settings)

    with db.transaction(intake.settings.database.url, readonly=True) as session:
        counts = dict(session.execute(select(AutoReplyCount.address, AutoReplyCount.count)).all())
    assert counts == {"leader0@example.nhs.test": 1}


def test_unknown_senders_are_marked_within_a_group(intake):
    with db.transaction(intake.settings.database.url) as session:
        add_member(session, intake.settings, MemberInput(email="Leader1@Example.NHS.test", name="Team Leader 1"))
    intake.account.append_many([form_message(n, theme=5) for n in range(4)])

    passes.poll_once(intake.settings)

    unknown = {s["sender"]: s["unknown_sender"] for s in submissions(intake)}
    assert unknown == {
        "leader0@example.nhs.test": True,
        "leader1@example.nhs.test": False,
        "leader2@example.nhs.test": True,
        "leader3@example.nhs.test": True,
    }


def statements_in_a_pass(intake, numbers: range) -> Counter:
    """The statements one pass over new forms numbered `numbers` sends to the database, by verb."""
    intake.account.append_many([form_message(n, theme=(5, 3)[n % 2]) for n in numbers])
    engine = db.get_engine(intake.settings.database.url)
    seen: Counter = Counter()

    def count_statement(_conn, _cursor, statement, _params, _context, _executemany):  # type: ignore[no-untyped-def]
        seen[statement.split(None, 1)[0].upper()] += 1

    event.listen(engine, "before_cursor_execute", count_statement)
    try:
        summary = passes.poll_once(intake.settings)
    finally:
        event.remove(engine, "before_cursor_execute", count_statement)
    assert summary.outcomes["processed"] == len(numbers)
    return seen


def test_a_bigger_group_sends_no_more_statements(intake):
    intake.config_path.write_text(intake.config_path.read_text().replace("batch_size = 4", "batch_size = 12"))
    statements_in_a_pass(intake, range(0, 2))  # the folder's state, the sequences and Processed exist from here on

    four = statements_in_a_pass(intake, range(100, 104))
    twelve = statements_in_a_pass(intake, range(200, 212))

    if db.get_engine(intake.settings.database.url).dialect.name == "sqlite":
        # SQLite cannot say which id went to which row of a many-row INSERT, so the ORM
        # inserts those rows one by one; in process, that is a call, not a round trip.
        four.pop("INSERT"), twelve.pop("INSERT")
    assert twelve == four, (four, twelve)
    assert sum(four.values()) < 40, four
