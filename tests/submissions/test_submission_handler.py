"""The submission handler on real messages, real sample files, the real inbox rules, SQLite and PostgreSQL."""

from __future__ import annotations

import email
import re
from email.policy import default

from sqlalchemy import select
from sqlalchemy.orm import undefer

from pipeline.store import db
from pipeline.store.models import Attachment, Item, Outgoing, Submission

from .conftest import SAMPLES, build_mail


def _rows(settings, model, *order):
    with db.transaction(settings.database.url, readonly=True) as session:
        query = select(model).order_by(*(order or (model.id,)))
        if model is Outgoing:
            query = query.options(undefer(Outgoing.raw))
        if model is Attachment:
            query = query.options(undefer(Attachment.data_compressed))
        return list(session.scalars(query))


def _reply(settings) -> email.message.EmailMessage:
    (row,) = _rows(settings, Outgoing)
    return email.message_from_bytes(row.raw, policy=default)


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_valid_docx_becomes_a_pending_submission_with_file_no_and_acknowledgement(settings, deliver):
    raw = build_mail(attachments=["template_filled.docx"])
    message_id, handler, result = deliver(raw)
    assert handler == "submission"
    assert result.outcome == "processed"
    (sub,) = _rows(settings, Submission)
    (item,) = _rows(settings, Item)
    assert re.fullmatch(r"CH-\d{4}-001", item.file_no)
    assert sub.item_id == item.id and sub.revision == 1 and not sub.is_update
    assert sub.status == "pending" and sub.problems == []
    assert sub.theme == "Care Homes / Housing / Home Care / Day Services" and sub.theme_number == 6
    assert sub.progress == "Being implemented"
    assert (str(sub.date_commenced), sub.date_commenced_precision) == ("2006-06-01", "month")
    assert (str(sub.completion_date), sub.completion_date_precision) == ("2006-09-01", "month")
    assert (
        sub.summary
        == "Give care-home staff the knowledge to spot depression and dementia early.\nEvery home in the borough to take part."
    )
    assert sub.share_externally is True and sub.region == "Yorkshire & Humber"
    assert sub.message_pk == message_id and sub.sender == "alex.example@example.nhs.test"
    (attachment,) = _rows(settings, Attachment)
    assert sub.attachment_id == attachment.id
    assert attachment.data == (SAMPLES / "template_filled.docx").read_bytes()  # the original stays retrievable
    reply = _reply(settings)
    assert reply["To"].addresses[0].addr_spec == "alex.example@example.nhs.test"
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == email.message_from_bytes(raw, policy=default)["Message-ID"]
    assert item.file_no in reply["Subject"]
    body = _text(reply)
    assert item.file_no in body and "Development of an education package" in body and "What happens next" in body


def test_invalid_form_is_kept_as_needs_changes_and_the_reply_names_each_problem(settings, deliver):
    body = (
        "Practice example / improvement / learning: Falls clinic\nKey theme: Carehomes\nLocation: Leeds\n"
        "Lead contact name: Jo Example\nLead contact email: jo(at)example.org\nStatus: Planned\nSummary / aim: Fewer falls.\n"
    )
    _, handler, result = deliver(build_mail(subject="My plan", body=body))
    assert handler == "submission" and result.outcome == "processed"
    (sub,) = _rows(settings, Submission)
    assert sub.status == "needs_changes" and sub.item_id is None and sub.source == "message body"
    assert sub.raw_fields["theme"] == "Carehomes"
    text = _text(_reply(settings))
    assert (
        "Key theme 'Carehomes' is not one of the ten key themes; did you mean "
        "'Care Homes / Housing / Home Care / Day Services'?"
    ) in text
    assert "Lead contact email 'jo(at)example.org' is not a valid email address" in text
    assert "How to resend" in text and "leave the File No box blank" in text


