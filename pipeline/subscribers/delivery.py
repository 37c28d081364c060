"""What one bulletin copy needs to know about its subscriber: tokens, headers, envelope sender.

The bulletin sender calls `copy_envelope` once per subscriber, puts `values` into
the rendered copy (pipeline.bulletin.personalise) and `headers` on the message,
and queues it with `envelope_from` (VERP) and its bulletin and subscriber ids:
the `outgoing` table's unique (bulletin_id, recipient) keeps a second send of
the same bulletin from queuing anyone twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Settings
from ..models import Subscriber
from .joining import unsubscribe_link
from .tokens import make_token, token_address


@dataclass(frozen=True)
class CopyEnvelope:
    envelope_from: str  # bulletin+bounce-TOKEN@domain
    unsubscribe_address: str  # bulletin+unsubscribe-TOKEN@domain
    unsubscribe_url: str  # "" without web.base_url
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def values(self) -> dict[str, str]:
        """For pipeline.bulletin.personalise (its placeholder names)."""
        return {"unsubscribe_address": self.unsubscribe_address, "unsubscribe_url": self.unsubscribe_url}


def list_id(settings: Settings) -> str:
    domain = settings.smtp.from_address.rpartition("@")[2] or "localhost"
    return f"{settings.network.short_name} Bulletin <bulletin.{domain}>"


def copy_envelope(settings: Settings, subscriber: Subscriber) -> CopyEnvelope:
    """Fresh tokens for one copy, and the list headers that go with them (RFC 2369, RFC 8058)."""
    mailto, url = unsubscribe_link(settings, subscriber.id)
    headers = {"List-Id": list_id(settings), "Precedence": "bulk"}
    if url:
        headers["List-Unsubscribe"] = f"<{url}>, <mailto:{mailto}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    else:
        headers["List-Unsubscribe"] = f"<mailto:{mailto}>"
    bounce = token_address(settings, "bounce", make_token(settings, "bounce", subscriber.id))
    return CopyEnvelope(envelope_from=bounce, unsubscribe_address=mailto, unsubscribe_url=url, headers=headers)
