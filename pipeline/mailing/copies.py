"""The bytes of one personalised bulletin copy, filled into its audience's encoded skeleton.

A bulletin goes to thousands of people and differs between two copies only in
a few header fields and three placeholders (pipeline/outbound/bulletin/personalise.py).
Building each copy with the email package (quoted-printable encoding of ~80 KB
of HTML in pure Python) cost more than sending it. So each audience's message
is built once with the email package and encoded once, cut at the placeholders;
a copy is that skeleton with the few per-copy pieces encoded and joined in:

    per-copy headers (To, Date, Message-ID, List-Unsubscribe) + the skeleton's headers
    body: encoded segment =CRLF encoded value =CRLF encoded segment ...

"=CRLF" is a quoted-printable soft line break: it decodes to nothing, so every
piece can be encoded on its own and no line grows past 76 characters. The
result decodes to exactly what `personalise()` gives (tests/subscribers/test_copies.py).
"""

from __future__ import annotations

import binascii
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.policy import SMTP
from email.utils import format_datetime
from html import escape
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.compose import address_header, build_message, clean_header, display_name
from pipeline.config import Settings
from pipeline.outbound.bulletin.drafts import edition_calendar, frozen_rendition
from pipeline.outbound.bulletin.personalise import PLACEHOLDERS
from pipeline.outbound.bulletin.render import RenderedBulletin
from pipeline.people.subscribers.joining import unsubscribe_headers, unsubscribe_link
from pipeline.store.models import Subscriber

_SLOT = re.compile("(" + "|".join(re.escape(token) for token in PLACEHOLDERS.values()) + ")")
_NAME_OF = {token: name for name, token in PLACEHOLDERS.items()}
_TEXT_MARK = "MLNTEXTBODYMARK"  # plain ASCII letters: quoted-printable leaves them as they are
_HTML_MARK = "MLNHTMLBODYMARK"
_SOFT_BREAK = b"=\r\n"
CALENDAR_NAME = "meetings.ics"


def list_id(settings: Settings) -> str:
    domain = settings.smtp.from_address.rpartition("@")[2] or "localhost"
    return f"{settings.network.short_name} Bulletin <bulletin.{domain}>"


@dataclass(frozen=True)
class CopyValues:
    """What differs between two copies of one audience's bulletin."""

    recipient: str
    name: str
    message_id: str
    unsubscribe_address: str
    unsubscribe_url: str  # "" without web.base_url


class CopySkeleton:
    """One audience's bulletin, built and encoded once; `fill()` makes each copy."""

    def __init__(
        self,
        settings: Settings,
        rendition: RenderedBulletin,
        extra_headers: dict[str, str] | None = None,
        calendar: bytes | None = None,
    ) -> None:
        """`calendar`: the issue's meetings (an .ics), attached as meetings.ics around the two parts."""
        msg = build_message(
            settings,
            "skeleton@invalid",
            rendition.subject,
            _TEXT_MARK,
            _HTML_MARK,
            headers={"List-Id": list_id(settings), "Precedence": "bulk", **(extra_headers or {})},
        )
        # iter_parts() yields the same two parts as get_payload(), typed as MIME parts.
        text_part, html_part = msg.iter_parts()
        text_part.set_content(_TEXT_MARK, cte="quoted-printable")
        html_part.set_content(_HTML_MARK, subtype="html", cte="quoted-printable")
        if calendar:
            # multipart/mixed around the alternative: a reader with no site link to the
            # meetings still gets them into Outlook. The same bytes in every copy, so they
            # sit in the skeleton's frame after both marks.
            msg.add_attachment(
                calendar, maintype="text", subtype="calendar", filename=CALENDAR_NAME, params={"method": "PUBLISH"}
            )
        for name in ("To", "Date", "Message-ID"):  # per copy
            del msg[name]
        head, body = msg.as_bytes(policy=SMTP).split(b"\r\n\r\n", 1)
        self.head = head + b"\r\n"
        before, rest = body.split(_TEXT_MARK.encode(), 1)
        between, after = rest.split(_HTML_MARK.encode(), 1)
        self.frame = (before, between, after)
        self.text = _encoded_segments(rendition.text, html=False)
        self.html = _encoded_segments(rendition.html, html=True)

    def fill(self, values: CopyValues, now: dt.datetime | None = None) -> bytes:
        """The complete copy for one recipient, CRLF line endings, ready for SMTP DATA."""
        slots = {
            "recipient": values.recipient,
            "unsubscribe_address": values.unsubscribe_address,
            "unsubscribe_url": values.unsubscribe_url,
        }
        before, between, after = self.frame
        return b"".join(
            (
                _copy_headers(values, now or dt.datetime.now(dt.UTC)),
                self.head,
                b"\r\n",
                before,
                _join(self.text, slots, html=False),
                between,
                _join(self.html, slots, html=True),
                after,
            )
        )


