"""The period-close story end to end, with the worker as a real process: the closed period is
drafted, the communications lead receives both previews as real emails, nothing reaches the
lists until `mln bulletin approve`, and then the worker sends it."""

from __future__ import annotations

import email
import re
import signal
from email import policy

import pytest
from bulletin.records import add_submission, at
from worker.conftest import write_config

from pipeline.people import subscribers as subs
from pipeline.store import db

SCHEDULE = 'communications_lead = "comms@example.org"\ndraft_on_close = true\nreminders = false\n'


def messages_to(sink, address: str) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(m.data, policy=policy.default) for m in sink.messages if address in m.rcpt_tos]


# PostgreSQL's side (two workers racing to draft and preview) is in test_two_workers.py.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_previews_to_the_lead_then_the_lists_only_after_approval(deployment, tmp_path):
    write_config(
        deployment.config_path,
        deployment.settings.database.url,
        deployment.account,
        deployment.sink,
        tmp_path,
        poll_interval=0.3,
        schedule=SCHEDULE,
        schedule_interval=0.3,
    )
    deployment.environ["MLN_TOKEN_SECRET"] = "period-close-test-secret-0123456789"
    settings = deployment.settings
    with db.transaction(settings.database.url) as session:
        subs.add(session, settings, "partner@example.org", "external", via="cli")
        subs.add(session, settings, "member@example.nhs.test", "internal", via="cli")
    # Installed before Sep–Oct closed, with one plan to carry (issue 20: no reaching back, no empty issue).
    add_submission(settings.database.url, "A September plan", at(2026, 9, 15))

    proc = deployment.start_worker()
    deployment.wait_until(proc, lambda: len(messages_to(deployment.sink, "comms@example.org")) == 2, "both previews")
    previews = messages_to(deployment.sink, "comms@example.org")
    assert sorted(m["Subject"].split("]")[0] for m in previews) == [
        "[Preview for external readers",
        "[Preview for internal readers",
    ]
    text = previews[0].get_body(("plain",)).get_content()
    bulletin_id = re.search(r"mln bulletin approve (\d+)", text).group(1)
    assert previews[0].get_body(("html",)) is not None
    assert deployment.sink.recipients().count("partner@example.org") == 0  # nothing to the lists yet

    approved = deployment.cli("bulletin", "approve", bulletin_id, "--as", "comms")
    assert approved.exit_code == 0, approved.output
    deployment.wait_until(
        proc,
        lambda: {"partner@example.org", "member@example.nhs.test"} <= set(deployment.sink.recipients()),
        "the bulletin to reach both lists",
    )
    (copy,) = messages_to(deployment.sink, "partner@example.org")
    assert copy["List-Unsubscribe"] and "Preview" not in copy["Subject"]

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0, deployment.log(proc)
    assert sorted(deployment.sink.recipients()) == [
        "comms@example.org",
        "comms@example.org",
        "member@example.nhs.test",
        "partner@example.org",
    ]
