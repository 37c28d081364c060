"""TLS and AUTH against real aiosmtpd servers with a throw-away certificate authority."""

from __future__ import annotations

import dataclasses

import pytest
from fixtures.smtp import SINK_PASSWORD, SINK_USER
from outbox.outbox_helpers import make_settings, queue

from pipeline.config import Secret
from pipeline.outbound import sender, smtp


def _tls_settings(sqlite_url, tmp_path, url, ca_file, **smtp_options):
    options = {"user": SINK_USER, "password": Secret(SINK_PASSWORD), "ca_file": ca_file}
    options.update(smtp_options)
    return make_settings(sqlite_url, tmp_path, url, **options)


def test_starttls_with_verified_certificate_and_auth(sqlite_url, tmp_path, smtp_tls_sink):
    settings = _tls_settings(sqlite_url, tmp_path, smtp_tls_sink.url(), smtp_tls_sink.ca_file, starttls=True)
    queue(settings, ["ann@example.org", "bob@example.org"])
    report = sender.send_due(settings)
    assert (report.sent, report.connections) == (2, 1)
    assert smtp_tls_sink.recipients() == ["ann@example.org", "bob@example.org"]


def test_implicit_tls_smtps(sqlite_url, tmp_path, smtps_sink):
    settings = _tls_settings(sqlite_url, tmp_path, smtps_sink.url("smtps"), smtps_sink.ca_file)
    queue(settings, ["ann@example.org"])
    assert sender.send_due(settings).sent == 1
    assert smtps_sink.recipients() == ["ann@example.org"]


def test_unknown_certificate_is_refused_by_default(sqlite_url, tmp_path, smtp_tls_sink):
    settings = _tls_settings(sqlite_url, tmp_path, smtp_tls_sink.url(), "", starttls=True)
    queue(settings, ["ann@example.org"])
    report = sender.send_due(settings)
    assert report.sent == 0
    assert "TLS with" in report.stopped and "certificate verify failed" in report.stopped
    assert smtp_tls_sink.messages == []


def test_wrong_password_stops_with_a_next_step_and_no_secret(sqlite_url, tmp_path, smtp_tls_sink):
    settings = _tls_settings(
        sqlite_url,
        tmp_path,
        smtp_tls_sink.url(),
        smtp_tls_sink.ca_file,
        starttls=True,
        password=Secret("not-the-password"),
    )
    queue(settings, ["ann@example.org"])
    report = sender.send_due(settings)
    assert report.sent == 0 and "refused the login" in report.stopped and "MLN_SMTP_PASSWORD" in report.stopped
    assert "not-the-password" not in report.stopped


def test_starttls_required_but_not_offered(sqlite_url, tmp_path, smtp_sink):
    settings = make_settings(sqlite_url, tmp_path, smtp_sink.url(), starttls=True)
    queue(settings, ["ann@example.org"])
    assert "does not offer STARTTLS" in sender.send_due(settings).stopped


@pytest.mark.parametrize(
    "url, expected",
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, False, False)),
        ("smtps://mail.example.org", ("mail.example.org", 465, True, False)),
        ("smtp://mail.example.org:2525", ("mail.example.org", 2525, False, False)),
    ],
)
def test_endpoint_defaults(url, expected, tmp_path):
    settings = make_settings("sqlite://", tmp_path, url)
    assert dataclasses.astuple(smtp.parse_endpoint(settings)) == expected
    starttls = make_settings("sqlite://", tmp_path, "smtp://mail.example.org", starttls=True)
    assert smtp.parse_endpoint(starttls).port == 587


def test_bad_url_is_a_config_error(tmp_path):
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match="smtp.url"):
        smtp.parse_endpoint(make_settings("sqlite://", tmp_path, "http://mail.example.org"))
