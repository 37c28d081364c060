"""mln members add | list | remove | import, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

CSV = Path(__file__).with_name("leaders.csv")


def test_import_adds_good_rows_and_explains_the_bad_ones(mln):
    result = mln("members", "import", str(CSV), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["added"], report["updated"]) == (3, 0)
    reasons = {row["line"]: row["reason"] for row in report["skipped"]}
    assert "not an email address" in reasons[5]
    assert "unknown theme" in reasons[6]

    listed = json.loads(mln("members", "list", "--json").output)
    by_email = {m["email"]: m for m in listed}
    assert set(by_email) == {"ann.lee@example.nhs.test", "bob.khan@example.nhs.test", "cara.jones@example.org"}
    assert by_email["ann.lee@example.nhs.test"]["themes"] == ["Care Homes / Housing / Home Care / Day Services"]
    assert by_email["bob.khan@example.nhs.test"]["themes"] == ["Workforce", "Commissioning"]
    assert by_email["cara.jones@example.org"]["region"] == "North West"  # matched to the configured name

    again = json.loads(mln("members", "import", str(CSV), "--json").output)
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_add_update_remove_and_theme_filter(mln):
    assert mln("members", "add", "Ann.Lee@Example.NHS.test", "--name", "Ann Lee", "--theme", "workforce").exit_code == 0
    updated = mln("members", "add", "ann.lee@example.nhs.test", "--region", "North East")
    assert updated.output.startswith("updated:")
    mln("members", "add", "bob@example.org", "--name", "Bob")

    leads = json.loads(mln("members", "list", "--theme", "3", "--json").output)
    assert [(m["email"], m["name"], m["region"]) for m in leads] == [
        ("ann.lee@example.nhs.test", "Ann Lee", "North East")
    ]

    assert mln("members", "remove", "ann.lee@example.nhs.test").exit_code == 0
    assert [m["email"] for m in json.loads(mln("members", "list", "--json").output)] == ["bob@example.org"]
    everyone = json.loads(mln("members", "list", "--all", "--json").output)
    assert {m["email"]: m["active"] for m in everyone} == {"ann.lee@example.nhs.test": False, "bob@example.org": True}

    missing = mln("members", "remove", "nobody@example.org")
    assert missing.exit_code != 0 and "no member nobody@example.org" in missing.output


def test_add_and_remove_answer_in_json_for_scripts(mln):
    added = json.loads(mln("members", "add", "Cy@Example.org", "--theme", "3", "--json").output)
    assert added["outcome"] == "added" and added["email"] == "cy@example.org" and len(added["themes"]) == 1
    again = json.loads(mln("members", "add", "cy@example.org", "--name", "Cy", "--json").output)
    assert again["outcome"] == "updated"
    assert json.loads(mln("members", "remove", "cy@example.org", "--json").output) == {
        "outcome": "removed",
        "email": "cy@example.org",
    }


def test_bad_theme_is_refused_with_a_clear_message(mln):
    result = mln("members", "add", "x@example.org", "--theme", "knitting")
    assert result.exit_code == 1
    assert "unknown theme 'knitting'" in result.output


def test_is_member_knows_active_members_only(settings, mln):
    from pipeline.people.members import is_member
    from pipeline.store import db

    mln("members", "add", "ann@example.nhs.test")
    mln("members", "add", "gone@example.nhs.test")
    mln("members", "remove", "gone@example.nhs.test")
    with db.transaction(settings.database.url, readonly=True) as session:
        assert is_member(session, " Ann@Example.NHS.test ")
        assert not is_member(session, "gone@example.nhs.test")
        assert not is_member(session, "stranger@example.org")
        assert not is_member(session, "")
