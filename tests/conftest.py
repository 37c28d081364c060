"""Shared fixtures: real servers and databases. Each lives in tests/fixtures/."""

from __future__ import annotations

pytest_plugins = [
    "fixtures.browser",
    "fixtures.database",
    "fixtures.dovecot",
    "fixtures.smtp",
]


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="run the long crash trials (marked slow)")
    parser.addoption("--trials", type=int, default=0, help="trials for the crash harness (default: the suite's own)")


def pytest_collection_modifyitems(config, items):
    import pytest

    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="long trial: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
