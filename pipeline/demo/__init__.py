"""`mln demo`: one whole cycle on a local Maildir and an SMTP sink in this process, with no network.

Intake of the sample messages (the real-world shapes kept in tests/messages/), joins
confirmed by replying to the confirmation mail, the communications lead's review
decisions, the period's bulletin drafted, approved and sent to both lists, and the
web site built. Everything lands in the demo folder for a person to open.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from pipeline.config import Settings, load_settings
from pipeline.demo.people import (
    DEMO_LEAD,
    DEMO_MEMBERS,
    add_demo_members,
    confirmation_requests,
    deliver_to_maildir,
    reply_to_confirm,
    subscriber_rows,
)
from pipeline.demo.samples import SAMPLES, demo_messages
from pipeline.demo.sink import SmtpSink, sink_available
from pipeline.demo.steps import build_demo_site, bulletin_copies, bulletin_round, deliver_outbox, review_decisions
from pipeline.errors import MlnError
from pipeline.intake.messages import list_messages
from pipeline.passes import poll_once
from pipeline.setup import init_project
from pipeline.store import db

MARKER = ".mln-demo"
SENT_DIR = "sent"  # the sink writes what it receives here
SITE_DIR = "site"

__all__ = ["DEMO_MEMBERS", "MARKER", "SAMPLES", "run_demo"]


def run_demo(directory: Path, use_sink: bool = True) -> dict[str, Any]:
    """Start a fresh demo folder and run one cycle; report what happened and where to look.

    Without aiosmtpd (or with `use_sink` false) nothing is sent: the mail stays queued
    in the outbox folder, and the joins are confirmed by replying to the spooled requests.
    """
    directory = directory.resolve()
    _fresh(directory)
    report = init_project(directory, mailbox_url="maildir://./mailbox")
    if use_sink and sink_available():
        with SmtpSink(directory / SENT_DIR) as sink:
            # The environment overrides [smtp] url for this run only: mln.toml keeps its
            # ordinary value, as a real configuration would.
            settings = load_settings(report.config_path, {**os.environ, "MLN_SMTP_URL": sink.url})
            result = _cycle(settings, directory, lambda: [m.data for m in sink.messages])
            editions = bulletin_copies(settings, result["bulletin"]["draft"]["id"])
            result["sink"] = {
                "url": sink.url,
                "folder": str(sink.folder),
                "messages": [_described(m.recipients, m.data, m.file, editions) for m in sink.messages],
            }
    else:
        settings = load_settings(report.config_path)
        result = _cycle(settings, directory, None)
        result["sink"] = None
    return {"directory": str(directory), "config": report.config_path, **result}


def _cycle(settings: Settings, directory: Path, sent: Callable[[], list[bytes]] | None) -> dict[str, Any]:
    """The cycle itself; `sent` gives what the sink has received so far (None: no sink)."""
    deliver = sent is not None
    add_demo_members(settings)
    seeded = deliver_to_maildir(directory / "mailbox", demo_messages())
    poll = poll_once(settings)
    first_delivery = deliver_outbox(settings) if deliver else None
    # Each person who asked to join presses Reply on the confirmation request.
    requests = confirmation_requests(sent() if sent is not None else _spooled(settings))
    replies = deliver_to_maildir(directory / "mailbox", (reply_to_confirm(r) for r in requests))
    confirm_poll = poll_once(settings)
    messages = list(reversed(list_messages(settings, limit=1000)))
    queue = _queue(settings)  # before the decisions: what the lead saw
    decisions = review_decisions(settings, DEMO_LEAD)
    second_delivery = deliver_outbox(settings) if deliver else None  # the rejection and the change request
    bulletin = bulletin_round(settings, DEMO_LEAD, deliver)
    site = build_demo_site(settings, directory / SITE_DIR)
    return {
        "mailbox": str(directory / "mailbox"),
        "seeded": seeded,
        "poll": poll.to_dict(),
        "confirmations": {
            "requests": [str(r["To"]) for r in requests],
            "replies": replies,
            "poll": confirm_poll.to_dict(),
        },
        "deliveries": [d for d in (first_delivery, second_delivery) if d is not None],
        "messages": messages,
        "queue": queue,
        "decisions": decisions,
        "subscribers": subscriber_rows(settings),
        "bulletin": bulletin,
        "site": site,
        "database": db.redact_url(settings.database.url),
        "outbox": str(settings.outbox_path),
        "outbox_files": len(list(settings.outbox_path.glob("*.eml"))),
    }


def _described(recipients: list[str], data: bytes, file: Path, editions: dict[str, str]) -> dict[str, Any]:
    headers = BytesHeaderParser(policy=policy.default).parsebytes(data)
    return {
        "to": recipients,
        "subject": str(headers.get("Subject", "")),
        "file": str(file),
        "bulletin_list": editions.get(str(headers.get("Message-ID", "")).strip(), ""),
    }


def _spooled(settings: Settings) -> list[bytes]:
    return [path.read_bytes() for path in sorted(settings.outbox_path.glob("*.eml"))]


def _queue(settings: Settings) -> list[dict[str, Any]]:
    """The review queue the communications lead would see next."""
    from pipeline.review import list_queue, make_filter

    return list_queue(settings, make_filter(settings, status="all"))


def _fresh(directory: Path) -> None:
    if directory.exists() and any(directory.iterdir()):
        if not (directory / MARKER).exists():
            raise MlnError(f"{directory} exists and is not a demo folder; choose another --dir")
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("created by `mln demo`; removed and rebuilt on each run\n")
