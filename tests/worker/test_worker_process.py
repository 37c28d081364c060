"""`mln worker` as a real process against the real Dovecot and SMTP sink: IDLE, clean stop,
immediate stop on a second signal, the SQLite single-worker lock, and reconnection."""

from __future__ import annotations

import json
import signal
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from fixtures.samples import numbered_message
from fixtures.smtp import SinkHandler, free_port
from worker.conftest import wait_for, write_config

# Signals and reconnection do not depend on the database: these run on SQLite only.
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def template_request(n: int) -> bytes:
    return numbered_message(n, subject="Please send the template")


def test_reads_mail_as_it_arrives_replies_and_stops_cleanly(deployment):
    deployment.account.append(template_request(1))
    proc = deployment.start_worker()

    # First turn: the waiting message is read and its reply (the blank template) sent.
    wait_for(lambda: deployment.sent() == 1, what="the first reply to be sent")
    assert deployment.sink.recipients() == ["leader1@example.nhs.test"]

    # poll_interval is an hour: only IDLE can make the worker notice this one.
    deployment.wait_for_log(proc, "worker started")
    deployment.account.append(template_request(2))
    wait_for(lambda: deployment.sent() == 2, what="the reply to mail that arrived while idle")
    assert sorted(deployment.sink.recipients()) == ["leader1@example.nhs.test", "leader2@example.nhs.test"]
    assert deployment.recorded() == 2
    assert deployment.account.uids("INBOX") == []

    running = json.loads(deployment.cli("status", "--json").output)["worker"]["running"]
    assert [(w["pid"], w["turns"] >= 1) for w in running] == [(proc.pid, True)]

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0, deployment.log(proc)
    assert json.loads(deployment.cli("status", "--json").output)["worker"]["running"] == []
    log = deployment.log(proc)
    assert "stop requested (SIGTERM)" in log
    assert "worker stopped after" in log and "2 message(s) read, 2 sent" in log
    assert "secret" not in log  # the IMAP password never reaches the log


@sqlite_only
def test_ctrl_c_stops_cleanly_too(deployment):
    proc = deployment.start_worker()
    deployment.wait_for_log(proc, "worker started")
    proc.send_signal(signal.SIGINT)
    assert proc.wait(60) == 0, deployment.log(proc)
    assert "stop requested (SIGINT)" in deployment.log(proc)


@sqlite_only
def test_second_signal_exits_at_once_and_nothing_is_lost(deployment):
    deployment.sink.hang_data_nth[1] = 120.0  # the first delivery hangs: the worker is mid-step
    deployment.account.append(template_request(1))
    proc = deployment.start_worker()
    wait_for(lambda: deployment.sink.data_seen >= 1, what="the first delivery to start")

    proc.send_signal(signal.SIGTERM)
    deployment.wait_for_log(proc, "stop requested (SIGTERM)")
    assert proc.poll() is None  # still finishing the delivery it started
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 128 + signal.SIGTERM

    # The message was recorded before the send began; the reply is still queued and goes next time.
    assert deployment.recorded() == 1
    result = deployment.run("worker", "--once")
    assert result.returncode == 0, result.stderr
    assert deployment.sent() == 1
    assert deployment.sink.recipients() == ["leader1@example.nhs.test"]


@sqlite_only
def test_a_second_worker_on_sqlite_refuses_to_start(deployment):
    first = deployment.start_worker()
    deployment.wait_for_log(first, "worker started")
    second = deployment.run("worker")
    assert second.returncode == 1
    assert f"another mln worker (pid {first.pid}) is already running" in second.stderr
    assert "use PostgreSQL to run several" in second.stderr

    status = deployment.run("status", "--json")
    assert f'"pid": {first.pid}' in status.stdout

    first.send_signal(signal.SIGTERM)
    assert first.wait(60) == 0
    # Once it has stopped, another may start.
    again = deployment.run("worker", "--once")
    assert again.returncode == 0, again.stderr


