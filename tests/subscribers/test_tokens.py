"""Signed tokens: forged, altered, reused, expired and misdirected tokens are refused."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from subscribers.subscriber_helpers import make_settings

from pipeline.config import Secret, SecuritySettings
from pipeline.errors import ConfigError
from pipeline.people.subscribers import InvalidToken, consume_token, find_token, make_token, read_token, token_address
from pipeline.store.db import transaction
from pipeline.store.models import utcnow


@pytest.fixture
def settings(tmp_path):
    return make_settings("sqlite://", tmp_path)


def test_round_trip_and_fits_an_address(settings):
    token = make_token(settings, "confirm", 4242)
    assert read_token(settings, token, "confirm").subscriber_id == 4242
    address = token_address(settings, "confirm", token)
    assert address == f"bulletin+confirm-{token}@example.org"
    assert len(address.split("@")[0]) <= 64  # RFC 5321 local-part limit
    assert read_token(settings, token.upper(), "confirm").subscriber_id == 4242  # a server may change case
    assert find_token("confirm", f"MLN Bulletin <{address}>") == token
    assert make_token(settings, "confirm", 4242) != token  # a fresh nonce every time


def test_altered_token_is_refused(settings):
    token = make_token(settings, "confirm", 7)
    spare_bit = "abcdefghijklmnopqrstuvwxyz234567"["abcdefghijklmnopqrstuvwxyz234567".index(token[-1]) ^ 1]
    with pytest.raises(InvalidToken, match="altered"):  # same bytes, other spelling: still refused
        read_token(settings, token[:-1] + spare_bit, "confirm")
    for i in (0, 5, len(token) - 1):
        altered = token[:i] + ("a" if token[i] != "a" else "b") + token[i + 1 :]
        with pytest.raises(InvalidToken):
            read_token(settings, altered, "confirm")


def test_token_signed_with_another_secret_is_refused(settings):
    other = dataclasses.replace(settings, security=SecuritySettings(token_secret=Secret("another-secret-0123456789")))
    with pytest.raises(InvalidToken, match="signature"):
        read_token(settings, make_token(other, "confirm", 7), "confirm")


def test_expired_token_is_refused(settings):
    token = make_token(settings, "confirm", 7)
    read_token(settings, token, "confirm", now=utcnow() + dt.timedelta(days=6, hours=23))
    with pytest.raises(InvalidToken, match="expired"):
        read_token(settings, token, "confirm", now=utcnow() + dt.timedelta(days=7, minutes=1))


def test_a_bounce_token_lives_only_as_long_as_bounces_take(settings):
    assert settings.security.bounce_days == 30 < settings.security.unsubscribe_days
    token = make_token(settings, "bounce", 7)
    read_token(settings, token, "bounce", now=utcnow() + dt.timedelta(days=29, hours=23))
    with pytest.raises(InvalidToken, match="expired"):
        read_token(settings, token, "bounce", now=utcnow() + dt.timedelta(days=30, minutes=1))


def test_token_for_another_purpose_is_refused(settings):
    with pytest.raises(InvalidToken, match="not a confirm token"):
        read_token(settings, make_token(settings, "unsubscribe", 7), "confirm")


@pytest.mark.parametrize("garbage", ["", "abc", "x" * 37, "a" * 36 + "!", "0" * 37])
def test_garbage_is_refused(settings, garbage):
    with pytest.raises(InvalidToken):
        read_token(settings, garbage, "confirm")


def test_a_token_works_once(db_url, tmp_path):
    settings = make_settings(db_url, tmp_path)
    token = read_token(settings, make_token(settings, "confirm", 7), "confirm")
    with transaction(db_url) as session:
        consume_token(session, token)
    with transaction(db_url) as session, pytest.raises(InvalidToken, match="already used"):
        consume_token(session, token)


def test_no_secret_is_a_config_error_naming_the_variable(tmp_path):
    settings = dataclasses.replace(make_settings("sqlite://", tmp_path), security=SecuritySettings())
    with pytest.raises(ConfigError, match="MLN_TOKEN_SECRET"):
        make_token(settings, "confirm", 1)


def test_secret_comes_only_from_the_environment(tmp_path):
    from pipeline.config import load_settings

    config = tmp_path / "mln.toml"
    config.write_text('[security]\ntoken_secret = "in-the-file"\n')
    with pytest.raises(ConfigError, match="unknown key security.token_secret"):
        load_settings(config, environ={})
    config.write_text('[security]\ntoken_secret_env = "MY_SECRET"\n')
    settings = load_settings(config, environ={"MY_SECRET": "from-the-environment-123"})
    assert str(settings.security.token_secret) == "from-the-environment-123"
    assert "from-the-environment" not in repr(settings)


_SETTINGS = make_settings("sqlite://", "/tmp")
_VALID = make_token(_SETTINGS, "unsubscribe", 99)
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


@hsettings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_refused_or_a_real_token(text):
    try:
        token = read_token(_SETTINGS, text, "unsubscribe")
    except InvalidToken:
        return
    assert text.strip().lower() == _VALID and token.subscriber_id == 99


@hsettings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=len(_VALID) - 1), st.sampled_from(_ALPHABET))
def test_any_one_character_change_is_refused(position, char):
    altered = _VALID[:position] + char + _VALID[position + 1 :]
    if altered == _VALID:
        return
    with pytest.raises(InvalidToken):
        read_token(_SETTINGS, altered, "unsubscribe")
