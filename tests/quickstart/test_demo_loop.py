"""`mln demo` shows the whole loop: intake, a join confirmed by reply, review decisions,
a bulletin sent to both lists (an SMTP sink inside the demo), and a built site.

The demo is run as a person would run it (the installed `mln` script, from a
working folder), and checked with the commands its "Try:" lines print.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from pipeline.demo import run_demo

MLN = Path(sys.executable).parent / "mln"


def sent_bulletins(folder: Path) -> dict[str, list[str]]:
    """Recipient -> subjects of the bulletins the sink saved for them."""
    found: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.eml")):
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        if "List-Id" in msg:
            found.setdefault(str(msg["To"].addresses[0].addr_spec), []).append(str(msg["Subject"]))
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo, run once from a fresh working folder; its output and folder."""
    cwd = tmp_path_factory.mktemp("work")
    result = subprocess.run([str(MLN), "demo", "--dir", "demo"], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return cwd, result.stdout


def try_line(stdout: str, ending: str) -> list[str]:
    """The printed "Try:" command that ends with `ending`, as argv."""
    lines = [line.strip() for line in stdout.splitlines() if line.strip().endswith(ending)]
    assert lines, f"no Try: line ending in {ending!r} in:\n{stdout[-2000:]}"
    return shlex.split(lines[0])


def test_the_try_lines_work_outside_the_venv(demo):
    cwd, stdout = demo
    argv = try_line(stdout, "subscribers list")
    assert Path(argv[0]).name == "mln"
    # A path to the script works with no venv on PATH; a bare `mln` is printed only when it is on PATH.
    env = None if argv[0] == "mln" else {"PATH": "/usr/bin:/bin"}
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "m.cole@example.org" in result.stdout


def test_the_thrice_sent_plan_is_one_file_no(demo):
    cwd, stdout = demo
    argv = try_line(stdout, "queue --status all")
    rows = json.loads(subprocess.run([*argv, "--json"], cwd=cwd, capture_output=True, check=True).stdout)
    rotational = [r for r in rows if r["title"].startswith("Rotational posts for newly qualified nurses")]
    assert len(rotational) == 1
    assert rotational[0]["repeats"] == 2
    assert f"{rotational[0]['file_no']} arrived 3 times and is one File No" in stdout


def test_a_subscriber_became_active_by_replying(demo):
    cwd, stdout = demo
    argv = try_line(stdout, "subscribers list")
    rows = {
        r["email"]: r
        for r in json.loads(subprocess.run([*argv, "--json"], cwd=cwd, capture_output=True, check=True).stdout)
    }
    assert rows["m.cole@example.org"]["status"] == "active"
    assert rows["m.cole@example.org"]["joined_via"] == "email"
    assert rows["m.cole@example.org"]["confirmed_at"]
    # the confirmation request went through the sink, and the welcome after the reply too
    subjects = [
        str(message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"])
        for p in sorted((cwd / "demo" / "sent").glob("*m.cole@example.org.eml"))
    ]
    assert any(s.startswith("Please confirm") for s in subjects)
    assert any(s.startswith("Welcome") for s in subjects)


def test_a_bulletin_reached_the_sink_for_each_list(demo):
    cwd, stdout = demo
    received = sent_bulletins(cwd / "demo" / "sent")
    internal_only, external_only = "priya.natarajan@example.nhs.test", "m.cole@example.org"
    for address in (internal_only, external_only):
        assert len(received[address]) == 1 and received[address][0].startswith("MLN Bulletin No. 1")
    assert "bulletin, internal list:" in stdout and "bulletin, external list:" in stdout


def test_review_decisions_and_the_site(demo):
    cwd, stdout = demo
    argv = try_line(stdout, "queue --status all")
    rows = json.loads(subprocess.run([*argv, "--json"], cwd=cwd, capture_output=True, check=True).stdout)
    status = {r["title"]: r["status"] for r in rows}
    assert status["Dementia champions in libraries"] == "rejected"
    assert status["Walking football for men over 60"] == "needs_changes"
    assert list(status.values()).count("approved") == len(rows) - 2
    index = cwd / "demo" / "site" / "index.html"
    assert "MLN Bulletin No. 1" in index.read_text(encoding="utf-8")


def test_without_the_sink_the_mail_waits_in_the_outbox(tmp_path):
    report = run_demo(tmp_path / "demo", use_sink=False)

    assert report["sink"] is None
    active = {s["email"] for s in report["subscribers"] if s["status"] == "active" and s["joined_via"] == "email"}
    assert "m.cole@example.org" in active  # confirmed by replying to the spooled request
    assert set(report["bulletin"]["send"]["queued"]) == {"internal", "external"}
    assert report["bulletin"]["send"]["sent"] == 0
    assert report["outbox_files"] > 0
    assert (tmp_path / "demo" / "site" / "index.html").exists()
