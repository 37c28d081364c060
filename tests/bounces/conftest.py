"""A world for bounces through the real intake: a Dovecot mailbox, a database, `mln poll`."""

from __future__ import annotations

import pytest
from resilience.harness import IMAP_PASSWORD_ENV, TOKEN_SECRET_ENV, World
from subscribers.subscriber_helpers import SECRET


@pytest.fixture
def world(imap_account, db_url, tmp_path) -> World:
    """`mln` against a fresh Dovecot user and database, with the token secret the helpers sign with."""
    return World(
        tmp_path / "world",
        db_url,
        mailbox_url=imap_account.url,
        environ={IMAP_PASSWORD_ENV: imap_account.password, TOKEN_SECRET_ENV: str(SECRET)},
    )
