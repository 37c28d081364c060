"""`mln status [--json]` after real polls and sends: what it counts, the time zone it shows, no secrets."""

from __future__ import annotations

import json

from bulletin.records import add_submission, at
from fixtures.samples import numbered_message
from worker.conftest import write_config

SECRETS = {
    "TEST_IMAP_PASSWORD": None,
    "MLN_SMTP_PASSWORD": "smtp-pa55word-xyz",
    "MLN_TOKEN_SECRET": "token-secret-0123456789abcdef",
}


def status(deployment) -> dict:
    result = deployment.cli("status", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_status_counts_what_waits_and_what_went(deployment, tmp_path):
    write_config(
        deployment.config_path,
        deployment.settings.database.url,
        deployment.account,
        deployment.sink,
        tmp_path,
        extra='[network]\ntimezone = "Asia/Tokyo"\n',
    )
    deployment.environ.update({k: v for k, v in SECRETS.items() if v})

    before = status(deployment)
    assert before["mailbox"]["last_poll_at"] is None
    assert before["messages"] == {"total": 0, "held": 0, "quarantined": 0, "not_yet_filed": 0}
    assert before["last_bulletin"] is None
    assert before["now"].endswith("+09:00") and before["timezone"] == "Asia/Tokyo"

    deployment.account.append(numbered_message(1, subject="Please send the template"))
    deployment.account.append(numbered_message(2))  # no rule for it: held for a person, and answered
    waiting = json.loads(deployment.cli("status", "--mailbox", "--json").output)["mailbox"]
    assert (waiting["waiting"], waiting["error"]) == (2, None)
    assert deployment.cli("poll").exit_code == 0
    assert json.loads(deployment.cli("status", "--mailbox", "--json").output)["mailbox"]["waiting"] == 0

    after = status(deployment)
    assert after["mailbox"]["last_poll_at"].endswith("+09:00")
    assert after["mailbox"]["last_poll_seconds"] >= 0
    assert after["messages"] == {"total": 2, "held": 1, "quarantined": 0, "not_yet_filed": 0}
    # The template, and the answer to the held message (nobody is held in silence).
    assert after["outbox"] == {"queued": 2, "deferred": 0, "failed": 0, "sent": 0}
    assert set(after["submissions"]) >= {"pending", "approved", "needs_changes", "rejected"}

    assert deployment.cli("outbox", "flush").exit_code == 0
    assert status(deployment)["outbox"] == {"queued": 0, "deferred": 0, "failed": 0, "sent": 2}

    text = deployment.cli("status")
    assert text.exit_code == 0, text.output
    assert "1 held for you, 0 quarantined" in text.output
    assert "Outbox:          0 queued (0 waiting to retry), 0 failed, 2 sent" in text.output
    for output in (text.output, deployment.cli("status", "--json").output):
        for secret in (deployment.account.password, *[v for v in SECRETS.values() if v]):
            assert secret not in output


def test_status_shows_the_next_job_and_the_last_bulletin(deployment, tmp_path):
    write_config(
        deployment.config_path,
        deployment.settings.database.url,
        deployment.account,
        deployment.sink,
        tmp_path,
        schedule='communications_lead = "comms@example.org"\n',
    )
    add_submission(deployment.settings.database.url, "A September plan", at(2026, 9, 15))  # installed by then
    data = status(deployment)
    assert data["next_job"]["job"] == "period_close"  # the last period's draft is due now

    assert deployment.cli("schedule", "run").exit_code == 0
    data = status(deployment)
    assert data["last_bulletin"]["status"] == "draft"
    assert data["last_bulletin"]["deliveries"] == {"queued": 0, "sent": 0, "failed": 0}
    assert data["outbox"]["queued"] == 2  # the two previews to the communications lead
    assert data["next_job"]["job"] in {"reminders", "period_close"}
    assert data["next_job"]["key"] != "" and data["next_job"]["due"]


def test_status_says_when_the_mailbox_cannot_be_checked(deployment, tmp_path):
    deployment.environ["TEST_IMAP_PASSWORD"] = "wrong-password"
    result = deployment.cli("status", "--mailbox")
    assert result.exit_code == 0
    assert "In the mailbox:  cannot check: cannot log in to" in result.output
    assert "wrong-password" not in result.output
