"""The human output speaks the reader's language (form labels, dates like "6 Dec 2026 09:14");
--json keeps column names and ISO times; decisions say "queued" when a mail is only queued."""

from __future__ import annotations

import json
import re

from submissions.conftest import Deliver, build_mail

HUMAN_TIME = r"\d{1,2} [A-Z][a-z]{2} 20\d\d \d\d:\d\d"


def test_show_uses_the_form_labels_and_json_keeps_the_columns(mln, submit):
    sub = submit(**{"Date commenced": "Q2 2025/26"})
    text = mln("show", str(sub)).stdout
    assert "Key theme" in text and "6. Care Homes" in text
    assert "Date commenced" in text and "Q2 2025/26" in text
    assert re.search(rf"Received\s+{HUMAN_TIME}", text)
    for internal in ("date_commenced_precision", "reply_id", "theme_number", "lead_email", "received_at"):
        assert internal not in text
    detail = json.loads(mln("show", str(sub), "--json").stdout)
    assert detail["date_commenced_precision"] == "quarter" and detail["date_commenced"] == "2025-07-01"
    assert "reply_id" in detail and detail["received_at"].startswith("20") and "T" in detail["received_at"]


def test_messages_show_human_times_and_json_keeps_iso(mln, settings):
    pk, _, _ = Deliver(settings)(build_mail(subject="Hello", body="A question."))
    listing = mln("messages").stdout
    assert re.search(HUMAN_TIME, listing) and "+00:00" not in listing
    assert re.search(rf"received_at: {HUMAN_TIME}", mln("messages", str(pk)).stdout)
    (row,) = json.loads(mln("messages", "--json").stdout)
    assert re.match(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d", row["received_at"])


def test_reject_and_request_changes_say_queued_and_take_json(mln, submit):
    rejected = submit(sender="member@example.nhs.test", title="Plan one")
    result = mln("reject", str(rejected), "--reason", "Out of scope", "--notify")
    assert result.exit_code == 0
    assert "queued in the outbox for member@example.nhs.test" in result.stdout and "told" not in result.stdout

    data = json.loads(mln("reject", str(submit(title="Plan two")), "--reason", "Duplicate", "--json").stdout)
    assert data["status"] == "rejected" and data["notified"] is None

    changed = submit(sender="member@example.nhs.test", title="Plan three")
    text = mln("request-changes", str(changed), "--message", "Add outcomes.").stdout
    assert "is queued in the outbox" in text
    data = json.loads(
        mln("request-changes", str(submit(title="Plan four")), "--message", "Add outcomes.", "--json").stdout
    )
    assert data["status"] == "needs_changes" and data["emailed"] and data["outgoing_id"]


def test_subscribers_add_approve_remove_take_json(mln):
    added = json.loads(mln("subscribers", "add", "jo@example.nhs.test", "--list", "internal", "--json").stdout)
    assert (added["email"], added["status"], added["outcome"], added["lists"]) == (
        "jo@example.nhs.test",
        "active",
        "added",
        ["internal"],
    )
    refused = mln("subscribers", "approve", "jo@example.nhs.test", "--json")
    assert refused.exit_code == 1 and "not waiting for approval" in refused.stderr
    removed = json.loads(mln("subscribers", "remove", "jo@example.nhs.test", "--json").stdout)
    assert (removed["status"], removed["lists"]) == ("unsubscribed", [])