def test_quoting_a_file_no_makes_an_update_with_history_kept(settings, deliver):
    deliver(build_mail(attachments=["template_filled.docx"]))
    (item,) = _rows(settings, Item)
    update = (
        (SAMPLES / "plain_form.txt")
        .read_text()
        .replace("Practice example", f"File No: {item.file_no}\nPractice example")
    )
    deliver(build_mail(subject="Update", attachments=[("update.txt", update.encode())]))
    subs = _rows(settings, Submission)
    assert [(s.item_id, s.revision, s.is_update) for s in subs] == [(item.id, 1, False), (item.id, 2, True)]
    assert len(_rows(settings, Item)) == 1
    assert subs[1].title == "Clarity around leave arrangements for informal patients"
    assert "revision 2" in _text(email.message_from_bytes(_rows(settings, Outgoing)[-1].raw, policy=default))


def test_an_unknown_file_no_is_filed_as_a_new_plan_and_never_told_to_leave_the_box_blank(settings, deliver):
    update = (SAMPLES / "plain_form.txt").read_text() + "File No: CH-2001-999\n"
    deliver(build_mail(attachments=[("form.txt", update.encode())]))
    (sub,) = _rows(settings, Submission)
    assert sub.status == "pending" and sub.item_id is not None and sub.file_no_given == "CH-2001-999"
    text = _text(_reply(settings))
    assert "CH-2001-999 is not one we have on record" in text and "leave the File No box blank" not in text


def test_several_forms_in_one_message_give_one_submission_each_and_one_reply(settings, deliver):
    deliver(build_mail(attachments=["two_forms.docx", "template_filled.xlsx"]))
    subs = _rows(settings, Submission)
    assert len(subs) == 3
    assert sorted(i.file_no[:2] for i in _rows(settings, Item)) == ["CH", "IP", "LI"]
    assert len(_rows(settings, Outgoing)) == 1
    assert "3 improvement plans" in _reply(settings)["Subject"]


def test_file_numbers_count_up_per_theme(settings, deliver):
    form = (SAMPLES / "plain_form.txt").read_text()
    for place in ("Leeds", "York", "Hull"):
        plan = form.replace("informal patients", f"informal patients in {place}")
        deliver(build_mail(attachments=[("plan.txt", plan.encode())]))
    assert [i.file_no[-3:] for i in _rows(settings, Item)] == ["001", "002", "003"]
    deliver(build_mail(attachments=["template_filled.docx"]))
    deliver(build_mail(attachments=["template_filled.docx"]))  # the same plan again: no new File No
    assert len(_rows(settings, Item)) == 4


def test_hostile_attachment_gets_a_clear_reply_and_is_held(settings, deliver):
    _, handler, result = deliver(build_mail(attachments=["hostile_zip_bomb.docx"]))
    assert handler == "submission" and result.outcome == "held"
    assert "far more data than a form holds" in result.reason
    assert _rows(settings, Submission) == []
    reply = _reply(settings)
    assert "far more data than a form holds" in _text(reply)
    names = [part.get_filename() for part in reply.iter_attachments()]
    assert names == ["improvement-plan-template.docx", "improvement-plan-template.xlsx"]
    assert len(_rows(settings, Attachment)) == 1  # kept for a person to look at


def test_legacy_doc_gets_a_reply_asking_for_docx(settings, deliver):
    _, _, result = deliver(build_mail(attachments=["legacy_word97.doc"]))
    assert result.outcome == "held"
    assert "save it as .docx" in _text(_reply(settings))


def test_message_with_no_form_is_held_and_every_person_is_answered(settings, deliver):
    _, handler, result = deliver(
        build_mail(
            subject="Lunch on Friday?",
            body="Are we meeting?\n\n> Key theme:\n> Location:\n",
            attachments=[("photo.png", b"\x89PNG\r\n\x1a\n0000")],
        )
    )
    assert handler == "submission" and result.outcome == "held"
    assert "could not read photo.png" in _text(_reply(settings))  # held, but never in silence (#19)
    _, _, result = deliver(
        build_mail(
            subject="Our improvement plan",
            body="Key theme: see the picture",
            attachments=[("photo.png", b"\x89PNG\r\n\x1a\n0000")],
        )
    )
    assert result.outcome == "held"
    last = max(_rows(settings, Outgoing), key=lambda row: row.id)
    assert "We could not find a completed improvement plan" in _text(email.message_from_bytes(last.raw, policy=default))


