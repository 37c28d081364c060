"""Fixtures for outbox tests."""

from __future__ import annotations

import pytest
from outbox.outbox_helpers import make_settings


@pytest.fixture
def outbox_settings(db_url, tmp_path, smtp_sink):
    """Settings for a test database, the plain SMTP sink and an outbox folder under tmp_path."""
    return make_settings(db_url, tmp_path, smtp_sink.url())
