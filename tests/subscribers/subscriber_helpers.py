"""Helpers for subscriber tests: settings with a token secret, and running one message through routing + handler."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from pipeline.config import (
    DatabaseSettings,
    ListSettings,
    PathSettings,
    Secret,
    SecuritySettings,
    Settings,
    SmtpSettings,
)
from pipeline.intake.handlers import HandlerResult
from pipeline.intake.handling import run_handler
from pipeline.intake.prepare import prepare
from pipeline.intake.rule_files import load_rules
from pipeline.intake.rules import route
from pipeline.store.db import transaction
from pipeline.store.models import Message

MESSAGES = Path(__file__).resolve().parents[1] / "messages"
FORGED = MESSAGES / "forged"  # mail from a hostile stranger; see its README.md
SECRET = Secret("test-secret-0123456789abcdef")


def make_settings(db_url: str, base_dir, smtp_url: str = "smtp://127.0.0.1:1", **lists) -> Settings:
    return Settings(
        database=DatabaseSettings(url=db_url),
        smtp=SmtpSettings(url=smtp_url, timeout=5.0, from_address="bulletin@example.org", reply_to="mln@example.org"),
        paths=PathSettings(outbox_dir="outbox"),
        security=SecuritySettings(token_secret=SECRET),
        lists=ListSettings(**lists),
        base_dir=str(base_dir),
    )


def with_lists(settings: Settings, **changes) -> Settings:
    return dataclasses.replace(settings, lists=dataclasses.replace(settings.lists, **changes))


_counter = {"n": 0}


def handle(settings: Settings, raw: bytes) -> tuple[str, HandlerResult, int]:
    """Route `raw` with the default inbox rules and run its handler in one transaction, as the poller does."""
    ready = prepare(raw, settings.limits)
    mail = ready.mail
    routing = route(load_rules(settings.rules_path), mail)
    _counter["n"] += 1
    with transaction(settings.database.url) as session:
        record = Message(
            mailbox="test",
            folder="INBOX",
            location=f"test/{_counter['n']}",
            sha256=hashlib.sha256(raw).hexdigest(),
            message_id=mail.message_id,
            from_addr=mail.from_addr,
            subject=mail.subject,
            raw=raw,
        )
        session.add(record)
        session.flush()
        result = run_handler(session, settings, record, mail, ready.forms, routing)
        record.outcome, record.reason = result.outcome, result.reason
    return routing.handler, result, record.id


def sample(name: str) -> bytes:
    return (MESSAGES / name).read_bytes()


def forged(name: str) -> bytes:
    return (FORGED / name).read_bytes()


def reply(
    from_addr: str, to: str, subject: str, body: str = "Yes please.\n", message_id: str = "<r1@example.org>"
) -> bytes:
    return (
        f"From: Someone <{from_addr}>\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
        f"Date: Tue, 22 Sep 2026 10:21:37 +0100\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{body}"
    ).encode()
