"""flufl.bounce's 117 real bounces as a table: where the default rules send each one, and what
the bounce handler does to the subscriber at each failing address (tests/messages/bounces/routing.toml).

Routing: every row. The handler: every address flufl.bounce finds failing for good, each
as a subscriber whose VERP address the bounce was delivered to (X-Original-To, as Postfix
writes it on delivery). The real intake, a Dovecot mailbox read by `mln poll`: the rows
marked `dovecot = true`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from sqlalchemy import delete
from subscribers.subscriber_helpers import handle, make_settings

from pipeline.intake.rule_files import load_rules
from pipeline.intake.rules import route
from pipeline.mail import parse_mail
from pipeline.people import subscribers
from pipeline.store import db
from pipeline.store.db import transaction
from pipeline.store.models import Subscriber

BOUNCES = Path(__file__).resolve().parents[1] / "messages" / "bounces"
ROWS = tomllib.loads((BOUNCES / "routing.toml").read_text(encoding="utf-8"))["sample"]
FLUFL = [row for row in ROWS if row["file"].startswith("flufl/")]
RULES = load_rules(Path(__file__).resolve().parents[2] / "inbox_rules")


def test_the_table_has_a_row_for_every_sample():
    on_disk = {p.relative_to(BOUNCES).as_posix() for p in BOUNCES.rglob("*") if p.suffix in {".eml", ".txt"}}
    assert on_disk == {row["file"] for row in ROWS}
    assert len(FLUFL) == 117


def test_every_address_flufl_bounce_finds_failing_for_good_is_in_the_table():
    # expected.toml (cross-checked with upstream's own tables) is what the detectors find.
    found = tomllib.loads((BOUNCES / "expected.toml").read_text(encoding="utf-8"))["bounce"]
    permanent = {row["file"]: row["permanent"] for row in found}
    assert {row["file"]: sorted(row["disabled"] + row["scored"]) for row in ROWS} == permanent
    assert all(row["route"] == "bounce" for row in ROWS if row["disabled"] or row["scored"])


def test_at_least_110_of_fluf_bounce_s_117_samples_route_as_bounces():
    routed = [row for row in FLUFL if row["route"] == "bounce"]
    assert len(routed) >= 110, f"{len(routed)} of {len(FLUFL)}"


@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_each_sample_routes_as_the_table_says(row):
    handler = route(RULES, parse_mail((BOUNCES / row["file"]).read_bytes()), explain=False).handler
    if row["route"].startswith("not "):
        assert handler != row["route"][4:]
    else:
        assert handler == row["route"]


def delivered_to(raw: bytes, address: str) -> bytes:
    """The bounce as our mailbox receives it when sent to `address`: X-Original-To first (after any mbox From_ line)."""
    header = f"X-Original-To: {address}\n".encode()
    if raw.startswith(b"From "):
        first, _, rest = raw.partition(b"\n")
        return first + b"\n" + header + rest
    return header + raw


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    """One SQLite database for the whole table: each row starts from no subscribers."""
    folder = tmp_path_factory.mktemp("bounce-table")
    url = f"sqlite:///{folder}/mln.db"
    db.upgrade(url)
    yield make_settings(url, folder)
    db.get_engine(url).dispose()


def _only(settings, address: str) -> int:
    with transaction(settings.database.url) as session:
        session.execute(delete(Subscriber))
        return subscribers.add(session, settings, address, "external")[0].id


def _state(settings, sub_id: int) -> tuple[str, int]:
    with transaction(settings.database.url, readonly=True) as session:
        sub = session.get(Subscriber, sub_id)
        return sub.status, sub.bounce_score


WITH_ADDRESSES = [row for row in ROWS if row["disabled"] or row["scored"]]


@pytest.mark.parametrize("row", WITH_ADDRESSES, ids=[row["file"] for row in WITH_ADDRESSES])
def test_every_failing_address_is_disabled_or_scored(settings, row):
    raw = (BOUNCES / row["file"]).read_bytes()
    for address in row["disabled"] + row["scored"]:
        sub_id = _only(settings, address)
        _, result, _ = handle(settings, delivered_to(raw, subscribers.bounce_address(settings, sub_id)))
        expected = ("disabled", 1) if address in row["disabled"] else ("active", 1)
        assert result.outcome == "processed", result.reason
        assert _state(settings, sub_id) == expected, (address, result.reason)


DOVECOT = [row for row in ROWS if row.get("dovecot")]


@pytest.mark.parametrize("row", DOVECOT, ids=[row["file"] for row in DOVECOT])
def test_through_the_real_intake(world, imap_account, row):
    failing = row["disabled"] + row["scored"]
    with transaction(world.db_url) as session:
        sub = subscribers.add(session, world.settings, failing[0] if failing else "nobody@example.org", "external")[0]
        session.flush()
        sub_id = sub.id
    raw = (BOUNCES / row["file"]).read_bytes()
    raw = raw.partition(b"\n")[2] if raw.startswith(b"From ") else raw  # an IMAP message has no mbox From_ line
    if row["route"] == "bounce":
        raw = delivered_to(raw, subscribers.bounce_address(world.settings, sub_id))
    imap_account.append_many([raw])

    polled = world.invoke("poll", "--json")

    assert polled.returncode == 0, polled.stderr
    [record] = world.recorded()
    handler = row["route"]
    if handler == "bounce":
        assert (record.outcome, record.handler) in {("processed", "bounce"), ("held", "bounce")}, record.reason
        folder = "Processed/Bounces" if record.outcome == "processed" else "Held"
        assert len(imap_account.uids(folder)) == 1
    else:
        assert record.handler != "bounce"
    with transaction(world.db_url, readonly=True) as session:
        status = session.get(Subscriber, sub_id).status
    assert status == ("disabled" if row["disabled"] else "active"), record.reason