def test_automatic_mail_is_filed_but_never_answered(settings, deliver):
    raw = build_mail(attachments=["template_filled.docx"], headers={"Auto-Submitted": "auto-generated"})
    assert deliver(raw)[1] != "submission"  # the rules send automatic mail elsewhere; were it routed to us anyway:
    _, _, result = deliver(raw, handler="submission")
    assert len(_rows(settings, Submission)) == 1 and _rows(settings, Outgoing) == []
    assert "no reply sent" in result.reason


def test_macro_enabled_and_libreoffice_files(settings, deliver):
    deliver(build_mail(attachments=["macros.docm", "lo_template_filled.odt", "lo_index_two_rows.ods"]))
    subs = _rows(settings, Submission)
    # The .docm and the .odt hold the same plan: it is filed once.
    assert len(subs) == 3
    assert [s.status for s in subs] == ["pending"] * 3
    assert {s.source for s in subs} == {"macros.docm", "lo_index_two_rows.ods"}
    assert "came twice in your message" in _text(_reply(settings))


def test_template_request_gets_the_blank_forms(settings, deliver):
    _, handler, result = deliver(build_mail(subject="Please send template", body="Could you send me the template?"))
    assert handler == "template_request" and result.outcome == "processed"
    reply = _reply(settings)
    assert reply["Auto-Submitted"] == "auto-replied"
    parts = {part.get_filename(): part.get_content() for part in reply.iter_attachments()}
    assert set(parts) == {"improvement-plan-template.docx", "improvement-plan-template.xlsx"}
    assert "Key theme: " in _text(reply)
    (row,) = _rows(settings, Outgoing)
    assert row.kind == "template"


def test_reply_to_the_template_with_answers_inline_is_a_submission(settings, deliver):
    deliver(build_mail(subject="send template", body="send the template please"))
    quoted = "\n".join("> " + line for line in _text(_reply(settings)).splitlines())
    quoted = (
        quoted.replace(
            "> Practice example / improvement / learning: ", "> Practice example / improvement / learning: Memory cafe"
        )
        .replace("> Key theme: ", "> Key theme: 9")
        .replace("> Location: ", "> Location: Selby")
        .replace("> Lead contact name: ", "> Lead contact name: Jo Example")
        .replace("> Lead contact email: ", "> Lead contact email: jo@example.org")
        .replace("> Status: ", "> Status: Planned")
        .replace("> Summary / aim: ", "> Summary / aim: A monthly cafe.")
    )
    _, handler, result = deliver(build_mail(subject="Re: Reporting template: MLN", body="Here you are.\n\n" + quoted))
    assert handler == "submission", result
    (sub,) = _rows(settings, Submission)
    assert sub.status == "pending", sub.problems
    assert sub.title == "Memory cafe" and sub.theme == "Health Promotion"


def test_a_spreadsheet_of_many_forms_is_held_for_a_person(settings, deliver):
    rows = ["Practice example / improvement / learning,Key theme,Location,Lead contact email"]
    rows += [f"Plan {i},{i % 10 + 1},Leeds,jo{i}@example.org" for i in range(60)]
    _, handler, result = deliver(build_mail(attachments=[("index.csv", "\r\n".join(rows).encode())]))
    assert handler == "submission" and result.outcome == "held"
    assert "60 forms in one message" in result.reason
    assert _rows(settings, Submission) == [] and _rows(settings, Item) == []


def test_a_thank_you_reply_to_the_template_mail_is_held_and_still_answered(settings, deliver):
    deliver(build_mail(subject="send template", body="send the template please"))
    quoted = "\n".join("> " + line for line in _text(_reply(settings)).splitlines())
    _, handler, result = deliver(
        build_mail(subject="Re: Reporting template: MLN", body="Thanks, will do!\n\n" + quoted)
    )
    assert handler == "submission" and result.outcome == "held"
    assert len(_rows(settings, Outgoing)) == 2  # a person's message is never held in silence (#19)


