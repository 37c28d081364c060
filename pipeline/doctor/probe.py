"""A probe mail from the From address to its own +probe- tag must come back into the polled mailbox.

Confirmations (`+confirm-`), mailto unsubscribes (`+unsubscribe-`) and bounces
(`+bounce-`) all come back to tags of smtp.from_address; if the probe does not
arrive, none of them will. The probe carries X-MLN-Bulletin, so a running worker
that fetches it first files it as our own mail (inbox rule "our-own-mail") and
answers nothing; otherwise the doctor moves it there itself.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime, make_msgid

from sqlalchemy import select

from pipeline.config import Settings
from pipeline.doctor.checks import Check, failed, from_error, passed
from pipeline.errors import MlnError
from pipeline.intake.mailbox import MailboxAction, MailSource, open_source
from pipeline.outbound.smtp import PermanentFailure, SmtpConnection, TemporaryFailure
from pipeline.people.subscribers.tokens import token_address
from pipeline.store import db
from pipeline.store.models import Message, utcnow

NAME = "probe mail comes back"
PROBE_FOLDER = "Ignored"  # under mailbox.processed_folder, where the rule "our-own-mail" files it


def check_probe(
    settings: Settings,
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Check:
    address = token_address(settings, "probe", secrets.token_hex(6))
    message = _probe_message(settings, address)
    try:
        with open_source(settings) as source:
            source.epoch()
            seen = {location for location, _ in source.new_locations(0)}
            _send(settings, address, message)
            started = clock()
            while clock() - started < timeout:
                sleep(1.0)
                found = _find(source, seen, message["Message-ID"], settings)
                if found:
                    return passed(NAME, f"{address} arrived in {source.key} and was filed under {found}")
    except (MlnError, TemporaryFailure, PermanentFailure) as exc:
        return from_error(NAME, exc) if isinstance(exc, MlnError) else _refused(settings, address, exc)
    if _filed_by_worker(settings, message["Message-ID"]):
        return passed(NAME, f"{address} arrived; the running worker filed it as our own mail")
    return failed(
        NAME,
        f"a probe to {address} did not reach the polled mailbox within {timeout:g} s",
        f"mail to {settings.smtp.from_address} (and its +tags) must be delivered to the polled mailbox: "
        "set smtp.from_address to the shared mailbox's own address, or have that address forwarded there",
    )


def _probe_message(settings: Settings, address: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp.from_address
    message["To"] = address
    message["Subject"] = "MLN Bulletin: mln doctor probe (safe to delete)"
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid("mln-probe", domain=settings.smtp.from_address.partition("@")[2] or None)
    message["X-MLN-Bulletin"] = "probe"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        "mln doctor sent this to check that mail to the bulletin's From address comes back to the\n"
        "polled mailbox. It is moved out of the inbox by itself.\n"
    )
    return message


def _send(settings: Settings, address: str, message: EmailMessage) -> None:
    connection = SmtpConnection(settings)
    try:
        connection.send(settings.smtp.from_address, address, message.as_bytes())
    finally:
        connection.close()


def _find(source: MailSource, seen: set[str], message_id: str, settings: Settings) -> str:
    """The folder the probe was moved to, once it is in the mailbox; "" while it is not."""
    source.epoch()
    fresh = [(location, uid) for location, uid in source.new_locations(0) if location not in seen]
    for fetched in source.fetch(fresh, settings.limits.max_message_bytes):
        headers = BytesHeaderParser().parsebytes(fetched.raw)
        if (headers["Message-ID"] or "").strip() == message_id:
            folder = f"{settings.mailbox.processed_folder}/{PROBE_FOLDER}"
            uids = [fetched.uid] if fetched.uid is not None else []
            source.apply(MailboxAction(locations=[fetched.location], move_to=folder, uids=uids))
            return folder
        seen.add(fetched.location)
    return ""


def _filed_by_worker(settings: Settings, message_id: str) -> bool:
    try:
        with db.transaction(settings.database.url, readonly=True) as session:
            return session.scalar(select(Message.id).where(Message.message_id == message_id).limit(1)) is not None
    except Exception:  # noqa: BLE001 - the database has its own check; here it only helps explain
        return False


def _refused(settings: Settings, address: str, exc: TemporaryFailure | PermanentFailure) -> Check:
    return failed(
        NAME,
        f"the SMTP server would not take a probe to {address}: {exc}",
        f"let the server relay mail from {settings.smtp.from_address} to its own domain",
    )
