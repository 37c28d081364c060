"""2. Idle poll: `poll_once` with no new mail, on a mailbox of 200 messages and on one of 20,000.

The messages were all recorded by an earlier poll and, by a benchmark rule
(keep_in_inbox), stayed in the INBOX: so the idle poll faces a big folder and a
database holding a row for every message. The baseline is the small mailbox:
the big one should cost at most 1.5x as much.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from pipeline.passes import poll_once

from . import corpus, servers
from .common import Result, check, profiled, settings_for, timed

TARGET = "<= 1.5"
KEEP_RULE = """\
# Benchmark only: record every message and leave it in the INBOX, so the INBOX keeps growing.
[[rule]]
name = "bench-keep"
description = "Record and keep in the inbox (benchmark)"
handler = "ignore"
keep_in_inbox = true
"""


def idle_seconds(dovecot, backend: str, workdir: Path, size: int, repeats: int) -> tuple[list[float], dict]:
    """Seconds of each of `repeats` idle polls over a mailbox of `size` already-recorded messages."""
    account = dovecot.add_user()
    servers.fill_mailbox(account, [corpus.small_note(n) for n in range(size)])
    folder = workdir / f"idle-{backend}-{size}"
    rules = folder / "rules"
    rules.mkdir(parents=True, exist_ok=True)
    (rules / "10-keep.toml").write_text(KEEP_RULE, encoding="utf-8")
    with servers.database(backend, folder) as url:
        settings = settings_for(folder, url, mailbox_url=account.url, rules_dir=str(rules))
        first = poll_once(settings)
        poll_once(settings)  # warm-up: imports and first-connection costs are not what we compare
        times = []
        for _ in range(repeats):
            seconds, summary = timed(lambda: poll_once(settings))
            if summary.fetched:
                raise RuntimeError(f"an idle poll fetched {summary.fetched} messages: the mailbox was not idle")
            times.append(seconds)
        profile, _ = profiled(lambda: poll_once(settings), top=12)
    details = {"recorded_by_first_poll": first.fetched, "in_inbox": len(account.uids("INBOX")), "profile": profile}
    return times, details


def run(dovecot, backend: str, workdir: Path, small: int, big: int, repeats: int) -> Result:
    small_times, small_details = idle_seconds(dovecot, backend, workdir, small, repeats)
    big_times, big_details = idle_seconds(dovecot, backend, workdir, big, repeats)
    small_s, big_s = statistics.median(small_times), statistics.median(big_times)
    ratio = round(big_s / small_s, 3)
    met = check(ratio, TARGET)
    return Result(
        name="idle_poll",
        backend=backend,
        ours=f"{big_s * 1000:.1f} ms median idle poll, {big:,} messages",
        baseline=f"{small_s * 1000:.1f} ms median idle poll, {small:,} messages",
        ratio=ratio,
        target=TARGET,
        met=met,
        details={
            "repeats": repeats,
            "small_ms": [round(t * 1000, 2) for t in small_times],
            "big_ms": [round(t * 1000, 2) for t in big_times],
            "small": {k: v for k, v in small_details.items() if k != "profile"},
            "big": {k: v for k, v in big_details.items() if k != "profile"},
        },
        profile="" if met else f"idle poll over {big:,} messages, top by cumulative time:\n{big_details['profile']}",
    )
