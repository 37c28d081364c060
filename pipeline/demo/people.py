"""The demo's people: the network's team leaders, the internal list, and joining by reply."""

from __future__ import annotations

import mailbox
from collections.abc import Iterable
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.people import subscribers as subs
from pipeline.people.members import MemberInput, add_member
from pipeline.store import db
from pipeline.store.reader import reading

# Invented team leaders (as `mln members import` would load them). Anne Foster, who
# forwards Helen Okafor's plan, is deliberately missing: the plan is credited to Helen and
# shows "forwarded by an unknown sender". Helen then sends the same plan twice herself (typed
# in an HTML email, and "resent" as CSV): one File No, the repeats recorded against it.
DEMO_MEMBERS = (
    ("priya.natarajan@example.nhs.test", "Priya Natarajan", "Yorkshire & Humber", ("6",)),
    ("tom.heslop.mln@example.org", "Tom Heslop", "North East", ("1",)),
    ("g.pryce-owen@example.nhs.test", "Gareth Pryce-Owen", "Yorkshire & Humber", ("5",)),
    ("b.walsh@example.org", "Bernadette Walsh", "North West", ("8",)),
    ("helen.okafor@example.nhs.test", "Helen Okafor", "Yorkshire & Humber", ("3",)),
    ("rachel.ambrose@example.nhs.test", "Rachel Ambrose", "East Midlands", ("2",)),
    ("sian.nibhriain@example.nhs.test", "Siân Ní Bhriain", "North West", ("4",)),
    ("kemi.oyelaran@example.nhs.test", "Kemi Oyelaran", "North East", ()),
)
DEMO_LEAD = "Demo comms lead"


def add_demo_members(settings: Settings) -> None:
    """The team leaders, and each of them on the internal list (as `mln subscribers add` would)."""
    consent = subs.Consent(lawful_basis="legitimate-interests", added_by=DEMO_LEAD)
    with db.transaction(settings.database.url) as session:
        for email, name, region, themes in DEMO_MEMBERS:
            add_member(session, settings, MemberInput(email=email, name=name, region=region, themes=themes))
            subs.add(session, settings, email, "internal", name=name, via="cli", consent=consent)


def confirmation_requests(raw_messages: Iterable[bytes]) -> list[EmailMessage]:
    """The sent "please confirm" mails: those whose Reply-To is a +confirm- token address."""
    found = []
    for raw in raw_messages:
        msg = message_from_bytes(raw, policy=policy.default)
        if isinstance(msg, EmailMessage) and "+confirm-" in str(msg.get("Reply-To", "")):
            found.append(msg)
    return found


def reply_to_confirm(request: EmailMessage) -> bytes:
    """What a subscriber's mail program sends when they press Reply and write "Yes please"."""
    subscriber = str(request["To"])
    reply = EmailMessage()
    reply["From"] = subscriber
    reply["To"] = str(request["Reply-To"])
    reply["Subject"] = f"Re: {request['Subject']}"
    reply["Date"] = formatdate(localtime=True)
    reply["Message-ID"] = make_msgid(domain=parseaddr(subscriber)[1].rpartition("@")[2] or "example.org")
    reply["In-Reply-To"] = str(request["Message-ID"])
    reply["References"] = str(request["Message-ID"])
    body = request.get_body(("plain",))
    original = body.get_content() if isinstance(body, EmailMessage) else ""
    quoted = "\n".join(f"> {line}" for line in str(original).splitlines())
    reply.set_content(f"Yes please.\n\nOn {request['Date']}, {request['From']} wrote:\n{quoted}\n")
    return reply.as_bytes(policy=policy.SMTP)


def deliver_to_maildir(path: Path, messages: Iterable[bytes]) -> int:
    box = mailbox.Maildir(path, create=True)
    count = 0
    for raw in messages:
        box.add(raw)
        count += 1
    return count


def subscriber_rows(settings: Settings) -> list[dict[str, Any]]:
    with reading(settings.database.url) as reader:
        return subs.list_subscribers(reader)
