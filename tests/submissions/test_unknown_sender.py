"""A form from an address that is not a known team leader is queued, marked "unknown sender"."""

from __future__ import annotations

from sqlalchemy import select
from submissions.conftest import build_mail

from pipeline.people.members import MemberInput, add_member
from pipeline.store.db import transaction
from pipeline.store.models import Submission

FORM = (
    "Practice example / improvement / learning: Memory cafe\nKey theme: 8\nLocation: Kendal\n"
    "Lead contact: Bernadette Walsh\nLead contact email: b.walsh@example.org\nStatus: Planned\n"
    "Summary / aim: A weekly memory cafe run with the voluntary sector.\n"
)


def unknown_flags(settings) -> dict[str, bool]:
    with transaction(settings.database.url, readonly=True) as session:
        return {row.sender: row.unknown_sender for row in session.scalars(select(Submission))}


def test_known_member_is_not_flagged_and_a_stranger_is(settings, deliver):
    with transaction(settings.database.url) as session:
        add_member(
            session, settings, MemberInput(email="b.walsh@example.org", name="Bernadette Walsh", region="North West")
        )

    deliver(build_mail(body=FORM, sender="b.walsh@example.org"))
    deliver(build_mail(body=FORM.replace("Memory cafe", "Memory cafe in Ambleside"), sender="mallory@unknown.example"))

    assert unknown_flags(settings) == {"b.walsh@example.org": False, "mallory@unknown.example": True}
