"""What is stored and what the acknowledgement says when consent, status, dates or the File No were read loosely.

Real messages through the real inbox rules and the submission handler, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import email
from email.policy import default

import pytest
from sqlalchemy import select
from sqlalchemy.orm import undefer
from templates_io.choice_forms import (
    Xml,
    docx_form,
    legacy_checkbox,
    legacy_dropdown,
    run,
)

from pipeline.store import db
from pipeline.store.models import Outgoing, Submission

from .conftest import build_mail

NOT_SHARED = "we will not share this outside the network: reply YES to allow it"


def _body_form(**boxes: str) -> str:
    fields = {
        "Practice example / improvement / learning": "Memory cafe",
        "Key theme": "9",
        "Location": "Selby",
        "Lead contact name": "Jo Example",
        "Lead contact email": "jo.example@example.nhs.test",
        "Status": "Being implemented",
        "Summary / aim": "A monthly cafe.",
    }
    fields.update({label.replace("_", " "): value for label, value in boxes.items()})
    return "Hello,\n\n" + "\n".join(f"{label}: {value}" for label, value in fields.items()) + "\n\nKind regards\nJo\n"


def _last(settings) -> tuple[Submission, str]:
    with db.transaction(settings.database.url, readonly=True) as session:
        sub = session.scalars(select(Submission).order_by(Submission.id.desc())).first()
        row = session.scalars(select(Outgoing).order_by(Outgoing.id.desc()).options(undefer(Outgoing.raw))).first()
        session.expunge_all()
    reply = email.message_from_bytes(row.raw, policy=default)
    return sub, reply.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    ("share", "stored", "says"),
    [
        ("Yes", True, None),
        ("Yes / No", None, "You did not say whether it may be shared externally"),
        ("\u2610 Yes \u2612 No", False, "You said no to sharing it externally"),
        ("No - internal only", False, "You said no to sharing it externally"),
        ("Yes but not my email address", None, "We could not read 'Yes but not my email address' as a clear yes"),
        ("", None, "You did not say whether it may be shared externally"),
    ],
)
def test_anything_but_a_clear_yes_stays_inside_and_the_acknowledgement_says_so_in_one_line(
    settings, deliver, share, stored, says
):
    _, _, result = deliver(build_mail(body=_body_form(Share_externally=share)))
    assert result.outcome == "processed"
    sub, text = _last(settings)
    assert sub.share_externally is stored
    assert sub.status == "pending", sub.problems
    if says is None:
        assert NOT_SHARED not in text
    else:
        (line,) = [line for line in text.splitlines() if NOT_SHARED in line]
        assert line.startswith(says)


def test_a_legacy_word_form_with_no_ticked_and_implemented_chosen(settings, deliver):
    form = docx_form(
        {
            "Share externally": Xml(legacy_checkbox(False) + run(" Yes  ") + legacy_checkbox(True) + run(" No")),
            "Status": Xml(legacy_dropdown(["Planned", "Being implemented", "Implemented"], 2)),
        }
    )
    deliver(build_mail(attachments=[("plan.docx", form)]))
    sub, text = _last(settings)
    assert (sub.share_externally, sub.progress, sub.status) == (False, "Implemented", "pending")
    assert NOT_SHARED in text


def test_loose_dates_and_an_unlisted_region_are_filed_and_told_not_sent_back(settings, deliver):
    deliver(
        build_mail(
            body=_body_form(
                Share_externally="Yes",
                Region="Yorkshire and the Humber",
                Date_commenced="w/c 3rd March 2025",
                Completion_date="Q2 2025/26",
            )
        )
    )
    sub, _ = _last(settings)
    assert sub.status == "pending" and sub.region == "Yorkshire & Humber"
    assert (str(sub.date_commenced), sub.date_commenced_precision) == ("2025-03-03", "day")
    assert (str(sub.completion_date), sub.completion_date_precision) == ("2025-07-01", "quarter")
    assert sub.raw_fields["completion_date"] == "Q2 2025/26"  # what was written, beside what was understood
    deliver(
        build_mail(
            body=_body_form(Share_externally="Yes", Region="Narnia", Date_commenced="TBC", Status="Not started yet")
        )
    )
    sub, text = _last(settings)
    assert (sub.status, sub.region, sub.date_commenced, sub.progress) == ("pending", "Narnia", None, "Planned")
    assert "Region 'Narnia' is not one of the network's regions" in text and "kept it as you wrote it" in text


def test_an_unclear_status_is_quoted_back(settings, deliver):
    deliver(build_mail(body=_body_form(Status="On hold until funding")))
    sub, text = _last(settings)
    assert sub.status == "needs_changes"
    assert "Status 'On hold until funding' is not one we know" in text


def test_a_file_no_written_loosely_updates_its_plan_and_is_never_told_to_leave_the_box_blank(settings, deliver):
    deliver(build_mail(body=_body_form(Share_externally="Yes")))
    first, _ = _last(settings)
    with db.transaction(settings.database.url, readonly=True) as session:
        file_no = session.get(Submission, first.id).file_no
    loose = file_no.lower().replace("-", " - ") + "."
    deliver(
        build_mail(subject="Updated plan", body=_body_form(File_No=loose, Share_externally="Yes", Status="Implemented"))
    )
    update, text = _last(settings)
    assert update.item_id == first.item_id and update.is_update and update.revision == 2
    assert update.status == "pending", update.problems
    assert "leave the File No box blank" not in text and "leave File No blank" not in text
    assert f"an update to {file_no}" in text


def _ack_id(settings) -> str:
    with db.transaction(settings.database.url, readonly=True) as session:
        return session.scalars(select(Outgoing.message_id).order_by(Outgoing.id.desc())).first()


def _reply_to_ack(
    settings, body: str, sender: str = "alex.example@example.nhs.test", subject: str = "Re: Received"
) -> bytes:
    ack = _ack_id(settings)
    quoted = "\n".join("> " + line for line in ("Thank you for your improvement plan.", NOT_SHARED))
    return build_mail(
        subject=subject, body=f"{body}\n\n{quoted}\n", sender=sender, headers={"In-Reply-To": ack, "References": ack}
    )


@pytest.mark.parametrize("answer", ["YES", "Hi Sam,\nYes, happy to share", "Yes please", "Ydw"])
def test_a_yes_in_reply_to_the_acknowledgement_lets_the_plan_out(settings, deliver, answer):
    deliver(build_mail(body=_body_form(Share_externally="Yes / No")))
    plan, _ = _last(settings)
    _, handler, result = deliver(_reply_to_ack(settings, answer))
    assert (handler, result.outcome) == ("share_consent", "processed")
    with db.transaction(settings.database.url, readonly=True) as session:
        assert session.get(Submission, plan.id).share_externally is True
        from pipeline.store.models import AuditEvent

        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.submission_id == plan.id))
        assert event.action == "share consent" and event.actor == "alex.example@example.nhs.test"
    _, text = _last(settings)
    assert "We will now share these plans outside the network" in text


@pytest.mark.parametrize(
    ("answer", "sender"),
    [
        ("Yes but not my email address", "alex.example@example.nhs.test"),  # not a clear yes: a person reads it
        ("YES", "someone.else@example.org"),  # consent comes from the plan's sender or its lead contact
    ],
)
def test_a_reply_about_sharing_that_is_not_a_clear_yes_from_the_member_is_held(settings, deliver, answer, sender):
    deliver(build_mail(body=_body_form(Share_externally="No")))
    plan, _ = _last(settings)
    _, handler, result = deliver(_reply_to_ack(settings, answer, sender=sender))
    assert (handler, result.outcome) == ("share_consent", "held")
    with db.transaction(settings.database.url, readonly=True) as session:
        assert session.get(Submission, plan.id).share_externally is False


def test_a_yes_naming_the_file_no_in_the_subject(settings, deliver):
    deliver(build_mail(body=_body_form(Share_externally="")))
    plan, _ = _last(settings)
    with db.transaction(settings.database.url, readonly=True) as session:
        file_no = session.get(Submission, plan.id).file_no
    deliver(build_mail(subject=f"RE: Received: Memory cafe ({file_no})", body="Yes\n"))
    with db.transaction(settings.database.url, readonly=True) as session:
        assert session.get(Submission, plan.id).share_externally is True
