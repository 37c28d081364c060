"""A test copy of a bulletin: what a subscriber of one audience would get, to one named address.

It is built by the same skeleton as every real copy (pipeline/mailing/copies.py),
so headers, personalisation and links are those of the send, with "[TEST]" in
the subject and an X-MLN-Test header. It goes straight to the SMTP server, not
through the outbox: a test never waits behind a send under way, and a flush
it might trigger could never reach anyone else. It is recorded on the
bulletin (`test_sends`), never in `outgoing`, so it is neither a delivery nor
the copy that would stop the real one reaching the same address.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import make_msgid
from typing import Any

from pipeline.compose import domain_of
from pipeline.config import Settings
from pipeline.errors import NotFound, SmtpError, WrongState
from pipeline.mailing.copies import CopySkeleton, CopyValues
from pipeline.outbound.bulletin.content import AUDIENCES, check_audience
from pipeline.outbound.bulletin.drafts import edition_calendar, frozen_rendition, preview_bulletin
from pipeline.outbound.bulletin.personalise import PREVIEW_VALUES
from pipeline.outbound.bulletin.render import RenderedBulletin
from pipeline.outbound.smtp import PermanentFailure, SmtpConnection, TemporaryFailure
from pipeline.people.subscribers import find
from pipeline.people.subscribers.joining import unsubscribe_link
from pipeline.store.db import transaction
from pipeline.store.models import Bulletin, utcnow

TEST_PREFIX = "[TEST] "
TEST_HEADER = "X-MLN-Test"


@dataclass(frozen=True)
class TestCopy:
    bulletin_id: int
    to: str
    audience: str
    subject: str
    message_id: str
    personalised: bool  # the address is a subscriber of that audience: its own name and unsubscribe link

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def send_test_copy(
    settings: Settings, bulletin_id: int, to: str, audience: str | None = None, by: str = ""
) -> TestCopy:
    """Send one test copy of `audience`'s edition (default: the list `to` is on, else internal) to `to` only."""
    address = to.strip()
    if "@" not in address:
        raise NotFound(f"--to {to!r} is not an email address")
    rendition, audience, values, personalised, calendar = _prepare(settings, bulletin_id, address, audience)
    marked = RenderedBulletin(
        rendition.audience, TEST_PREFIX + rendition.subject, rendition.html, rendition.text, rendition.warnings
    )
    note = f"bulletin {bulletin_id}, {audience} edition; a test, not a delivery"
    data = CopySkeleton(settings, marked, extra_headers={TEST_HEADER: note}, calendar=calendar).fill(values)
    connection = SmtpConnection(settings)
    try:
        # Not the subscriber's VERP address: a bounce of a test must not count against anyone.
        connection.send(settings.smtp.from_address, address, data)
    except (TemporaryFailure, PermanentFailure) as exc:
        raise SmtpError(f"the test copy to {address} was not accepted: {exc}") from None
    finally:
        connection.close()
    copy = TestCopy(bulletin_id, address, audience, marked.subject, values.message_id, personalised)
    _record(settings, copy, by)
    return copy


def _prepare(
    settings: Settings, bulletin_id: int, address: str, audience: str | None
) -> tuple[RenderedBulletin, str, CopyValues, bool, bytes | None]:
    message_id = make_msgid(domain=domain_of(settings.smtp.from_address))
    with transaction(settings.database.url, readonly=True) as session:
        bulletin = session.get(Bulletin, bulletin_id)
        if bulletin is None:
            raise NotFound(f"no bulletin {bulletin_id}; see `mln bulletin list`")
        if bulletin.status == "cancelled":
            raise WrongState(f"bulletin {bulletin_id} was cancelled; there is nothing to test")
        subscriber = find(session, address)
        active = subscriber is not None and subscriber.status == "active"
        lists = (
            sorted(
                (m.list_name for m in subscriber.memberships if m.confirmed and m.list_name in AUDIENCES),
                key=AUDIENCES.index,
            )
            if subscriber is not None and active
            else []
        )
        audience = audience or (lists[0] if lists else "internal")
        check_audience(audience)
        frozen = None if bulletin.status == "draft" else frozen_rendition(session, bulletin_id, audience)
        calendar = edition_calendar(session, settings, bulletin_id)
        if subscriber is not None and audience in lists:
            mailto, url = unsubscribe_link(settings, subscriber.id)
            values = CopyValues(address, subscriber.name, message_id, mailto, url)
        else:
            preview = PREVIEW_VALUES
            values = CopyValues(address, "", message_id, preview["unsubscribe_address"], preview["unsubscribe_url"])
    # A draft has no frozen copy yet: it is rendered now, as `approve` would freeze it.
    rendition = frozen or preview_bulletin(settings, bulletin_id, audience, fill_placeholders=False)
    return rendition, audience, values, subscriber is not None and audience in lists, calendar


def _record(settings: Settings, copy: TestCopy, by: str) -> None:
    with transaction(settings.database.url) as session:
        bulletin = session.get_one(Bulletin, copy.bulletin_id)
        entry = {
            "to": copy.to,
            "audience": copy.audience,
            "by": by,
            "at": utcnow().isoformat(timespec="seconds"),
            "message_id": copy.message_id,
        }
        bulletin.test_sends = [*(bulletin.test_sends or []), entry]
