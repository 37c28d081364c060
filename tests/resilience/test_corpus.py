"""The corpus run: every sample in tests/messages/ and the generated hostile MIME of
tests/messages/hostile.py (bad boundaries, wrong charsets, 0-byte attachments, deep
nesting, 10,000 headers; the 50 MB ones with --slow) through the whole intake (parse,
rules, handler, store) with the default rules: each ends with an outcome and a reason,
none quarantined by an unhandled exception, and the peak memory of one message stays
within a bound proportional to its size.
"""

from __future__ import annotations

import importlib.util
import itertools
import tracemalloc
from pathlib import Path

import pytest
from resilience.harness import TOKEN_SECRET_ENV, World
from sqlalchemy import select

from pipeline.intake.poll import process_fetched
from pipeline.intake.rule_files import load_rules
from pipeline.mail import Fetched
from pipeline.store import db
from pipeline.store.models import Message
from pipeline.store.records import FolderKey

MESSAGES = Path(__file__).parents[1] / "messages"
_SPEC = importlib.util.spec_from_file_location("hostile_corpus", MESSAGES / "hostile.py")
hostile = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(hostile)
SAMPLES = sorted(p.relative_to(MESSAGES).as_posix() for p in MESSAGES.rglob("*.eml"))
_uids = itertools.count(1)


@pytest.fixture(scope="module")
def intake(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    url = f"sqlite:///{root}/mln.db"
    db.upgrade(url)
    settings = World(root, url, environ={TOKEN_SECRET_ENV: "corpus-secret-0123456789abcdef0123"}).settings
    return settings, load_rules(settings.rules_path)


def _run(intake, raw: bytes) -> Message:
    settings, rules = intake
    uid = next(_uids)
    tracemalloc.start()
    try:
        process_fetched(
            settings, rules, FolderKey("imap://corpus@test", "INBOX"), 1, [Fetched(str(uid), uid, raw, len(raw))]
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A generous bound: the raw bytes, their decoded copies and the parse tree, plus a fixed allowance.
    assert peak < 12 * len(raw) + 64_000_000, f"peak {peak / 1e6:.0f} MB for a {len(raw) / 1e6:.1f} MB message"
    with db.transaction(settings.database.url, readonly=True) as session:
        return session.scalars(select(Message).where(Message.uid == uid)).one()


def _check(row: Message) -> None:
    assert row.outcome in ("processed", "held", "ignored", "duplicate"), f"{row.outcome}: {row.reason}\n{row.error}"
    assert row.reason or row.outcome == "processed"


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_goes_through_the_whole_intake(intake, name, tally):
    tally.add(inputs=1)
    _check(_run(intake, (MESSAGES / name).read_bytes()))


@pytest.mark.parametrize("name", sorted(hostile.SMALL))
def test_hostile_mime_goes_through_the_whole_intake(intake, name, tally):
    tally.add(inputs=1)
    _check(_run(intake, hostile.SMALL[name]()))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(hostile.LARGE))
def test_large_hostile_mime_goes_through_the_whole_intake(intake, name, tally):
    tally.add(inputs=1)
    _check(_run(intake, hostile.LARGE[name]()))
