"""Sending routes ([[smtp.route]]): chosen per list or sender domain, each with its own cap,
pausing at a rolling 24-hour cap and resuming after the window (an injected clock: no sleeps),
against two real SMTP sinks."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json

import pytest
from fixtures.smtp import Sink, SinkHandler, _start
from outbox.outbox_helpers import queue
from sqlalchemy import insert, select, update

from pipeline.config import load_settings
from pipeline.config_smtp import RouteSettings, SmtpSettings
from pipeline.errors import ConfigError
from pipeline.outbound import sender
from pipeline.outbound.quota import WINDOW, finish_estimate, route_status
from pipeline.outbound.routes import assign_routes, route_for
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def second_sink():
    handler = SinkHandler()
    controller = _start(handler)
    yield Sink(handler, controller.hostname, controller.port, controller=controller)
    controller.stop()


class Clock:
    """The injected clock: time moves only when the test says so."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


def _with_routes(settings, *routes: RouteSettings):
    return dataclasses.replace(settings, routes=routes)


def _route(name: str, url: str, *, lists=(), domains=(), daily_limit=0, rate=0) -> RouteSettings:
    return RouteSettings(
        name, SmtpSettings(url=url, timeout=30.0, daily_limit=daily_limit, rate_per_minute=rate), lists, domains
    )


def _queue_copies(settings, recipients, audience: str) -> None:
    """One small message per recipient, inserted at once (building thousands with the
    email package would take longer than sending them)."""
    rows = [
        dict(
            kind="notice",
            recipient=rcpt,
            envelope_from="",
            subject="MLN bulletin",
            message_id=f"<{i}.{audience}@example.org>",
            raw=(
                f"From: bulletin@example.org\r\nTo: {rcpt}\r\nSubject: MLN bulletin\r\n"
                f"Message-ID: <{i}.{audience}@example.org>\r\n\r\nHello {rcpt}\r\n"
            ).encode(),
            audience=audience,
            status="queued",
        )
        for i, rcpt in enumerate(recipients)
    ]
    with transaction(settings.database.url) as session:
        session.execute(insert(Outgoing), rows)


def _set_audience(settings, ids, audience: str) -> None:
    with transaction(settings.database.url) as session:
        session.execute(update(Outgoing).where(Outgoing.id.in_(ids)).values(audience=audience))


def _sent_by_route(settings) -> dict[str, int]:
    with transaction(settings.database.url, readonly=True) as session:
        rows = session.execute(select(Outgoing.route).where(Outgoing.status == "sent")).scalars()
        return dict(collections.Counter(rows))


# ---- the config ----------------------------------------------------------------------------


def _config(tmp_path, text: str):
    path = tmp_path / "mln.toml"
    path.write_text(text)
    return load_settings(path, {"NHSMAIL_PASSWORD": "pw"})


def test_routes_are_read_with_presets_and_the_smtp_section_stays_the_default(tmp_path):
    settings = _config(
        tmp_path,
        '[smtp]\nurl = "smtp://relay.example.org:25"\nfrom_address = "bulletin@example.nhs.uk"\n'
        '[[smtp.route]]\nname = "nhsmail"\nurl = "smtp://send.nhs.net:587"\nstarttls = true\n'
        'user = "mln@nhs.net"\npassword_env = "NHSMAIL_PASSWORD"\npreset = "exchange-online"\nlists = ["internal"]\n'
        '[[smtp.route]]\nname = "provider"\nurl = "smtps://smtp.provider.example:465"\npreset = "exchange-online"\n'
        'daily_limit = 50000\ndomains = ["Example.org"]\n',
    )
    nhsmail, provider = settings.routes
    assert (nhsmail.smtp.rate_per_minute, nhsmail.smtp.daily_limit) == (30, 10_000)
    assert nhsmail.smtp.password == "pw" and nhsmail.smtp.from_address == "bulletin@example.nhs.uk"
    assert (provider.smtp.rate_per_minute, provider.smtp.daily_limit) == (30, 50_000)  # a key given wins
    assert provider.domains == ("example.org",)
    assert settings.smtp.url == "smtp://relay.example.org:25" and settings.smtp.daily_limit == 0
    assert route_for(settings, "internal", "") == "nhsmail"
    assert route_for(settings, "external", "bulletin+bounce-x@example.org") == "provider"
    assert route_for(settings, "external", "bulletin+bounce-x@example.nhs.uk") == "default"


