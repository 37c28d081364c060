"""Several workers on PostgreSQL, one mailbox, one SMTP server: nothing is read, sent or
scheduled twice. Both poll, send and run the schedule as often as they can, at the same time."""

from __future__ import annotations

import signal
from collections import Counter

import pytest
from bulletin.records import add_submission, at
from fixtures.samples import numbered_message
from sqlalchemy import func, select
from worker.conftest import write_config

from pipeline.people.members import MemberInput, add_member
from pipeline.store import db
from pipeline.store.models import JobRun, Message, Outgoing, ReminderSent

N = 8
MEMBERS = [f"leader{n}@example.nhs.test" for n in range(100, 106)]
BUSY_SCHEDULE = (
    'communications_lead = "comms@example.org"\ndraft_on_close = true\n'
    "reminders = true\nreminder_days_before = 62\n"
)  # always inside the window


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_workers_never_process_or_send_the_same_thing(deployment, tmp_path):
    write_config(
        deployment.config_path,
        deployment.settings.database.url,
        deployment.account,
        deployment.sink,
        tmp_path,
        poll_interval=0.2,
        schedule=BUSY_SCHEDULE,
        schedule_interval=0.2,
    )
    settings = deployment.settings
    with db.transaction(settings.database.url) as session:
        for address in MEMBERS:
            add_member(session, settings, MemberInput(address, name=address.split("@")[0]))
    # Installed before Sep–Oct closed (issue 20: the first close never reaches back before the installation).
    add_submission(settings.database.url, "A September plan", at(2026, 9, 15))
    deployment.account.append_many([numbered_message(n, subject="Please send the template") for n in range(N)])

    workers = [deployment.start_worker(name=f"worker{i}") for i in (1, 2)]
    expected_mail = N + len(MEMBERS) + 2  # template replies, reminders, two previews
    for proc in workers:
        deployment.wait_for_log(proc, "worker started")
    deployment.wait_until(
        workers[0], lambda: deployment.sent() == expected_mail, "every message to be sent", timeout=120
    )

    for proc in workers:
        proc.send_signal(signal.SIGTERM)
    assert [proc.wait(60) for proc in workers] == [0, 0], [deployment.log(p) for p in workers]
    with db.transaction(settings.database.url, readonly=True) as session:
        per_message = Counter(session.scalars(select(Message.message_id)))
        assert len(per_message) == N and set(per_message.values()) == {1}
        assert session.scalar(select(func.count()).select_from(Outgoing)) == expected_mail
        assert session.scalar(select(func.count()).select_from(ReminderSent)) == len(MEMBERS)
        assert session.scalar(select(func.count()).select_from(JobRun).where(JobRun.job == "period_close")) == 1
    assert deployment.account.uids("INBOX") == []

    received = Counter(deployment.sink.recipients())
    assert received["comms@example.org"] == 2
    del received["comms@example.org"]
    assert received == Counter([f"leader{n}@example.nhs.test" for n in range(N)] + MEMBERS)
    assert len(deployment.sink.messages) == expected_mail
