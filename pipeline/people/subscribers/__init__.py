"""Subscribers: the lists, joining / confirming / leaving, tokens, bounces, complaints, suppression and consent."""

from __future__ import annotations

import importlib
from typing import Any

from pipeline.errors import InvalidToken as InvalidToken  # re-exported, as before

# Where each public name lives. They are imported on first use (PEP 562), so `mln subscribers list`,
# which reads through the driver (listing.py), does not import SQLAlchemy and the models behind the rest.
_HOMES = {
    "subject_access": "access",
    "BounceResult": "bounces",
    "bounce_list": "bounces",
    "is_mailbox_gone": "bounces",
    "latest_edition_sent": "bounces",
    "record_bounce": "bounces",
    "smtp_hard_bounce_hook": "bounces",
    "status_in": "bounces",
    "complaint_list": "complaints",
    "complaint_summary": "complaints",
    "record_complaint": "complaints",
    "LAWFUL_BASES": "consent",
    "Consent": "consent",
    "Outcome": "joining",
    "ask_to_confirm_leaving": "joining",
    "bounce_address": "joining",
    "confirm": "joining",
    "list_unsubscribe_headers": "joining",
    "request_join": "joining",
    "suppress_at_request": "joining",
    "unsubscribe_address": "joining",
    "unsubscribe_by_token": "joining",
    "unsubscribe_link": "joining",
    "list_subscribers": "listing",
    "ImportReport": "registry",
    "add": "registry",
    "approve": "registry",
    "as_dict": "registry",
    "export_csv": "registry",
    "find": "registry",
    "forget": "registry",
    "forget_everywhere": "registry",
    "import_csv": "registry",
    "normalise_address": "registry",
    "recipients": "registry",
    "recipients_of": "registry",
    "remove": "registry",
    "is_suppressed": "suppression",
    "suppress": "suppression",
    "suppression_list": "suppression",
    "consume_token": "tokens",
    "find_token": "tokens",
    "make_token": "tokens",
    "read_token": "tokens",
    "token_address": "tokens",
}
_MODULES = set(_HOMES.values()) | {"erasure"}

__all__ = sorted([*_HOMES, "InvalidToken"])


def __getattr__(name: str) -> Any:
    if name in _MODULES:  # `subscribers.registry`, as with an eager package
        return importlib.import_module(f"{__name__}.{name}")
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
