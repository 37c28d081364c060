"""Helpers: build a real message, record it as the intake driver does, route it with the real rules, run its handler."""

from __future__ import annotations

import dataclasses
import uuid
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from pathlib import Path

import pytest

from pipeline.config import DatabaseSettings, Settings
from pipeline.intake.handlers import HandlerContext, get_handler
from pipeline.intake.handling import run_handler
from pipeline.intake.prepare import prepare
from pipeline.intake.rule_files import load_rules
from pipeline.intake.rules import route
from pipeline.store import db
from pipeline.store.models import Message

SAMPLES = Path(__file__).resolve().parents[1] / "templates"


def build_mail(
    subject: str = "Improvement plan",
    body: str = "Please find our plan attached.",
    attachments=(),
    sender: str = "alex.example@example.nhs.test",
    headers: dict[str, str] | None = None,
) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"Alex Example <{sender}>"
    msg["To"] = "mln@example.org"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="example.nhs.test")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for name in attachments:
        data = (SAMPLES / name).read_bytes() if isinstance(name, str) else name[1]
        filename = name if isinstance(name, str) else name[0]
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=filename)
    return msg.as_bytes()


@dataclasses.dataclass
class Deliver:
    settings: Settings

    def __call__(self, raw: bytes, handler: str | None = None):
        """Record `raw` as a new message and run the handler the inbox rules choose (or `handler`), in one transaction."""
        ready = prepare(raw, self.settings.limits)
        mail = ready.mail
        with db.transaction(self.settings.database.url) as session:
            record = Message(
                mailbox="test",
                folder="INBOX",
                location=uuid.uuid4().hex,
                sha256=mail.sha256,
                size=len(raw),
                message_id=mail.message_id,
                from_addr=mail.from_addr,
                from_name=mail.from_name,
                subject=mail.subject,
            )
            record.raw = raw
            session.add(record)
            session.flush()
            routing = route(load_rules(self.settings.rules_path), mail)
            if handler is not None:  # straight to the handler, as the driver would call it, whatever the rules say
                rule = dataclasses.replace(routing.rule, handler=handler, options={})
                ctx = HandlerContext(
                    session=session, settings=self.settings, record=record, mail=mail, forms=ready.forms, rule=rule
                )
                result = get_handler(handler).handle(ctx)
                session.flush()  # as the driver does after a handler
                return record.id, handler, result.with_ids()
            result = run_handler(session, self.settings, record, mail, ready.forms, routing)
            record.outcome, record.reason = result.outcome, result.reason
            return record.id, routing.handler, result


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    return Settings(database=DatabaseSettings(url=db_url), base_dir=str(tmp_path))


@pytest.fixture
def deliver(settings) -> Deliver:
    return Deliver(settings)