@sqlite_only
def test_reconnects_after_the_imap_server_goes_away(deployment, dovecot, tmp_path):
    # A stopped Dovecot may leave the IDLE session's own process running ("Still here"):
    # the worker notices the outage at its next poll, so poll often here.
    write_config(
        deployment.config_path,
        deployment.settings.database.url,
        deployment.account,
        deployment.sink,
        tmp_path,
        poll_interval=0.5,
    )
    proc = deployment.start_worker()
    deployment.wait_for_log(proc, "worker started")
    try:
        dovecot.stop()
        deployment.wait_for_log(proc, "mailbox unreachable")
    finally:
        dovecot.start()
    deployment.account.append(template_request(7))
    deployment.wait_until(proc, lambda: deployment.sent() == 1, "the reply after the server came back")
    deployment.wait_for_log(proc, "mailbox reachable again")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0


@sqlite_only
def test_reconnects_after_the_smtp_server_goes_away(deployment, tmp_path):
    port = free_port()
    write_config(
        deployment.config_path,
        deployment.settings.database.url,
        deployment.account,
        SimpleNamespace(url=lambda: f"smtp://127.0.0.1:{port}"),
        tmp_path,
    )
    deployment.account.append(template_request(3))
    proc = deployment.start_worker()
    deployment.wait_for_log(proc, "SMTP server unreachable")
    assert deployment.recorded() == 1 and deployment.sent() == 0

    handler = SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()  # the server comes (back) on that port
    try:
        wait_for(lambda: deployment.sent() == 1, what="the reply once the SMTP server is up")
        deployment.wait_for_log(proc, "SMTP server reachable again")
        assert handler.recipients() == ["leader3@example.nhs.test"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
    finally:
        controller.stop()


@sqlite_only
def test_a_stop_during_a_long_pass_ends_it_after_the_current_message(deployment):
    # Each is answered with the template: enough of them that the pass is still under way when
    # the signal lands (16 were once enough; a reply is now ~20 ms, the blank forms built once).
    n = 100
    deployment.account.append_many([template_request(i) for i in range(n)])
    proc = deployment.start_worker()
    deployment.wait_until(proc, lambda: deployment.recorded() >= 1, "the first message to be recorded")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0, deployment.log(proc)
    assert "stopped after the current message" in deployment.log(proc)
    assert deployment.recorded() < n

    # The next run files what was read, reads the rest, and answers each message once.
    again = deployment.run("worker", "--once")
    assert again.returncode == 0, again.stderr
    assert deployment.recorded() == n
    assert deployment.account.uids("INBOX") == []
    assert sorted(deployment.sink.recipients()) == sorted(f"leader{i}@example.nhs.test" for i in range(n))


@sqlite_only
def test_without_idle_it_polls_every_poll_interval(deployment, tmp_path):
    write_config(
        deployment.config_path,
        deployment.settings.database.url,
        deployment.account,
        deployment.sink,
        tmp_path,
        poll_interval=0.5,
        extra="",
    )
    text = deployment.config_path.read_text().replace(
        "poll_interval = 0.5\n", "poll_interval = 0.5\nuse_idle = false\n"
    )
    deployment.config_path.write_text(text)
    proc = deployment.start_worker()
    deployment.wait_for_log(proc, "worker started")
    deployment.account.append(template_request(5))
    deployment.wait_until(proc, lambda: deployment.sent() == 1, "the reply, found by polling")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0


@sqlite_only
def test_json_logs_carry_the_message_id_and_no_secret(deployment):
    deployment.account.append(template_request(8))
    proc = deployment.start_worker("--log-format", "json")
    deployment.wait_until(proc, lambda: deployment.sent() == 1, "the reply")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(60) == 0
    lines = [json.loads(line) for line in deployment.log(proc).splitlines() if line.strip()]
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    about_the_message = [
        line for line in lines if line["logger"] == "pipeline.intake.poll" and "template sent" in line["message"]
    ]
    assert [line["message_id"] for line in about_the_message] == ["<note-8@example.nhs.test>"]
    assert any(line["message"].startswith("worker stopped") for line in lines)
    assert deployment.account.password not in deployment.log(proc)


@sqlite_only
def test_broken_inbox_rules_stop_the_start_with_a_clear_message(deployment, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "10-broken.toml").write_text('[[rule]]\nname = "x"\nhandler = \n')
    deployment.environ["MLN_PATHS_RULES_DIR"] = str(rules)
    result = deployment.run("worker")
    assert result.returncode == 2
    assert "10-broken.toml" in result.stderr
