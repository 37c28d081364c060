"""Resilience suite: hypothesis profiles, the `tally` of figures, and a test's own Dovecot.

Profiles (pytest --hypothesis-profile NAME): "resilience" (default here, modest
example counts for the ordinary suite) and "thorough" (many more examples).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from resilience.tally import Tally

# Hypothesis loads its own "ci" profile when the CI variable is set; ours builds on it there.
_base = settings.get_profile("ci") if settings._current_profile == "ci" else settings.get_profile("default")  # noqa: SLF001
settings.register_profile(
    "resilience",
    _base,
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "thorough",
    _base,
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
if settings._current_profile in ("default", "ci"):  # noqa: SLF001 - leave an explicit --hypothesis-profile alone
    settings.load_profile("resilience")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and "tally" in item.funcargs:
        record = item.funcargs["tally"]
        record._outcome = "xfail" if hasattr(report, "wasxfail") and report.skipped else report.outcome  # noqa: SLF001
        if hasattr(report, "wasxfail") and report.wasxfail:
            record.notes.append(report.wasxfail.removeprefix("reason: "))


@pytest.fixture
def tally(request):
    """What this test tried; written for scripts/resilience_report.py when MLN_RESILIENCE_TALLY is set."""
    area = request.node.path.stem.removeprefix("test_")
    record = Tally(test=request.node.nodeid, area=area)
    record._outcome = "error"  # noqa: SLF001
    yield record
    record.write(getattr(record, "_outcome", "error"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.slow])])
def crash_db_url(request, tmp_path):
    """The crash harnesses' database: SQLite in the ordinary suite (each trial starts a process,
    so they are the slow part), PostgreSQL too with --slow."""
    from fixtures.database import migrated_database

    yield from migrated_database(request.param, tmp_path)
