"""The happy path through a real `python -m pipeline.cli` process, as the communications lead runs it."""

from __future__ import annotations

import json
import subprocess
import sys

from pipeline.config import REPO_ROOT


def mln_process(config, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )


def test_queue_approve_search_export_in_a_real_process(config, submit, tmp_path):
    sub = submit(title="Dementia awareness for care home staff")
    listed = mln_process(config, "queue", "--json")
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert row["id"] == sub and row["status"] == "pending" and row["file_no"].startswith("CH-")

    approved = mln_process(config, "approve", str(sub), "--as", "comms-lead")
    assert approved.returncode == 0 and approved.stdout.startswith(f"approved {sub} ")
    again = mln_process(config, "approve", str(sub))
    assert again.returncode == 1 and again.stderr.startswith(
        f"mln: submission {sub} is already approved by comms-lead at "
    )

    found = json.loads(mln_process(config, "search", "dementia", "--json").stdout)
    assert [r["id"] for r in found] == [sub]
    out = tmp_path / "index.csv"
    assert mln_process(config, "index", "export", "-o", str(out)).returncode == 0
    assert "Dementia awareness for care home staff" in out.read_text(encoding="utf-8-sig")
