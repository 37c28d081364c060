"""Consent records: when, how, on what lawful basis and on what wording each reader joined.

UK GDPR / PECR (ICO guidance on consent records): keep who consented, when, how, and
what they were told. A subscriber gets a record for each act: confirming a join by email
reply or on the web (their own consent, on the wording of our confirmation request), and
the communications lead adding or importing them (the lead vouches for a basis and says
where it came from: a file, who added them, what wording people agreed to). Leaving or
complaining adds a `withdrawn` record. Records go with the subscriber on `forget`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.errors import InvalidInput
from pipeline.store.models import ConsentRecord, Subscriber, utcnow
from pipeline.store.vocabulary import LAWFUL_BASES

# Bump the version whenever the wording of the confirmation request changes
# (pipeline/people/subscribers/joining.py, queue_confirmation): records name the version agreed to.
CONFIRM_WORDING_VERSION = "join-confirm-2026-12"
SOURCES = {"email": "email-reply", "web": "web-form", "import": "import", "cli": "cli"}


@dataclass(frozen=True)
class Consent:
    """What the lead states when adding or importing people: the basis, who, and on what wording."""

    lawful_basis: str = "consent"
    added_by: str = ""
    wording_version: str = ""
    file_name: str = ""

    def __post_init__(self) -> None:
        if self.lawful_basis not in LAWFUL_BASES:
            raise InvalidInput(f"lawful basis must be one of {', '.join(LAWFUL_BASES)}, not {self.lawful_basis!r}")


def record_consent(
    subscriber: Subscriber,
    action: str,
    *,
    source: str,
    list_name: str = "",
    lawful_basis: str = "consent",
    detail: str = "",
    wording_version: str = "",
) -> ConsentRecord:
    """Append one record to the subscriber's trail (saved with the subscriber)."""
    record = ConsentRecord(
        list_name=list_name,
        action=action,
        lawful_basis=lawful_basis,
        source=SOURCES.get(source, source),
        source_detail=detail[:2000],
        wording_version=wording_version[:100],
        at=utcnow(),
    )
    subscriber.consents.append(record)
    return record


def record_vouched(subscriber: Subscriber, list_name: str, via: str, consent: Consent | None) -> None:
    """The lead added (cli) or imported (import) this subscriber to `list_name`."""
    consent = consent or Consent()
    parts = []
    if consent.file_name:
        parts.append(f"file {consent.file_name}")
    parts.append(f"added by {consent.added_by or 'the communications lead'}")
    record_consent(
        subscriber,
        "imported" if via == "import" else "added",
        source=via,
        list_name=list_name,
        lawful_basis=consent.lawful_basis,
        detail=", ".join(parts),
        wording_version=consent.wording_version,
    )


def consent_dicts(subscriber: Subscriber) -> list[dict]:
    return [
        {
            "at": r.at.isoformat(timespec="seconds"),
            "action": r.action,
            "list": r.list_name,
            "lawful_basis": r.lawful_basis,
            "source": r.source,
            "source_detail": r.source_detail,
            "wording_version": r.wording_version,
        }
        for r in subscriber.consents
    ]
