"""4. Memory: peak RSS of `mln bulletin send` (a subprocess) to a small and a big list.

The peak is the child's own ru_maxrss from os.wait4, taken by a small launcher
process (a child's ru_maxrss starts at the size of whoever spawned it). If the send only queues the copies, the
`mln outbox flush` that sends them is measured too and the larger peak kept. Targets: the big run <= 1.3x the small one, and
<= 150 MB.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from . import bulletin_data, servers
from .common import Result, check, settings_for, write_settings
from .queue import mln_command
from .send import has_send_command

TARGET = "<= 1.3"
LIMIT_MB = 150


# A small launcher process runs the command and reports the child's ru_maxrss. Linux starts a
# child's ru_maxrss at the RSS of the process that spawned it (the memory it shared until exec),
# so measuring straight from this big benchmark process would report our size, not the child's.
LAUNCHER = """\
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:], stdout=sys.stdout, stderr=sys.stderr)
_pid, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def peak_rss_mb(argv: list[str], env: dict[str, str], log: Path) -> tuple[float, int]:
    """Run `argv` to the end; its own peak resident memory in MB (ru_maxrss is in KB on Linux), and its exit code."""
    report = log.with_suffix(".rss")
    with open(log, "wb") as out:
        subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(report), *argv],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            check=True,
        )
    kilobytes, code = report.read_text().split()
    return int(kilobytes) / 1024, int(code)


def one_run(backend: str, workdir: Path, count: int, sink: servers.CountingSink, smtp_url: str) -> dict:
    folder = workdir / f"memory-{backend}-{count}"
    with servers.database(backend, folder) as url:
        settings = settings_for(folder, url, smtp_url=smtp_url)
        bulletin_id = bulletin_data.approved_bulletin(settings)
        bulletin_data.subscribers(settings, count)
        config, environ = write_settings(folder, url, smtp_url=smtp_url)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLN_")} | environ
        mln = [*mln_command(), "--config", str(config)]
        sink.reset()
        run = {"subscribers": count}
        run["send_mb"] = _measured(
            mln + ["bulletin", "send", str(bulletin_id), "--list", "all"], env, folder / "send.log"
        )
        if sink.messages < count:  # the send only queued: the flush is part of sending it
            run["flush_mb"] = _measured(mln + ["outbox", "flush"], env, folder / "flush.log")
        run["sink_received"] = sink.messages
        # Floors that say where a peak comes from: the CLI's start-up, and a send that queues nothing.
        run["mln_help_mb"] = _measured(mln + ["--help"], env, folder / "help.log")
        run["dry_run_mb"] = _measured(
            mln + ["bulletin", "send", str(bulletin_id), "--list", "all", "--dry-run"], env, folder / "dry-run.log"
        )
        run["peak_rss_mb"] = max(run.get("send_mb", 0), run.get("flush_mb", 0))
        return run


def _measured(argv: list[str], env: dict[str, str], log: Path) -> float:
    mb, code = peak_rss_mb(argv, env, log)
    if code != 0:
        raise RuntimeError(f"{' '.join(argv[-4:])} exited {code}: {log.read_text(errors='replace')[-2000:]}")
    return round(mb, 1)


def run(backend: str, workdir: Path, small: int, big: int) -> Result:
    if not has_send_command():
        raise RuntimeError("`mln bulletin send` does not exist in this build, so its memory cannot be measured")
    with servers.smtp_sink() as (sink, smtp_url):
        small_run = one_run(backend, workdir, small, sink, smtp_url)
        big_run = one_run(backend, workdir, big, sink, smtp_url)
    ratio = round(big_run["peak_rss_mb"] / small_run["peak_rss_mb"], 3)
    met = check(ratio, TARGET) and big_run["peak_rss_mb"] <= LIMIT_MB
    return Result(
        name="memory",
        backend=backend,
        ours=f"{big_run['peak_rss_mb']} MB peak RSS, {big:,} subscribers",
        baseline=f"{small_run['peak_rss_mb']} MB peak RSS, {small:,} subscribers",
        ratio=ratio,
        target=f"{TARGET} and <= {LIMIT_MB} MB",
        met=met,
        details={"small": small_run, "big": big_run},
    )
