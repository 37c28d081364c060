"""Drafts, previews and approval against SQLite and PostgreSQL (the db_url fixture)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest

from pipeline.config import Settings
from pipeline.errors import NotFound, WrongState
from pipeline.outbound.bulletin import parse_period
from pipeline.outbound.bulletin.drafts import (
    approve_bulletin,
    bulletin_content,
    draft_bulletin,
    frozen_rendition,
    list_bulletins,
    mark_bulletin_sent,
    preview_bulletin,
)
from pipeline.store.db import transaction

from .records import add_submission, at, edit_submission

NOV = parse_period("2026-11")


@pytest.fixture
def settings(db_url):
    return dataclasses.replace(Settings(), database=dataclasses.replace(Settings().database, url=db_url))


@pytest.fixture
def november(db_url):
    """Three approved in Nov–Dec 2026 (one an update), plus ones that must stay out."""
    ids = {
        "shared": add_submission(db_url, "Education package for care homes", at(2026, 11, 3)),
        "private": add_submission(
            db_url,
            "Leave arrangements for informal patients",
            at(2026, 12, 30),
            share=False,
            theme="In Patient Services",
            lead_email="c.ashworth@example.nhs.test",
        ),
    }
    old = add_submission(db_url, "Learning network newsletter", at(2025, 6, 1))
    ids["update"] = add_submission(db_url, "Learning network newsletter (updated)", at(2026, 11, 20), item_of=old)
    ids["pending"] = add_submission(db_url, "Still pending", None, status="pending")
    ids["rejected"] = add_submission(db_url, "Rejected one", at(2026, 11, 5), status="rejected")
    ids["next_period"] = add_submission(db_url, "Approved in January", at(2027, 1, 2))
    return ids


def test_draft_collects_the_periods_approved_items(settings, november):
    summary = draft_bulletin(settings, NOV, intro="Welcome to **issue one**.")
    assert (summary["number"], summary["period"], summary["status"]) == (1, "2026-11", "draft")
    assert (summary["items"], summary["new"], summary["updates"]) == (3, 2, 1)
    content = bulletin_content(settings, summary["id"])
    titles = {item.title: item.is_update for item in content.items}
    assert titles == {
        "Education package for care homes": False,
        "Leave arrangements for informal patients": False,
        "Learning network newsletter (updated)": True,
    }
    assert content.subject == "MLN Bulletin No. 1: November–December 2026"
    assert [row["id"] for row in list_bulletins(settings)] == [summary["id"]]


def test_audiences_differ_only_by_what_members_agreed_to_share(settings, november):
    bulletin_id = draft_bulletin(settings, NOV)["id"]
    internal = preview_bulletin(settings, bulletin_id, "internal")
    external = preview_bulletin(settings, bulletin_id, "external")
    assert "Leave arrangements for informal patients" in internal.html
    assert "Leave arrangements for informal patients" not in external.html + external.text
    assert "c.ashworth@example.nhs.test" not in external.html + external.text
    assert internal.subject == external.subject
    # Previews fill the per-recipient placeholders with sample values.
    assert "__MLN_" not in internal.html and "reader@example.org" in internal.text


def test_a_draft_renders_live_and_redrafting_keeps_its_number(settings, november):
    first = draft_bulletin(settings, NOV, intro="First words.")
    edit_submission(settings.database.url, november["shared"], title="Education package, revised title")
    assert "Education package, revised title" in preview_bulletin(settings, first["id"], "internal").html
    again = draft_bulletin(settings, NOV)  # no --intro: the introduction stays
    assert (again["id"], again["number"]) == (first["id"], first["number"])
    assert "First words." in preview_bulletin(settings, first["id"], "internal").text
    late = add_submission(settings.database.url, "Approved after the first draft", at(2026, 12, 1))
    assert draft_bulletin(settings, NOV)["items"] == 4 and late


def test_approval_freezes_what_is_sent(settings, november):
    bulletin_id = draft_bulletin(settings, NOV)["id"]
    summary = approve_bulletin(settings, bulletin_id, by="comms-lead")
    assert summary["status"] == "approved" and summary["approved_by"] == "comms-lead"
    before = {a: preview_bulletin(settings, bulletin_id, a, fill_placeholders=False) for a in ("internal", "external")}
    edit_submission(settings.database.url, november["shared"], title="Changed after approval", share_externally=False)
    add_submission(settings.database.url, "Approved after approval", at(2026, 12, 2))
    for audience, old in before.items():
        now = preview_bulletin(settings, bulletin_id, audience, fill_placeholders=False)
        assert (now.html, now.text) == (old.html, old.text)
        assert "Changed after approval" not in now.html
    assert "Education package for care homes" in before["external"].html
    with transaction(settings.database.url) as session:
        frozen = frozen_rendition(session, bulletin_id, "external")
        assert frozen.html == before["external"].html and "__MLN_RECIPIENT__" in frozen.html
    assert bulletin_content(settings, bulletin_id).items[0].title == "Education package for care homes"


def test_an_approved_issue_cannot_be_approved_or_redrafted_again(settings, november):
    bulletin_id = draft_bulletin(settings, NOV)["id"]
    approve_bulletin(settings, bulletin_id, by="comms-lead")
    with pytest.raises(WrongState, match="already approved .*comms-lead"):
        approve_bulletin(settings, bulletin_id, by="someone-else")
    with pytest.raises(WrongState, match="already approved"):
        draft_bulletin(settings, NOV)


def test_next_issue_takes_the_next_number_and_late_approvals(settings, november):
    nov = draft_bulletin(settings, NOV)
    approve_bulletin(settings, nov["id"], by="comms-lead")
    # Approved on 31 December after the issue was approved: goes into the next one.
    late = add_submission(settings.database.url, "Approved on New Year's Eve", at(2026, 12, 31, 16))
    jan = draft_bulletin(settings, parse_period("2027-02"))
    assert (jan["number"], jan["period_label"]) == (2, "January–February 2027")
    titles = [i.title for i in bulletin_content(settings, jan["id"]).items]
    assert sorted(titles) == ["Approved in January", "Approved on New Year's Eve"] and late
    assert [row["number"] for row in list_bulletins(settings)] == [2, 1]


def test_sent_and_missing_bulletins(settings, november):
    with pytest.raises(NotFound, match="no bulletin with id 999"):
        preview_bulletin(settings, 999, "internal")
    bulletin_id = draft_bulletin(settings, NOV)["id"]
    with pytest.raises(WrongState, match="approve it first"), transaction(settings.database.url) as session:
        frozen_rendition(session, bulletin_id, "internal")
    approve_bulletin(settings, bulletin_id)
    with transaction(settings.database.url) as session:
        mark_bulletin_sent(session, bulletin_id)
    assert list_bulletins(settings)[0]["status"] == "sent"
    assert "Education package" in preview_bulletin(settings, bulletin_id, "internal").html


def test_two_approvals_at_once_cannot_both_win(settings, november):
    bulletin_id = draft_bulletin(settings, NOV)["id"]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(name: str) -> None:
        barrier.wait()
        try:
            approve_bulletin(settings, bulletin_id, by=name)
            outcomes.append("approved")
        except WrongState as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=approve, args=(name,)) for name in ("lead-a", "lead-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[0] == "approved" and "already approved" in sorted(outcomes)[1]
    assert len(outcomes) == 2


def test_the_approval_time_in_london_decides_the_period(settings):
    url = settings.database.url
    add_submission(url, "Received in October, approved in November", at(2026, 11, 2))
    # 23:30 UTC on 30 April is 00:30 on 1 May in London (summer time): May–June's issue.
    add_submission(url, "Approved just after midnight BST", dt.datetime(2026, 4, 30, 23, 30, tzinfo=dt.UTC))
    add_submission(url, "Approved on the last evening of April", dt.datetime(2026, 4, 30, 22, 30, tzinfo=dt.UTC))

    def titles(period: str) -> list[str]:
        return [i.title for i in bulletin_content(settings, draft_bulletin(settings, parse_period(period))["id"]).items]

    assert titles("2026-03") == ["Approved on the last evening of April"]
    assert titles("2026-05") == ["Approved just after midnight BST"]
    assert titles("2026-11") == ["Received in October, approved in November"]
