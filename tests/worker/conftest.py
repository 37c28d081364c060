"""Worker tests: a config pointing at the real Dovecot, the aiosmtpd sink and the test database,
and `mln worker` run as a real process with its log in a file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.config import Settings, load_settings
from pipeline.store import db
from pipeline.store.models import Message, Outgoing


def wait_for(condition, timeout: float = 60.0, what: str = "condition"):
    """Poll `condition` until it returns something truthy; fail after a generous timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Deployment:
    account: object
    sink: object
    tmp_path: Path
    config_path: Path
    environ: dict[str, str]
    procs: list = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        return load_settings(self.config_path, self.environ)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLN_")}
        return env | self.environ

    def start_worker(self, *args: str, name: str = "worker") -> subprocess.Popen:
        log = open(self.tmp_path / f"{name}.log", "ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "--config", str(self.config_path), "-v", *args, "worker"],
            env=self.env(),
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
        proc.log_path = self.tmp_path / f"{name}.log"
        self.procs.append(proc)
        return proc

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "--config", str(self.config_path), *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def cli(self, *args: str):
        """`mln --config ... ARGS` in this process (click's runner), with this deployment's environment."""
        from click.testing import CliRunner

        from pipeline.cli import cli

        env = {k: None for k in os.environ if k.startswith("MLN_")} | self.environ
        return CliRunner().invoke(cli, ["--config", str(self.config_path), *args], env=env, catch_exceptions=False)

    @staticmethod
    def log(proc) -> str:
        return Path(proc.log_path).read_text(errors="replace")

    def wait_until(self, proc, condition, what: str, timeout: float = 60.0):
        """wait_for, with the worker's log in the failure message."""
        try:
            return wait_for(condition, timeout, what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; worker log:\n{self.log(proc)}") from None

    def wait_for_log(self, proc, text: str, timeout: float = 60.0) -> None:
        wait_for(lambda: text in self.log(proc) or proc.poll() is not None, timeout, f"{text!r} in the worker log")
        assert text in self.log(proc), self.log(proc)

    def count(self, model, *where) -> int:
        with db.transaction(self.settings.database.url, readonly=True) as session:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    def recorded(self) -> int:
        return self.count(Message)

    def sent(self) -> int:
        return self.count(Outgoing, Outgoing.status == "sent")

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(30)


QUIET_SCHEDULE = 'communications_lead = "comms@example.org"\ndraft_on_close = false\nreminders = false\n'


def write_config(
    path: Path,
    db_url: str,
    account,
    sink,
    tmp_path: Path,
    extra: str = "",
    poll_interval: float = 3600,
    schedule: str = QUIET_SCHEDULE,
    schedule_interval: float = 3600,
) -> None:
    path.write_text(
        f'[database]\nurl = "{db_url}"\n'
        f'[mailbox]\nurl = "{account.url}"\npassword_env = "TEST_IMAP_PASSWORD"\nbatch_size = 4\n'
        # By default only IDLE (or a reconnection) can wake the worker in these tests: no timer does.
        f"poll_interval = {poll_interval}\n"
        f'[smtp]\nurl = "{sink.url()}"\nfrom_address = "bulletin@example.org"\nreply_to = "mln@example.org"\n'
        f'[paths]\noutbox_dir = "{tmp_path}/outbox"\n'
        f"[worker]\nschedule_interval = {schedule_interval}\nbackoff_max = 1\n"
        f"[schedule]\n{schedule}" + extra
    )


@pytest.fixture
def deployment(imap_account, smtp_sink, db_url, tmp_path):
    config = tmp_path / "mln.toml"
    write_config(config, db_url, imap_account, smtp_sink, tmp_path)
    dep = Deployment(imap_account, smtp_sink, tmp_path, config, {"TEST_IMAP_PASSWORD": imap_account.password})
    yield dep
    dep.stop_all()
