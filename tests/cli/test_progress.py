"""Issue 20, item 7: long work shows count, rate and time left; a bar on a terminal, a line every few seconds off one."""

from __future__ import annotations

import io
import itertools
import json

from fixtures.terminal import MLN, run_in_terminal, run_off_terminal

from pipeline.commands.progress import Progress, progress_reporter

SECRET = {"MLN_TOKEN_SECRET": "progress-tests-secret-0123456789"}


def test_off_a_terminal_a_plain_line_every_few_seconds():
    ticks = itertools.count(0.0, 1.0)  # each reading of the clock is one second later
    out = io.StringIO()
    progress = Progress("importing", 100, stream=out, tty=False, interval=5.0, clock=lambda: next(ticks))
    for _ in range(10):
        progress.update(10)
    progress.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 3, lines  # at 5 s, at 10 s, and where it ended
    assert lines[0].endswith("importing: 50/100 (50%), 10.0/s, about 5 s left"), lines[0]
    assert lines[1].endswith("importing: 100/100 (100%), 10.0/s"), lines[1]
    assert lines[2].endswith("importing: 100/100 (100%), 9.1/s"), lines[2]


def test_a_quick_job_off_a_terminal_prints_nothing():
    out = io.StringIO()
    start, close = progress_reporter("building", stream=out, tty=False)
    update = start(50)
    for _ in range(50):
        update(1)
    close()
    assert out.getvalue() == ""
    assert progress_reporter("x", stream=out, tty=False)[0](1) is None  # one step is no progress to show


def _csv(tmp_path, rows: int):
    path = tmp_path / "partners.csv"
    path.write_text(
        "email,name,organisation\n" + "".join(f"partner{n}@example.org,Partner {n},Org {n}\n" for n in range(rows)),
        encoding="utf-8",
    )
    return path


def _config(tmp_path, sqlite_url):
    path = tmp_path / "mln.toml"
    path.write_text(f'[database]\nurl = "{sqlite_url}"\n', encoding="utf-8")
    return path


def test_subscriber_import_draws_a_bar_on_a_terminal(tmp_path, sqlite_url):
    config = _config(tmp_path, sqlite_url)
    code, screen = run_in_terminal(
        [MLN, "--config", str(config), "subscribers", "import", str(_csv(tmp_path, 120)), "--list", "external"],
        env=SECRET,
    )
    assert code == 0, screen
    assert "importing" in screen and "120/120" in screen and "/s" in screen
    assert "added 120, updated 0, unchanged 0, skipped 0" in screen


def test_subscriber_import_json_off_a_terminal_is_only_json(tmp_path, sqlite_url):
    config = _config(tmp_path, sqlite_url)
    done = run_off_terminal(
        [
            MLN,
            "--config",
            str(config),
            "subscribers",
            "import",
            str(_csv(tmp_path, 30)),
            "--list",
            "external",
            "--json",
        ],
        env=SECRET,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["added"] == 30
    assert "importing" not in done.stderr
