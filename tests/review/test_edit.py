"""`mln edit`: the same checks as a received form, audited, one transaction."""

from __future__ import annotations

import json

from pipeline import review


def test_a_valid_edit_changes_the_columns_and_is_audited(mln, submit, settings):
    sub = submit()
    result = mln(
        "edit",
        str(sub),
        "title=Care home education package",
        "date_commenced=Sept 06",
        "status=completed",
        "--as",
        "comms-lead",
    )
    assert result.exit_code == 0, result.output
    detail = review.show_submission(settings, sub)
    assert detail["title"] == "Care home education package"
    assert (detail["date_commenced"], detail["date_commenced_precision"]) == ("2006-09-01", "month")
    assert detail["progress"] == "Implemented"
    assert detail["raw_fields"]["date_commenced"] == "Sept 06"
    (event,) = [e for e in detail["history"] if e["action"] == "edit"]
    assert event["actor"] == "comms-lead"
    assert event["detail"]["changes"]["title"] == [
        "Education package on older people's mental health for care home staff",
        "Care home education package",
    ]
    assert event["detail"]["changes"]["date_commenced"] == ["2006-06-01", "2006-09-01"]
    assert event["detail"]["changes"]["progress"] == ["Being implemented", "Implemented"]


def test_an_invalid_edit_is_refused_and_changes_nothing(mln, submit, settings):
    sub = submit()
    before = review.show_submission(settings, sub)
    for assignment, words in [
        ("lead_email=not-an-address", "not a valid email address"),
        ("date_commenced=JJanuary 20066", "is not a date we can read"),
        ("theme=Gardening", "is not one of the ten key themes"),
        ("title=", "is missing"),
        ("link=ftp://example.org/x", "is not a web address"),
    ]:
        result = mln("edit", str(sub), "title=Changed as well", assignment)
        assert result.exit_code == 1, assignment
        assert result.stderr.startswith(f"mln: submission {sub} not changed: ") and words in result.stderr, (
            result.stderr
        )
        assert result.stderr.count("\n") == 1
    after = review.show_submission(settings, sub)
    assert after["title"] == before["title"] and [e["action"] for e in after["history"]] == ["received"]


def test_unknown_fields_and_malformed_assignments(mln, submit):
    sub = submit()
    assert "'colour' is not a field of the form" in mln("edit", str(sub), "colour=blue").stderr
    assert "File No cannot be edited" in mln("edit", str(sub), "file_no=CH-2026-999").stderr
    assert "is not field=value" in mln("edit", str(sub), "theme").stderr
    assert mln("edit", "4040", "theme=6").stderr.startswith("mln: no submission with id 4040")


def test_fixing_the_theme_files_it_and_clears_the_problem_so_it_can_be_approved(mln, submit, settings):
    sub = submit(theme="Carehomes and housing things")
    detail = review.show_submission(settings, sub)
    assert detail["file_no"] == "" and detail["status"] == "needs_changes" and len(detail["problems"]) == 1
    result = mln("edit", str(sub), "theme=care homes", "--json")
    assert result.exit_code == 0, result.output
    changes = json.loads(result.stdout)
    assert changes["problems"] == [] and changes["file_no"].startswith("CH-")
    assert changes["changes"]["theme_number"] == [None, 6]
    assert mln("approve", str(sub)).exit_code == 0


def test_a_rejected_submission_cannot_be_edited(mln, submit):
    sub = submit()
    mln("reject", str(sub), "--reason", "Out of scope", "--as", "comms-lead")
    result = mln("edit", str(sub), "title=New")
    assert result.exit_code == 1 and "was rejected by comms-lead" in result.stderr
