"""File Nos: theme code, year, sequence; never the same number twice, even with two workers at once."""

from __future__ import annotations

import threading

from pipeline.store import db
from pipeline.store.counters import allocate_file_no

THEME = "Care Homes / Housing / Home Care / Day Services"


def test_sequence_per_theme_and_year(settings):
    with db.transaction(settings.database.url) as session:
        numbers = [allocate_file_no(session, settings, THEME, 2026)[0] for _ in range(2)]
        numbers.append(allocate_file_no(session, settings, "Workforce", 2026)[0])
        numbers.append(allocate_file_no(session, settings, THEME, 2027)[0])
    assert numbers == ["CH-2026-001", "CH-2026-002", "WO-2026-001", "CH-2027-001"]


def test_prefix_from_settings(settings):
    import dataclasses

    prefixed = dataclasses.replace(settings, network=dataclasses.replace(settings.network, file_no_prefix="NE"))
    with db.transaction(settings.database.url) as session:
        assert allocate_file_no(session, prefixed, THEME, 2026)[0] == "NE-CH-2026-001"


def test_two_workers_at_once_get_different_numbers(settings):
    """Both start before the sequence row exists; the second must wait for the first's commit, then count on."""
    url = settings.database.url
    db.get_engine(url)  # create the engine before the threads race for it
    barrier = threading.Barrier(2)
    results: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            with db.transaction(url) as session:
                results.append(allocate_file_no(session, settings, THEME, 2026)[0])
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(results) == ["CH-2026-001", "CH-2026-002"]
    with db.transaction(url) as session:
        assert allocate_file_no(session, settings, THEME, 2026)[0] == "CH-2026-003"


def test_two_workers_filing_two_themes_in_opposite_orders_do_not_deadlock(settings):
    """Each message has forms for two themes, in opposite orders; sequences are locked in one order."""
    from pipeline.store.counters import reserve_sequences

    url = settings.database.url
    db.get_engine(url)
    barrier = threading.Barrier(2)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def worker(themes: list[str]) -> None:
        try:
            barrier.wait()
            with db.transaction(url) as session:
                reserve_sequences(session, settings, themes, 2026)
                results.append([allocate_file_no(session, settings, t, 2026)[0] for t in themes])
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    pairs = [[THEME, "Workforce"], ["Workforce", THEME]]
    threads = [threading.Thread(target=worker, args=(p,)) for p in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(n for r in results for n in r) == ["CH-2026-001", "CH-2026-002", "WO-2026-001", "WO-2026-002"]