def _encoded_segments(rendered: str, html: bool) -> list[bytes | str]:
    """The rendered part cut at its placeholders: encoded bytes between slot names."""
    # The skeleton ends each part with its own line break, as set_content() would.
    rendered = rendered[:-1] if rendered.endswith("\n") else rendered
    pieces: list[bytes | str] = []
    for piece in _SLOT.split(rendered):
        pieces.append(_NAME_OF[piece] if piece in _NAME_OF else _qp(piece))
    return pieces


def _join(pieces: list[bytes | str], slots: dict[str, str], html: bool) -> bytes:
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            value = slots[piece]
            out += [_SOFT_BREAK, _qp(escape(value, quote=True) if html else value), _SOFT_BREAK]
        else:
            out.append(piece)
    return b"".join(out)


def _qp(text: str) -> bytes:
    """Quoted-printable of `text` (UTF-8), CRLF line ends, its last line short enough
    to take a soft line break after it."""
    encoded = binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8"), istext=True).replace(b"\n", b"\r\n")
    start = encoded.rfind(b"\n") + 1
    last = encoded[start:]
    if len(last) <= 75:
        return encoded
    cut = 74
    while cut > 0 and b"=" in last[max(cut - 2, 0) : cut]:  # never split an =XX escape
        cut -= 1
    return encoded[:start] + last[:cut] + _SOFT_BREAK + last[cut:]


def _copy_headers(values: CopyValues, now: dt.datetime) -> bytes:
    lines = [f"Date: {format_datetime(now)}", f"Message-ID: {clean_header(values.message_id)}"]
    for name, value in unsubscribe_headers(values.unsubscribe_address, values.unsubscribe_url).items():
        # Folded by hand between the two URIs: the email package would encode a long
        # mailto: as RFC 2047 words, which no mail client reads as an address.
        lines.append(f"{name}: " + clean_header(value).replace(">, <", ">,\r\n <"))
    to, _ = address_header("To", display_name(values.name), clean_header(values.recipient))
    return to + ("\r\n".join(lines) + "\r\n").encode("utf-8")


@dataclass(frozen=True)
class PreparedCopy:
    skeleton: CopySkeleton
    values: CopyValues

    def bytes(self) -> bytes:
        return self.skeleton.fill(self.values)


class CopyFiller:
    """Fills queued bulletin copies (rows with no `raw`) for the outbox; one per sending run,
    so each audience's skeleton is built once however many copies it fills."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._skeletons: dict[tuple[int, str], CopySkeleton] = {}

    def fill(self, session: Session, rows: Sequence[Any]) -> dict[int, bytes | None]:
        """row id -> the copy's bytes, or None when its subscriber has been forgotten meanwhile.

        `rows` need id, bulletin_id, audience, subscriber_id, recipient and message_id.
        """
        return {row_id: copy.bytes() if copy else None for row_id, copy in self.prepare(session, rows).items()}

    def prepare(self, session: Session, rows: Sequence[Any]) -> dict[int, PreparedCopy | None]:
        """What `fill` needs from the database, read now; each copy's bytes made later, when wanted."""
        ids = {row.subscriber_id for row in rows if row.subscriber_id is not None}
        names = (
            dict(session.execute(select(Subscriber.id, Subscriber.name).where(Subscriber.id.in_(ids))).all())
            if ids
            else {}
        )
        prepared: dict[int, PreparedCopy | None] = {}
        for row in rows:
            if row.subscriber_id not in names:
                prepared[row.id] = None
                continue
            mailto, url = unsubscribe_link(self.settings, row.subscriber_id)
            values = CopyValues(row.recipient, names[row.subscriber_id], row.message_id, mailto, url)
            prepared[row.id] = PreparedCopy(self._skeleton(session, row.bulletin_id, row.audience), values)
        return prepared

    def _skeleton(self, session: Session, bulletin_id: int, audience: str) -> CopySkeleton:
        key = (bulletin_id, audience)
        if key not in self._skeletons:
            rendition = frozen_rendition(session, bulletin_id, audience)
            calendar = edition_calendar(session, self.settings, bulletin_id)
            self._skeletons[key] = CopySkeleton(self.settings, rendition, calendar=calendar)
        return self._skeletons[key]