def test_a_corrected_form_takes_the_place_of_the_revision_that_needed_changes(settings, deliver):
    from pipeline.store.models import AuditEvent

    form = (SAMPLES / "plain_form.txt").read_text()
    deliver(
        build_mail(
            attachments=[("plan.txt", form.replace("Key theme: 5", "Key theme: 5\nLink: our intranet").encode())]
        )
    )
    (first,) = _rows(settings, Submission)
    (item,) = _rows(settings, Item)
    assert first.status == "needs_changes" and "Link 'our intranet'" in first.problems[0]
    assert item.file_no in _text(_reply(settings))
    corrected = form.replace("Key theme: 5", f"Key theme: 5\nLink: https://example.org/leave\nFile No: {item.file_no}")
    deliver(build_mail(subject="Corrected", attachments=[("plan-v2.txt", corrected.encode())]))
    (again,) = _rows(settings, Submission)
    assert (again.id, again.revision, again.status, again.link, again.problems) == (
        first.id,
        2,
        "pending",
        "https://example.org/leave",
        [],
    )
    assert again.attachment_id != first.attachment_id and again.source == "plan-v2.txt"
    (event,) = _rows(settings, AuditEvent)
    assert event.action == "resent" and event.submission_id == first.id
    assert event.detail["earlier"]["attachment_id"] == first.attachment_id
    assert event.detail["earlier"]["fields"]["link"] == "our intranet"
    reply = email.message_from_bytes(_rows(settings, Outgoing)[-1].raw, policy=default)
    assert "in place of the copy that needed changes" in _text(reply)


def test_a_corrected_form_sent_as_a_reply_in_the_same_thread_replaces_it(settings, deliver):
    body = (
        "Practice example / improvement / learning: Falls clinic\nKey theme: Carehomes\nLocation: Leeds\n"
        "Lead contact name: Jo Example\nLead contact email: jo@example.org\nStatus: Planned\nSummary / aim: Fewer falls.\n"
    )
    deliver(build_mail(subject="My plan", body=body, sender="jo@example.org"))
    (first,) = _rows(settings, Submission)
    assert first.status == "needs_changes" and first.item_id is None
    problems_reply = _reply(settings)
    fixed = body.replace("Carehomes", "Care homes") + "\n> " + "\n> ".join(_text(problems_reply).splitlines())
    deliver(
        build_mail(
            subject="Re: " + problems_reply["Subject"],
            body=fixed,
            sender="jo@example.org",
            headers={"In-Reply-To": problems_reply["Message-ID"], "References": problems_reply["Message-ID"]},
        )
    )
    (again,) = _rows(settings, Submission)
    (item,) = _rows(settings, Item)
    assert (again.id, again.status, again.item_id, again.revision) == (first.id, "pending", item.id, 1)
    assert again.theme == "Care Homes / Housing / Home Care / Day Services"
    # A second, unrelated message in no thread is a new submission as usual.
    deliver(build_mail(subject="Another", body=body.replace("Falls clinic", "Memory cafe").replace("Carehomes", "9")))
    assert len(_rows(settings, Submission)) == 2


def test_template_request_attaches_the_formats_the_rule_names(settings, deliver):
    import dataclasses

    from pipeline.intake.handlers import HandlerContext, get_handler
    from pipeline.intake.prepare import prepare
    from pipeline.intake.rules import Rule
    from pipeline.store.models import Message

    ready = prepare(build_mail(subject="send template"), settings.limits)
    mail = ready.mail
    with db.transaction(settings.database.url) as session:
        record = Message(mailbox="t", folder="INBOX", location="1", sha256=mail.sha256, from_addr=mail.from_addr)
        record.raw = mail.raw
        session.add(record)
        session.flush()
        rule = Rule(
            name="t", description="", file="", line=0, handler="template_request", options={"formats": ["csv", "pdf"]}
        )
        get_handler("template_request").handle(
            HandlerContext(session, settings, record, mail, ready.forms, dataclasses.replace(rule))
        )
    assert [p.get_filename() for p in _reply(settings).iter_attachments()] == ["improvement-plan-template.csv"]
