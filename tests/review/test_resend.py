"""A corrected form for a submission in needs_changes replaces it: one row in the queue, the resend in its history."""

from __future__ import annotations

import json

from sqlalchemy import select

from pipeline import review
from pipeline.store import db
from pipeline.store.models import Outgoing


def test_a_corrected_form_replaces_the_needs_changes_submission(mln, submit, settings):
    sub = submit(region="Narnia", sender="member@example.nhs.test")
    first = review.show_submission(settings, sub)
    mln("request-changes", str(sub), "--message", "Please fix the region.", "--as", "comms-lead")
    submit(file_no=first["file_no"], region="North East", sender="member@example.nhs.test")
    rows = json.loads(mln("queue", "--status", "all", "--json").stdout)
    assert [(r["id"], r["status"], r["region"]) for r in rows] == [(sub, "pending", "North East")]
    events = json.loads(mln("history", str(sub), "--json").stdout)
    assert [e["action"] for e in events] == ["received", "request_changes", "resent"]
    assert events[0]["detail"]["message"] == first["message"]["id"]  # the first arrival, not the resend
    table = mln("history", str(sub)).stdout
    assert "a corrected form replaced the one received" in table
    assert mln("approve", str(sub)).exit_code == 0


def test_a_reply_in_the_thread_of_the_request_replaces_it_without_a_file_no(mln, submit, settings):
    sub = submit(region="Narnia", sender="member@example.nhs.test")
    mln("request-changes", str(sub), "--message", "Please fix the region.")
    with db.transaction(settings.database.url, readonly=True) as session:
        asked = session.scalar(select(Outgoing.message_id).where(Outgoing.kind == "request_changes"))
    submit(region="North East", sender="member@example.nhs.test", headers={"In-Reply-To": asked, "References": asked})
    rows = json.loads(mln("queue", "--status", "all", "--json").stdout)
    assert [(r["id"], r["status"], r["region"]) for r in rows] == [(sub, "pending", "North East")]