@pytest.mark.parametrize(
    ("route", "message"),
    [
        ('name = "x"\nurl = "smtp://h"\npreset = "gmail"', "unknown preset 'gmail'"),
        ('name = "x"\nurl = "smtp://h"\nspeed = 3', "unknown key speed"),
        ('name = "x"', "url is required"),
        ('url = "smtp://h"', "give the route a name"),
        ('name = "default"\nurl = "smtp://h"', "is the [smtp] section itself"),
        ('name = "x"\nurl = "smtp://h"\ndaily_limit = -1', "must be 0 (no limit) or more"),
        ('name = "x"\nurl = "smtp://h"\ndkim_key_file = "k.pem"', "dkim_key_file needs dkim_selector and dkim_domain"),
        ('name = "x"\nurl = "smtp://h"\ndkim_selector = "s1"', "give dkim_selector and dkim_domain together"),
    ],
)
def test_a_wrong_route_is_named_in_one_line(tmp_path, route, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        _config(tmp_path, f'[smtp]\nurl = "smtp://127.0.0.1:25"\n[[smtp.route]]\n{route}\n')


# ---- choosing the route --------------------------------------------------------------------


def test_each_queued_row_gets_its_route_before_it_is_claimed(outbox_settings):
    settings = _with_routes(
        outbox_settings,
        _route("nhsmail", "smtp://127.0.0.1:1", lists=("internal",)),
        _route("partners", "smtp://127.0.0.1:2", domains=("partners.example.org",)),
    )
    internal, external, partner, plain = queue(settings, ["a@x.org", "b@x.org", "c@x.org", "d@x.org"])
    _set_audience(settings, [internal], "internal")
    _set_audience(settings, [external], "external")
    with transaction(settings.database.url) as session:
        session.get(Outgoing, partner).envelope_from = "bulletin+bounce-t@partners.example.org"
        assign_routes(session, settings)
    with transaction(settings.database.url, readonly=True) as session:
        routes = {row.id: row.route for row in session.scalars(select(Outgoing))}
    assert routes == {internal: "nhsmail", external: "default", partner: "partners", plain: "default"}


# ---- caps, pauses and resuming -------------------------------------------------------------


def test_two_routes_pause_at_their_caps_and_resume_after_the_window(outbox_settings, smtp_sink, second_sink):
    settings = _with_routes(
        outbox_settings,
        _route("nhsmail", smtp_sink.url(), lists=("internal",), daily_limit=900),
        _route("relay", second_sink.url(), lists=("external",), daily_limit=500),
    )
    recipients = [f"member{i:04d}@example.org" for i in range(2000)]
    _queue_copies(settings, recipients[:1200], "internal")
    _queue_copies(settings, recipients[1200:], "external")
    clock = Clock(T0)

    first = sender.send_due(settings, now=clock)

    assert first.by_route == {"nhsmail": 900, "relay": 500}
    assert first.paused == {"nhsmail": T0 + WINDOW, "relay": T0 + WINDOW}
    assert (len(smtp_sink.messages), len(second_sink.messages)) == (900, 500)
    [nhsmail, relay, default] = route_status(settings, clock())
    assert (nhsmail.sent_24h, nhsmail.queued, nhsmail.paused_until) == (900, 300, T0 + WINDOW)
    assert (relay.sent_24h, relay.queued, relay.eta) == (500, 300, T0 + WINDOW)
    assert default.queued == 0 and default.eta is None

    clock.at = T0 + WINDOW - dt.timedelta(seconds=1)  # not yet: nothing more goes
    assert sender.send_due(settings, now=clock).sent == 0

    clock.at = T0 + WINDOW  # the first day's sends have left the window
    second = sender.send_due(settings, now=clock)

    assert second.by_route == {"nhsmail": 300, "relay": 300} and not second.paused
    received = smtp_sink.recipients() + second_sink.recipients()
    assert sorted(received) == recipients  # every one, once, each by its own route
    assert set(second_sink.recipients()) == set(recipients[1200:])
    assert all(len(m.rcpt_tos) == 1 for m in smtp_sink.messages + second_sink.messages)  # never BCC
    assert _sent_by_route(settings) == {"nhsmail": 1200, "relay": 800}


def test_the_rolling_count_comes_from_the_database_across_runs(outbox_settings, smtp_sink):
    capped = dataclasses.replace(outbox_settings, smtp=dataclasses.replace(outbox_settings.smtp, daily_limit=10))
    recipients = [f"m{i:02d}@example.org" for i in range(25)]
    queue(capped, recipients)
    clock = Clock(T0)

    assert sender.send_due(capped, limit=4, now=clock).sent == 4  # a worker's small batch
    clock.at = T0 + dt.timedelta(hours=6)
    report = sender.send_due(capped, now=clock)  # a new run: a restart forgets nothing

    assert report.sent == 6 and report.paused == {"default": T0 + WINDOW}
    clock.at = T0 + WINDOW  # the four of 09:00 leave the window; the six of 15:00 are still in it
    assert sender.send_due(capped, now=clock).sent == 4
    clock.at = T0 + WINDOW + dt.timedelta(hours=6)  # the six of the first 15:00 leave
    assert sender.send_due(capped, now=clock).sent == 6
    clock.at = T0 + 2 * WINDOW + dt.timedelta(hours=6)
    assert sender.send_due(capped, now=clock).sent == 5
    assert sorted(smtp_sink.recipients()) == recipients


def test_the_estimate_follows_the_rate_and_the_rolling_cap():
    # 30 a minute, 10,000 a day: 5,000 take 166 minutes and 40 seconds to start.
    assert finish_estimate([], T0, 5000, 10_000, 30) == T0 + dt.timedelta(seconds=2 * 4999)
    # 25,000 at 10,000 a day on an unlimited relay: the last goes two windows after the first.
    assert finish_estimate([], T0, 25_000, 10_000, 0) == T0 + 2 * WINDOW
    # Already 10 sent an hour ago, cap 10: the next waits for the first to leave the window.
    history = [T0 - dt.timedelta(hours=1)] * 10
    assert finish_estimate(history, T0, 1, 10, 0) == T0 + dt.timedelta(hours=23)


# ---- what the CLI says -----------------------------------------------------------------------


def test_flush_says_when_a_paused_route_resumes_and_status_gives_the_eta(db_url, tmp_path, smtp_sink, second_sink):
    from resilience.harness import World

    world = World(
        tmp_path,
        db_url,
        smtp_url=smtp_sink.url(),
        extra_toml=f'[[smtp.route]]\nname = "nhsmail"\nurl = "{second_sink.url()}"\npreset = "exchange-online"\n'
        'rate_per_minute = 0\ndaily_limit = 3\nlists = ["internal"]\n',
    )
    recipients = [f"member{i}@example.org" for i in range(5)]
    _queue_copies(world.settings, recipients, "internal")

    flushed = world.invoke("outbox", "flush")

    assert flushed.returncode == 0, flushed.stderr
    assert "sent 3," in flushed.stdout
    assert "route nhsmail reached its 24-hour cap: paused; `mln worker` resumes it at" in flushed.stdout
    status = world.invoke("outbox", "status")
    assert "route nhsmail: 2 queued, 3/3 in 24 h, no rate limit; paused until" in status.stdout
    assert "; ETA " in status.stdout
    as_json = json.loads(world.invoke("outbox", "status", "--json").stdout)
    nhsmail = next(r for r in as_json["routes"] if r["name"] == "nhsmail")
    assert (nhsmail["sent_24h"], nhsmail["queued"], nhsmail["daily_limit"]) == (3, 2, 3)
    assert nhsmail["paused_until"] == nhsmail["eta"]  # the two left go together when the window opens
    assert len(second_sink.messages) == 3 and not smtp_sink.messages
