"""Bounce detection on real bounce messages: one row per file in tests/messages/bounces/expected.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pipeline.intake.bounces import BounceReport, find_bounced_addresses, make_verp_address

MESSAGES = Path(__file__).resolve().parents[1] / "messages"
BOUNCES = MESSAGES / "bounces"
ROWS = tomllib.loads((BOUNCES / "expected.toml").read_text(encoding="utf-8"))["bounce"]
MANIFEST = tomllib.loads((MESSAGES / "manifest.toml").read_text(encoding="utf-8"))["message"]


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_bounce_sample_yields_its_addresses(row):
    report = find_bounced_addresses((BOUNCES / row["file"]).read_bytes(), verp_domain_hint="example.org")
    assert sorted(report.permanent) == row["permanent"]
    assert sorted(report.temporary) == row["temporary"]
    assert report.verp_token == row.get("verp_token")
    assert report.error is None


def test_every_sample_file_has_a_row():
    on_disk = {p.relative_to(BOUNCES).as_posix() for p in BOUNCES.rglob("*") if p.suffix in {".eml", ".txt"}}
    assert on_disk == {row["file"] for row in ROWS}


def test_the_table_covers_both_kinds_of_failure():
    assert sum(bool(row["permanent"]) for row in ROWS) >= 90
    assert sum(bool(row["temporary"]) for row in ROWS) >= 10


@pytest.mark.parametrize("row", MANIFEST, ids=[row["file"] for row in MANIFEST])
def test_corpus_message_bounce_facts(row):
    # Only messages routed to `bounce` name anyone; nothing else in the corpus looks like one.
    report = find_bounced_addresses((MESSAGES / row["file"]).read_bytes(), verp_domain_hint="example.org")
    assert sorted(report.permanent) == sorted(row.get("bounced", []))
    assert report.verp_token == row.get("verp_token")
    assert report.found_anything is (row["handler"] == "bounce")


def test_a_detector_that_crashes_does_not_stop_the_others():
    # flufl.bounce's Yale detector raises IndexError on a message without From; the DSN detector
    # still reads the report, and the failure is recorded rather than raised.
    raw = (MESSAGES / "dsn-bounce.eml").read_bytes()
    without_from = b"\r\n".join(line for line in raw.split(b"\r\n") if not line.startswith(b"From: MAILER-DAEMON"))
    report = find_bounced_addresses(without_from)
    assert report.permanent == {"old.address@example.nhs.test"}
    no_bounce = find_bounced_addresses((MESSAGES / "missing-headers.eml").read_bytes())
    assert not no_bounce.found_anything
    assert "Yale" in no_bounce.error


def test_domain_hint_ignores_someone_elses_verp_address():
    raw = (BOUNCES / "ours-postfix-verp-in-returned-headers.eml").read_bytes()
    assert find_bounced_addresses(raw, verp_domain_hint="example.net").verp_token is None
    assert find_bounced_addresses(raw, verp_domain_hint="EXAMPLE.ORG").verp_token == "Jb0x1D2e.77aa"
    assert find_bounced_addresses(raw).verp_token == "Jb0x1D2e.77aa"


def test_envelope_header_wins_over_the_returned_headers():
    raw = (MESSAGES / "dsn-bounce.eml").read_bytes()
    moved = raw.replace(
        b"X-Original-To: bulletin+bounce-Kx7Qm2pL.3f9a@", b"X-Original-To: bulletin+bounce-Env0Tok3n@", 1
    )
    assert find_bounced_addresses(moved).verp_token == "Env0Tok3n"


def test_oversized_message_is_not_scanned_but_keeps_its_token():
    raw = (MESSAGES / "dsn-bounce.eml").read_bytes()
    huge = raw.replace(b"This is a MIME-encapsulated message.", b"x" * (6 * 1024 * 1024), 1)
    report = find_bounced_addresses(huge)
    assert report.verp_token == "Kx7Qm2pL.3f9a"
    assert not report.permanent and "too large" in report.error


@pytest.mark.parametrize(
    ("report", "counts"),
    [
        (BounceReport(permanent={"a@example.org"}), True),
        (BounceReport(temporary={"a@example.org"}), False),
        (BounceReport(verp_token="T"), True),  # VERP and an unknown format: Mailman counts it
        (BounceReport(temporary={"a@example.org"}, verp_token="T"), False),  # a delay is never counted
        (BounceReport(), False),
    ],
)
def test_which_reports_count_against_a_subscriber(report, counts):
    assert report.is_permanent is counts


def test_make_verp_address_round_trips():
    address = make_verp_address("Ab3.x_Y-9=", "example.org")
    assert address == "bulletin+bounce-Ab3.x_Y-9=@example.org"
    raw = (
        (MESSAGES / "dsn-bounce.eml")
        .read_bytes()
        .replace(b"bulletin+bounce-Kx7Qm2pL.3f9a@example.org", address.encode())
    )
    assert find_bounced_addresses(raw, "example.org").verp_token == "Ab3.x_Y-9="


@pytest.mark.parametrize("token", ["", "a b", "a@b", "x\r\nBcc: evil@example.net"])
def test_make_verp_address_refuses_tokens_that_could_break_an_address(token):
    with pytest.raises(ValueError):
        make_verp_address(token, "example.org")


def _hostile():
    import importlib.util

    spec = importlib.util.spec_from_file_location("hostile", MESSAGES / "hostile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOSTILE = _hostile()


@pytest.mark.parametrize("name", sorted(HOSTILE.SMALL) + sorted(HOSTILE.LARGE))
def test_hostile_mime_never_raises(name):
    builders = {**HOSTILE.SMALL, **HOSTILE.LARGE}
    report = find_bounced_addresses(builders[name](), verp_domain_hint="example.org")
    assert isinstance(report, BounceReport)
    assert not report.permanent  # none of them names a real failed recipient


def test_deep_nesting_is_reported_not_raised():
    report = find_bounced_addresses(HOSTILE.nested_multipart(1000))
    assert report.error == "the message is nested too deeply to read"
