"""Issue 20, item 7: `mln site build` shows its progress on a terminal; --json stays only JSON."""

from __future__ import annotations

import json

from fixtures.terminal import MLN, run_in_terminal, run_off_terminal

from .seed import ITEMS, make_settings, seed

SECRET = {"MLN_TOKEN_SECRET": "site-tests-secret-0123456789"}


def test_site_build_draws_a_bar_with_count_and_rate_on_a_terminal(db_url, tmp_path):
    seed(make_settings(db_url, tmp_path))
    config = tmp_path / "mln.toml"  # written by make_settings
    code, screen = run_in_terminal([MLN, "--config", str(config), "site", "build", "-o", str(tmp_path / "out")], SECRET)
    assert code == 0, screen
    pages = len(ITEMS) + 1  # each item's page and the one bulletin's
    assert "building" in screen and f"{pages}/{pages}" in screen and "/s" in screen, screen
    assert "internal site in" in screen


def test_site_build_json_off_a_terminal_is_only_json(db_url, tmp_path):
    seed(make_settings(db_url, tmp_path))
    config = tmp_path / "mln.toml"
    done = run_off_terminal(
        [MLN, "--config", str(config), "site", "build", "-o", str(tmp_path / "out"), "--json"], SECRET
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["items"] == len(ITEMS)
    assert "building" not in done.stderr
