"""1. Ingest: `poll_once` over a real Dovecot INBOX versus a bare fetch-parse-open loop over the same mail.

Ours: fetch, route, parse, validate, store, MOVE and spool the acknowledgements
(pipeline.passes.poll_once). Baseline: imapclient BODY.PEEK[] in batches,
mailparser.parse_from_bytes, and each attachment opened and its cells read
with python-docx / openpyxl. Both read the same messages in the same mailbox;
the baseline runs before ours (PEEK leaves them unread and in place) and again
after, over the folder ours moved them to; the mean of the two brackets ours in
time, so a neighbour's load during the run weighs on both sides.
"""

from __future__ import annotations

import base64
import io
import time
from collections import Counter
from pathlib import Path

import docx
import mailparser
import openpyxl

from pipeline.passes import poll_once

from . import corpus, servers
from .common import Result, check, median_trial, profiled, rate, settings_for, timed

TARGET = ">= 0.7"
PROCESSED = "Processed/Submissions"  # where inbox_rules/60-submissions.toml files them


def bare_loop(account, batch_size: int = 50, folder: str = "INBOX") -> Counter:
    """The least any tool must do: fetch every message, parse it, open its attachments."""
    seen: Counter = Counter()
    with account.client() as client:
        client.select_folder(folder, readonly=True)
        uids = sorted(client.search("ALL"))
        for start in range(0, len(uids), batch_size):
            fetched = client.fetch(uids[start : start + batch_size], ["BODY.PEEK[]"])
            for uid in sorted(fetched):
                mail = mailparser.parse_from_bytes(fetched[uid][b"BODY[]"])
                seen["messages"] += 1
                for attachment in mail.attachments:
                    seen[_open_attachment(attachment)] += 1
    return seen


def _open_attachment(attachment: dict) -> str:
    data = base64.b64decode(attachment["payload"]) if attachment["binary"] else attachment["payload"].encode()
    name = attachment["filename"].lower()
    if name.endswith(".docx"):
        document = docx.Document(io.BytesIO(data))
        _ = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
        return "docx"
    if name.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        _ = [list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]
        book.close()
        return "xlsx"
    return "other"


def run(
    dovecot, backend: str, workdir: Path, samples: list[corpus.Sample], profile_count: int, repeats: int = 1
) -> Result:
    """`repeats` trials, each on its own mailbox and database; the median one is reported, with every trial's ratio."""
    raws = [s.raw for s in samples]
    chosen, ratios = median_trial(
        [_trial(dovecot, backend, workdir / f"ingest-{backend}-{n}", raws) for n in range(repeats)]
    )
    summary, ours_s, baseline_s, ratio = (
        chosen.pop("summary"),
        chosen["ours_seconds"],
        chosen["baseline_seconds"],
        chosen["ratio"],
    )
    details = {
        "messages": len(raws),
        "kinds": dict(Counter(s.kind for s in samples)),
        "megabytes": round(sum(map(len, raws)) / 1e6, 1),
        "repeats": repeats,
        "trial_ratios": ratios,
        **chosen,
    }
    result = Result(
        name="ingest",
        backend=backend,
        ours=rate(summary.fetched, ours_s),
        baseline=rate(details["baseline_opened"]["messages"], baseline_s),
        ratio=ratio,
        target=TARGET,
        met=check(ratio, TARGET),
        details=details,
    )
    if not result.met and profile_count:
        result.profile = profile_poll(dovecot, backend, workdir, raws[:profile_count])
    return result


def _trial(dovecot, backend: str, folder: Path, raws: list[bytes]) -> dict:
    """The bare loop, ours, and the bare loop again over the folder ours filed the mail in; the mean of the two brackets ours."""
    account = dovecot.add_user()
    servers.fill_mailbox(account, raws)
    bare_loop(account)  # warm-up: the server's caches and ours, so neither side pays them alone
    cpu = time.process_time()
    before_s, seen = timed(lambda: bare_loop(account))
    baseline_cpu = time.process_time() - cpu
    with servers.database(backend, folder) as url:
        settings = settings_for(folder, url, mailbox_url=account.url)
        cpu = time.process_time()
        ours_s, summary = timed(lambda: poll_once(settings))
        ours_cpu = time.process_time() - cpu
    left = len(account.uids("INBOX"))
    after_s, seen_after = timed(lambda: bare_loop(account, folder=PROCESSED))
    baseline_s = (before_s + after_s) / 2
    return {
        "ratio": round(baseline_s / ours_s, 3),
        "summary": summary,
        "ours_seconds": round(ours_s, 3),
        "baseline_seconds": round(baseline_s, 3),
        "baseline_before_seconds": round(before_s, 3),
        "baseline_after_seconds": round(after_s, 3),
        "baseline_after_messages": seen_after["messages"],
        "outcomes": dict(summary.outcomes),
        "moved": summary.moved_or_flagged,
        "replies_spooled": summary.replies_spooled,
        "left_in_inbox": left,
        "baseline_opened": dict(seen),
        # Ours reads ahead in a child process (pipeline.intake.prepare): CPU on both sides, not only wall-clock.
        "read_ahead": summary.read_ahead,
        "ours_cpu_seconds": round(ours_cpu, 3),
        "ours_child_cpu_seconds": summary.read_ahead_cpu_seconds,
        "baseline_before_cpu_seconds": round(baseline_cpu, 3),
    }


def profile_poll(dovecot, backend: str, workdir: Path, raws: list[bytes]) -> str:
    """Where our time goes: the same poll under cProfile, on a fresh mailbox and database."""
    account = dovecot.add_user()
    servers.fill_mailbox(account, raws)
    with servers.database(backend, workdir / f"ingest-profile-{backend}") as url:
        settings = settings_for(workdir / f"ingest-profile-{backend}", url, mailbox_url=account.url)
        table, _summary = profiled(lambda: poll_once(settings))
    return f"cProfile of poll_once over {len(raws)} of the same messages ({backend}), top by cumulative time:\n{table}"
