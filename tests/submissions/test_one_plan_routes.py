"""One plan, one File No: the routes the corpus (tests/intake/test_one_plan_corpus.py) does not walk.

Chasers without a form, a repeat of an approved plan, another plan sent in the thread of
our acknowledgement, forward headers as Outlook, Gmail and Apple Mail write them, and the
field-by-field difference the reviewer is shown.
"""

from __future__ import annotations

import email
from email.policy import default

from sqlalchemy import select

from pipeline.intake.forwards import find_forward
from pipeline.mail import parse_mail
from pipeline.review import approve, show_submission
from pipeline.review.changes import field_changes, summary_line
from pipeline.store import db
from pipeline.store.models import AuditEvent, Item, Outgoing, Submission

from .conftest import build_mail

FORM = (
    "Practice example / improvement / learning: Falls clinic for care homes\nKey theme: 6\nLocation: Leeds\n"
    "Lead contact name: Jo Example\nLead contact email: jo@example.org\nStatus: Planned\n"
    "Summary / aim: Fewer falls in six homes.\nOutcomes: Falls down by a third.\n"
)
JO = "jo@example.org"


def _rows(settings, model):
    with db.transaction(settings.database.url, readonly=True) as session:
        return list(session.scalars(select(model).order_by(model.id)))


def _last_reply(settings) -> email.message.EmailMessage:
    with db.transaction(settings.database.url, readonly=True) as session:
        row = session.scalars(select(Outgoing).order_by(Outgoing.id.desc())).first()
        return email.message_from_bytes(row.raw, policy=default)


def _text(message) -> str:
    return " ".join(message.get_body(("plain",)).get_content().split())


def test_a_chaser_without_a_form_is_answered_with_the_file_no_and_status(settings, deliver):
    deliver(build_mail(subject="Our plan", body=FORM, sender=JO))
    (item,) = _rows(settings, Item)
    _, _, result = deliver(
        build_mail(subject="Plan", body="Hi, just checking you received our plan last week?\n\nJo", sender=JO),
        handler="submission",
    )
    assert result.outcome == "processed" and item.file_no in result.reason
    reply = _last_reply(settings)
    assert f"already received as File No {item.file_no}" in _text(reply)
    assert "waiting for the communications lead's review" in _text(reply)
    assert len(_rows(settings, Submission)) == 1
    assert [e.action for e in _rows(settings, AuditEvent)] == ["asked"]
    # Someone with no plans who asks the same is not told about anybody else's.
    _, _, result = deliver(
        build_mail(subject="Plan", body="Did you get our plan?", sender="other@example.org"), handler="submission"
    )
    assert result.outcome == "held"


def test_a_repeat_of_an_approved_plan_says_so_and_files_nothing(settings, deliver):
    _, _, first = deliver(build_mail(subject="Our plan", body=FORM, sender=JO))
    approve(settings, first.details["submissions"], "comms-lead")
    _, _, again = deliver(build_mail(subject="Our plan (again)", body=FORM.replace("Leeds", "  LEEDS "), sender=JO))
    assert again.details["repeats"] == first.details["file_nos"]
    text = _text(_last_reply(settings))
    assert f"already received as File No {first.details['file_nos'][0]}" in text and "It was approved" in text
    assert len(_rows(settings, Submission)) == 1


def test_another_plan_sent_in_the_thread_of_our_acknowledgement_is_a_new_plan(settings, deliver):
    deliver(build_mail(subject="Our plan", body=FORM, sender=JO))
    ack = _last_reply(settings)
    other = FORM.replace("Falls clinic for care homes", "Memory cafe in the library").replace("falls", "isolation")
    headers = {"In-Reply-To": ack["Message-ID"], "References": ack["Message-ID"]}
    deliver(build_mail(subject="Re: " + ack["Subject"], body=other, sender=JO, headers=headers))
    assert len(_rows(settings, Item)) == 2


def test_a_changed_resend_in_the_thread_of_our_acknowledgement_is_the_next_revision(settings, deliver):
    deliver(build_mail(subject="Our plan", body=FORM, sender=JO))
    ack = _last_reply(settings)
    headers = {"In-Reply-To": ack["Message-ID"], "References": ack["Message-ID"]}
    changed = FORM.replace("Status: Planned", "Status: Implemented").replace("Outcomes: Falls down by a third.\n", "")
    _, _, result = deliver(
        build_mail(subject="Re: " + ack["Subject"], body=changed, sender="colleague@example.org", headers=headers)
    )
    first, second = _rows(settings, Submission)
    assert (second.item_id, second.revision, second.is_update) == (first.item_id, 2, True)
    detail = show_submission(settings, second.id)
    assert {c["field"] for c in detail["changes"]["fields"]} == {"progress", "outcomes"}
    assert detail["changes"]["emptied"] == ["Outcomes"]
    assert "EMPTIED: Outcomes" in detail["changes_summary"]
    assert "revision 2" in _text(_last_reply(settings))


def test_forward_headers_as_mail_programs_write_them():
    def mail(subject: str, body: str) -> bytes:
        return build_mail(subject=subject, body=body, sender="anne@example.org")

    outlook = (
        "FYI\n\n________________________________\nFrom: Okafor Helen (LEEDS TRUST) [mailto:Helen.Okafor@Example.NHS.test]\n"
        "Sent: 15 September 2026 16:45\nTo: Anne\nSubject: Our plan\n\nKey theme: 3\n"
    )
    found = find_forward(parse_mail(mail("FW: Our plan", outlook)))
    assert found is not None and (found.author_addr, found.how) == ("helen.okafor@example.nhs.test", "inline")
    apple = "Begin forwarded message:\n\nFrom: Bernadette Walsh <b.walsh@example.org>\nDate: 14 September 2026\n"
    assert find_forward(parse_mail(mail("Our cafe", apple))).author_addr == "b.walsh@example.org"
    original = "-----Original Message-----\nFrom: Tom <tom@example.org>\nSent: Monday\nSubject: x\n"
    assert find_forward(parse_mail(mail("FW: x", original))).author_name == "Tom"
    # In a reply the same block is the quoted history (often our own acknowledgement): nobody is credited.
    assert find_forward(parse_mail(mail("RE: Received: x", original))) is None
    ours = "-----Original Message-----\nFrom: MLN <mln@example.org>\nSent: Monday\n"
    assert find_forward(parse_mail(mail("FW: x", ours)), frozenset({"mln@example.org"})) is None


def test_changes_name_each_field_and_call_out_emptied_boxes():
    old = {"title": "Falls clinic", "progress": "Planned", "outcomes": "Falls down", "summary": "A  b"}
    new = {"title": "Falls clinic", "progress": "Implemented", "outcomes": "", "summary": "A b"}
    changes = field_changes(old, new)
    assert [(c.field, c.emptied) for c in changes] == [("progress", False), ("outcomes", True)]
    assert summary_line(changes) == "changed: Status; EMPTIED: Outcomes"
