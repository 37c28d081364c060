"""The subscriber list: add, import, export, remove, forget; nobody who left comes back by import."""

from __future__ import annotations

import csv
import hashlib

import pytest
from subscribers.subscriber_helpers import make_settings

from pipeline.errors import InvalidInput, NotFound, Suppressed
from pipeline.people import subscribers
from pipeline.store.db import transaction
from pipeline.store.models import ConsentRecord, Subscriber, Suppression
from pipeline.store.reader import reading


@pytest.fixture
def settings(db_url, tmp_path):
    return make_settings(db_url, tmp_path)


def _write_csv(path, rows, headings=("Email", "Name", "Organisation")):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(headings)
        writer.writerows(rows)
    return path


def test_add_list_and_lists_membership(settings):
    with transaction(settings.database.url) as session:
        _, outcome = subscribers.add(
            session, settings, " Ann@Example.org ", "internal", name="Ann Example", organisation="Leeds MHT"
        )
        assert outcome == "added"
        assert subscribers.add(session, settings, "ann@example.org", "external")[1] == "updated"
        assert subscribers.add(session, settings, "ann@example.org", "external")[1] == "unchanged"
        subscribers.add(session, settings, "bob@example.nhs.test", "external")
    with reading(settings.database.url) as reader:
        rows = subscribers.list_subscribers(reader)
        assert [(r["email"], r["lists"], r["status"]) for r in rows] == [
            ("ann@example.org", ["external", "internal"], "active"),
            ("bob@example.nhs.test", ["external"], "active"),
        ]
        assert {"email", "name", "organisation", "lists", "status"} <= set(rows[0])
        assert [r["email"] for r in subscribers.list_subscribers(reader, list_name="internal")] == ["ann@example.org"]


@pytest.mark.parametrize("address", ["not-an-address", "a@b", "ann@example.org\r\nBcc: x@example.org", ""])
def test_bad_addresses_are_refused(settings, address):
    with transaction(settings.database.url) as session, pytest.raises(InvalidInput):
        subscribers.add(session, settings, address, "external")


def test_unknown_list_is_refused(settings):
    with transaction(settings.database.url) as session, pytest.raises(InvalidInput, match="internal, external"):
        subscribers.add(session, settings, "ann@example.org", "everyone")


def test_remove_from_one_list_then_all(settings):
    with transaction(settings.database.url) as session:
        subscribers.add(session, settings, "ann@example.org", "internal")
        subscribers.add(session, settings, "ann@example.org", "external")
        assert subscribers.remove(session, "ann@example.org", "internal").status == "active"
        ann = subscribers.remove(session, "ann@example.org")
        assert (ann.status, ann.lists) == ("unsubscribed", [])
        with pytest.raises(NotFound):
            subscribers.remove(session, "nobody@example.org")


def test_import_reports_added_updated_skipped_and_never_brings_back_leavers(settings, tmp_path):
    with transaction(settings.database.url) as session:
        subscribers.add(session, settings, "left@example.org", "external")
        subscribers.remove(session, "left@example.org")
        subscribers.add(session, settings, "gone@example.org", "external")
        subscribers.forget(session, "gone@example.org")
        subscribers.add(session, settings, "known@example.org", "external")
    path = _write_csv(
        tmp_path / "partners.csv",
        [
            ["new@example.org", "New Person", "Calder Carers Trust"],
            ["KNOWN@example.org", "Known Person", ""],
            ["left@example.org", "", ""],
            ["gone@example.org", "", ""],
            ["not an address", "", ""],
        ],
    )
    ticks = []
    report = subscribers.import_csv(settings, path, "external", progress=ticks.append)
    assert (report.added, report.updated) == (1, 1)
    assert [(line, email) for line, email, _ in report.skipped] == [
        (4, "left@example.org"),
        (5, "gone@example.org"),
        (6, "not an address"),
    ]
    reasons = [why for *_, why in report.skipped]
    assert "unsubscribed" in reasons[0] and "forgotten" in reasons[1] and "not an email address" in reasons[2]
    assert len(ticks) == 5
    with transaction(settings.database.url, readonly=True) as session:
        assert subscribers.find(session, "left@example.org").status == "unsubscribed"
        assert subscribers.find(session, "gone@example.org") is None
        assert subscribers.find(session, "new@example.org").organisation == "Calder Carers Trust"


def test_import_needs_an_email_heading(settings, tmp_path):
    path = _write_csv(tmp_path / "bad.csv", [["x@example.org"]], headings=("Address",))
    with pytest.raises(InvalidInput, match="email"):
        subscribers.import_csv(settings, path, "external")


def test_forget_keeps_only_the_address_hash_on_the_suppression_list(settings):
    with transaction(settings.database.url) as session:
        subscribers.add(session, settings, "gone@example.org", "external", name="Gone Person", organisation="Somewhere")
        subscribers.forget(session, "gone@example.org")
    with transaction(settings.database.url, readonly=True) as session:
        assert session.query(Subscriber).count() == 0
        assert session.query(ConsentRecord).count() == 0
        [row] = session.query(Suppression).all()
        assert row.digest == hashlib.sha256(b"gone@example.org").hexdigest() and row.reason == "forgotten"
        assert subscribers.is_suppressed(session, " GONE@example.org ")
    with transaction(settings.database.url) as session, pytest.raises(Suppressed, match="asked to be forgotten"):
        subscribers.add(session, settings, "gone@example.org", "external")


def test_export_round_trips_and_defuses_formulas(settings, tmp_path):
    with transaction(settings.database.url) as session:
        subscribers.add(
            session, settings, "ann@example.org", "internal", name='=HYPERLINK("http://x")', organisation="Leeds"
        )
        subscribers.add(session, settings, "bob@example.org", "external", name="Bob")
    out = tmp_path / "out.csv"
    assert subscribers.export_csv(settings, out, "internal") == 1
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert rows[0]["email"] == "ann@example.org" and rows[0]["lists"] == "internal"
    assert rows[0]["name"].startswith("'=")
    assert subscribers.export_csv(settings, out) == 2
