"""The benchmark runner works end to end at tiny sizes, against the real servers (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipeline.config import REPO_ROOT

TINY = [
    "--ingest-messages",
    "6",
    "--ingest-repeats",
    "3",
    "--profile-messages",
    "3",
    "--idle-small",
    "2",
    "--idle-big",
    "4",
    "--idle-repeats",
    "2",
    "--send-subscribers",
    "6",
    "--send-repeats",
    "3",
    "--send-profile-subscribers",
    "3",
    "--memory-small",
    "3",
    "--memory-big",
    "6",
    "--queue-submissions",
    "30",
    "--queue-repeats",
    "1",
    "--backends",
    "sqlite",
]


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict]:
    """`python -m benchmarks` (what `make bench` runs) once, at tiny sizes; its stdout and JSON report."""
    tmp_path = tmp_path_factory.mktemp("bench")
    output = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", *TINY, "--output", str(output), "--workdir", str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done, json.loads(output.read_text())


def by_name(report: dict) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for row in report["results"]:
        rows.setdefault(row["name"], []).append(row)
    return rows


@pytest.mark.slow  # a whole run of `python -m benchmarks` (~70 s): pytest --slow tests/benchmarks
def test_every_benchmark_reports_a_ratio_or_says_why_not(bench):
    done, report = bench

    rows = by_name(report)
    assert set(rows) >= {"ingest", "idle_poll", "queue_cli", "search_cli"}
    assert {"send", "memory"} & set(rows) == {"send", "memory"}
    for row in report["results"]:
        if row["ratio"] is None:
            assert row["note"].startswith("not measured:"), row  # never a number made up
        else:
            assert row["ratio"] > 0 and row["target"], row
    assert report["machine"]["cores"] >= 1 and report["date"]
    assert "benchmark" in done.stdout and "ratio" in done.stdout  # the table


@pytest.mark.slow  # a whole run of `python -m benchmarks` (~70 s): pytest --slow tests/benchmarks
def test_ingest_really_files_every_message_and_the_baseline_reads_the_same_ones(bench):
    _done, report = bench

    [ingest] = by_name(report)["ingest"]
    details = ingest["details"]
    assert details["outcomes"] == {"processed": 6}
    assert details["left_in_inbox"] == 0 and details["moved"] == 6
    assert details["baseline_opened"]["messages"] == 6 == details["baseline_after_messages"]
    assert details["baseline_opened"]["docx"] == details["kinds"]["docx"]
    assert details["replies_spooled"] == 6
    assert details["ours_cpu_seconds"] > 0 and details["baseline_before_cpu_seconds"] > 0
    assert details["read_ahead"] == 0 and details["ours_child_cpu_seconds"] == 0  # 6 messages: no child
    assert details["repeats"] == 3 and ingest["ratio"] == sorted(details["trial_ratios"])[1]


@pytest.mark.slow  # a whole run of `python -m benchmarks` (~70 s): pytest --slow tests/benchmarks
def test_idle_poll_and_queue_run_on_filled_mailbox_and_database(bench):
    _done, report = bench

    rows = by_name(report)
    [idle] = rows["idle_poll"]
    assert idle["details"]["big"] == {"recorded_by_first_poll": 4, "in_inbox": 4}
    assert len(idle["details"]["big_ms"]) == 2
    [queue] = rows["queue_cli"]
    assert queue["details"]["rows"] > 0 and queue["details"]["submissions"] == 30
    for name in ("help_cli", "show_cli", "search_cli", "messages_cli", "status_cli", "subscribers_cli"):
        [row] = rows[name]
        assert row["ratio"] > 0 and row["details"]["seconds"] > 0, name
    assert rows["subscribers_cli"][0]["details"]["rows"] == 15  # 30 // 2 subscribers, under the limit of 100
    assert rows["search_in_process"][0]["details"]["seconds"] > 0


def test_peak_memory_is_the_childs_own_not_the_spawners(tmp_path):
    # A child's ru_maxrss starts at the RSS of whoever spawned it; the launcher keeps ours out of it.
    sys.path.insert(0, str(REPO_ROOT))
    from benchmarks.memory import peak_rss_mb

    ballast = bytearray(300_000_000)
    ballast[::4096] = b"1" * len(ballast[::4096])  # touch every page, so it is resident
    small, code = peak_rss_mb([sys.executable, "-c", "pass"], {}, tmp_path / "small.log")
    big, _ = peak_rss_mb(
        [sys.executable, "-c", "b = bytearray(200_000_000); b[::4096] = b'1' * len(b[::4096])"],
        {},
        tmp_path / "big.log",
    )

    assert code == 0
    assert small < 150 < 200 < big < 300  # MB: the child's own sizes, not our 300 MB
    del ballast


@pytest.mark.slow  # a whole run of `python -m benchmarks` (~70 s): pytest --slow tests/benchmarks
def test_send_reports_its_median_trial_and_every_copy_reached_the_sink(bench):
    _done, report = bench

    [send] = by_name(report)["send"]
    details = send["details"]
    assert details["repeats"] == 3 and send["ratio"] == sorted(details["trial_ratios"])[1]
    assert details["sink_received_ours"] == 6 == details["sink_received_baseline"]
    assert details["inline_once_per_audience"]
