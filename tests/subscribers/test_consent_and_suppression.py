"""Consent records (basis, source, time, wording) and the suppression list (hashes that outlive
`forget`, checked on add, import and join; lifted only by the owner's own confirmed request)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import update
from subscribers.subscriber_helpers import make_settings

from pipeline.cli import cli
from pipeline.people import subscribers
from pipeline.people.subscribers.consent import CONFIRM_WORDING_VERSION
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing, utcnow

ANN = "ann.reader@example.nhs.test"


@pytest.fixture
def settings(db_url, tmp_path):
    return make_settings(db_url, tmp_path)


def consents(settings, address):
    with transaction(settings.database.url, readonly=True) as session:
        return subscribers.subject_access(session, address)["consent"]


def join_and_confirm(settings, address, requested_by=""):
    with transaction(settings.database.url) as session:
        outcome = subscribers.request_join(session, settings, address, "external", requested_by=requested_by)
        if not outcome.done:
            return outcome
        token = subscribers.make_token(settings, "confirm", outcome.subscriber.id)
    with transaction(settings.database.url) as session:
        return subscribers.confirm(session, settings, token, address)


def leave_by_token(settings, address):
    with transaction(settings.database.url) as session:
        sub_id = subscribers.find(session, address).id
    token = subscribers.unsubscribe_link(settings, sub_id)[0].split("+unsubscribe-")[1].split("@")[0]
    with transaction(settings.database.url) as session:
        return subscribers.unsubscribe_by_token(session, settings, token, via="web")


def test_a_confirmed_join_records_consent_on_our_wording(settings):
    assert join_and_confirm(settings, ANN).done
    [record] = consents(settings, ANN)
    assert record["action"] == "confirmed" and record["lawful_basis"] == "consent"
    assert record["source"] == "email-reply" and record["wording_version"] == CONFIRM_WORDING_VERSION
    assert record["list"] == "external" and record["at"]


def test_the_lead_adding_or_importing_records_basis_source_and_wording(settings, tmp_path):
    vouched = subscribers.Consent(lawful_basis="legitimate-interests", added_by="A. Lead", wording_version="v2")
    with transaction(settings.database.url) as session:
        subscribers.add(session, settings, ANN, "internal", consent=vouched)
    [added] = consents(settings, ANN)
    assert (added["action"], added["source"], added["lawful_basis"]) == ("added", "cli", "legitimate-interests")
    assert added["source_detail"] == "added by A. Lead" and added["wording_version"] == "v2"

    path = tmp_path / "partners.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["email"], ["ben@example.org"]])
    subscribers.import_csv(settings, path, "external", consent=subscribers.Consent(added_by="A. Lead"))
    [imported] = consents(settings, "ben@example.org")
    assert (imported["action"], imported["source"]) == ("imported", "import")
    assert imported["source_detail"] == "file partners.csv, added by A. Lead"


def test_leaving_suppresses_and_only_their_own_confirmed_request_lifts_it(settings, tmp_path):
    assert join_and_confirm(settings, ANN).done
    assert leave_by_token(settings, ANN).done
    with transaction(settings.database.url) as session:
        assert subscribers.is_suppressed(session, ANN)
        subscribers.forget(session, ANN)
    with transaction(settings.database.url) as session:
        assert subscribers.find(session, ANN) is None and subscribers.is_suppressed(session, ANN)
        with pytest.raises(subscribers.registry.WrongState, match="suppression list"):
            subscribers.add(session, settings, ANN, "external")
    path = tmp_path / "again.csv"
    path.write_text(f"email\n{ANN}\n", encoding="utf-8")
    report = subscribers.import_csv(settings, path, "external")
    assert report.added == 0 and "suppression list" in report.skipped[0][2]

    refused = join_and_confirm(settings, ANN, requested_by="someone.else@example.org")
    assert not refused.done and "suppression list" in refused.reason

    with transaction(settings.database.url) as session:  # they come back days later
        session.execute(update(Outgoing).values(created_at=utcnow() - dt.timedelta(days=3)))
    rejoined = join_and_confirm(settings, ANN)
    assert rejoined.done and rejoined.subscriber.status == "active"
    with transaction(settings.database.url, readonly=True) as session:
        assert not subscribers.is_suppressed(session, ANN)
    assert "taken off the suppression list" in consents(settings, ANN)[-1]["source_detail"]


def test_show_is_a_subject_access_export_and_the_list_keeps_only_hashes(db_url, tmp_path):
    config = tmp_path / "mln.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")

    def run(*args):
        return CliRunner().invoke(cli, ["--config", str(config), "subscribers", *args], catch_exceptions=False)

    assert run("add", ANN, "--list", "internal", "--by", "A. Lead", "--wording", "form 2026-03").exit_code == 0
    data = json.loads(run("show", ANN, "--json").output)
    assert set(data) == {"email", "subscriber", "consent", "deliveries", "bounces", "complaints", "suppression"}
    assert data["subscriber"]["status"] == "active" and data["consent"][0]["source_detail"] == "added by A. Lead"
    assert data["suppression"] == {"sha256": hashlib.sha256(ANN.encode()).hexdigest(), "suppressed": False}
    assert "Consent:" in run("show", ANN).output

    entry = json.loads(run("suppress", ANN, "--json").output)
    assert entry["email"] == ANN and entry["reason"] == "requested" and entry["at"]
    assert run("forget", ANN, "--yes").exit_code == 0
    after = json.loads(run("show", ANN, "--json").output)
    assert after["subscriber"] is None and after["consent"] == [] and after["suppression"]["reason"] == "requested"
    [row] = json.loads(run("suppressed", "--json").output)
    assert row["sha256"] == hashlib.sha256(ANN.encode()).hexdigest() and ANN not in json.dumps(row)
    refused = run("add", ANN, "--list", "internal")
    assert refused.exit_code == 1 and "suppression list" in refused.output
    assert run("show", "nobody@example.org").exit_code == 1
