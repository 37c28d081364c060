"""`mln queue` and `mln show` on forms filed by the real handler, SQLite and PostgreSQL."""

from __future__ import annotations

import json

from submissions.conftest import SAMPLES, Deliver, build_mail

from pipeline import review
from pipeline.review.show import _safe_name
from pipeline.store import db
from pipeline.store.models import Submission

QUEUE_KEYS = {"id", "file_no", "title", "theme", "locality", "status", "sender", "received_at", "is_update"}


def test_queue_lists_pending_oldest_first_with_the_promised_keys(mln, submit):
    first = submit(title="Care home education package")
    second = submit(
        title="Leave arrangements for informal patients",
        theme="5",
        locality="Rotherham",
        region="North East",
        sender="stranger@example.org",
    )
    result = mln("queue", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [first, second]
    assert QUEUE_KEYS <= set(rows[0])
    assert rows[0]["file_no"].startswith("CH-") and rows[1]["file_no"].startswith("IP-")
    assert (rows[1]["theme"], rows[1]["locality"], rows[1]["status"], rows[1]["is_update"]) == (
        "In Patient Services",
        "Rotherham",
        "pending",
        False,
    )
    assert rows[1]["sender"] == "stranger@example.org"


def test_queue_filters_by_theme_region_status_and_date(mln, submit):
    care = submit(title="Care home education package")
    ward = submit(title="Ward leave leaflet", theme="In Patient Services", region="North East")
    broken = submit(title="Untitled theme", theme="Gardening")
    assert [r["id"] for r in json.loads(mln("queue", "--json", "--theme", "5").stdout)] == [ward]
    assert [r["id"] for r in json.loads(mln("queue", "--json", "--theme", "care homes").stdout)] == [care]
    assert [r["id"] for r in json.loads(mln("queue", "--json", "--region", "north east").stdout)] == [ward]
    assert [r["id"] for r in json.loads(mln("queue", "--json", "--status", "needs_changes").stdout)] == [broken]
    everything = json.loads(mln("queue", "--json", "--status", "all").stdout)
    assert [r["id"] for r in everything] == [care, ward, broken]  # pending first, then needs_changes
    assert json.loads(mln("queue", "--json", "--since", "2999-01-01").stdout) == []
    assert len(json.loads(mln("queue", "--json", "--since", "2020-01-01").stdout)) == 2
    page = json.loads(mln("queue", "--json", "--status", "all", "--limit", "1", "--offset", "2").stdout)
    assert [r["id"] for r in page] == [broken]


def test_queue_table_is_readable(mln, submit, settings):
    stranger = submit(title="Care home education package", sender="stranger@example.org")
    with db.transaction(settings.database.url) as session:  # as the intake marks a sender who is not a member
        session.get(Submission, stranger).unknown_sender = True
    submit(title="Gardening club", theme="Gardening")
    result = mln("queue", "--status", "all")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "File", "No"]
    assert "Care home education package" in result.stdout and "Alex Example" in result.stdout
    assert "needs_changes (1 problem(s))" in result.stdout and "new" in lines[2]
    assert "Alex Example (unknown sender)" in lines[2] and "pending" in lines[2]
    assert json.loads(mln("queue", "--json").stdout)[0]["unknown_sender"] is True


def test_bad_filters_are_one_line_errors(mln):
    result = mln("queue", "--theme", "Gardening")
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("mln: theme 'Gardening' is not one of the key themes")
    assert mln("queue", "--since", "someday").exit_code == 1
    assert mln("queue", "--status", "lost").exit_code == 2  # a usage error


def test_show_gives_fields_problems_message_revisions_and_history(mln, submit, tmp_path):
    sub = submit(title="Care home education package", theme="Gardening", subject="Our plan for the network")
    detail = json.loads(mln("show", str(sub), "--json").stdout)
    assert detail["title"] == "Care home education package" and detail["status"] == "needs_changes"
    assert detail["problems"] and "Key theme 'Gardening'" in detail["problems"][0]
    assert detail["message"]["subject"] == "Our plan for the network"
    assert "Lead contact name: Angela Example" in detail["message"]["text"]
    assert detail["raw_fields"]["theme"] == "Gardening"
    assert (
        detail["history"][0]["action"] == "received"
        and detail["history"][0]["actor"] == "angela.example@example.nhs.test"
    )
    out = tmp_path / "originals"
    result = mln("show", str(sub), "--attachment", str(out))
    assert result.exit_code == 0 and "Problems:" in result.stdout and "Key theme 'Gardening'" in result.stdout
    assert "  | Lead contact name: Angela Example" in result.stdout
    written = sorted(p.name for p in out.iterdir())
    assert written == [f"message-{detail['message']['id']}.eml"]
    assert b"Subject: Our plan for the network" in (out / written[0]).read_bytes()


def test_show_lists_every_revision_of_the_file_no(mln, submit, settings):
    first = submit(title="Care home education package")
    file_no = review.show_submission(settings, first)["file_no"]
    update = submit(title="Care home education package", file_no=file_no, learning="Evening sessions were dropped.")
    detail = json.loads(mln("show", str(update), "--json").stdout)
    assert detail["is_update"] is True and detail["revision"] == 2
    assert [(r["id"], r["revision"]) for r in detail["revisions"]] == [(first, 1), (update, 2)]
    rows = json.loads(mln("queue", "--json").stdout)
    assert [r["is_update"] for r in rows] == [False, True]


def test_unknown_id_is_one_line_and_exit_1(mln):
    result = mln("show", "999")
    assert result.exit_code == 1
    assert result.stderr == "mln: no submission with id 999; see `mln queue --status all`\n"


def test_show_attachment_writes_the_original_form_file_byte_for_byte(mln, settings, tmp_path):
    deliver = Deliver(settings)
    docx = (SAMPLES / "template_filled.docx").read_bytes()
    raw = build_mail(attachments=["template_filled.docx", ("../../notes.txt", b"see attached")])
    _, _, result = deliver(raw, handler="submission")
    (sub,) = result.details["submissions"]
    out = tmp_path / "originals"
    result = mln("show", str(sub), "--attachment", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "template_filled.docx").read_bytes() == docx
    assert sorted(p.name for p in out.iterdir()) == ["message-1.eml", "notes.txt", "template_filled.docx"]
    assert not (tmp_path / "notes.txt").exists()  # a sender's path cannot lead outside DIR
    again = json.loads(mln("show", str(sub), "--attachment", str(out), "--json").stdout)
    assert sorted(again["written"]) == sorted(
        str(out / n) for n in ("template_filled-2.docx", "notes-2.txt", "message-1-2.eml")
    )
    assert again["attachment"]["filename"] == "template_filled.docx"


def test_safe_names():
    assert _safe_name("../../etc/passwd", "x") == "passwd"
    assert _safe_name("..\\..\\boot.ini", "x") == "boot.ini"
    assert _safe_name(".hidden", "x") == "hidden"
    assert _safe_name("a\x00b\r\n.docx", "x") == "a_b_.docx"
    assert _safe_name("..", "attachment-3") == "attachment-3"
