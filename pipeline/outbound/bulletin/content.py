"""The view model a bulletin is rendered from: plain frozen dataclasses, no database.

`drafts.py` builds these from the database; tests build them from sample files.
Every text field is plain text: templates escape it, nothing here is HTML.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import InvalidInput
from pipeline.outbound.bulletin.meetings import Meeting
from pipeline.periods import Period
from pipeline.templates_io.dates import describe_date

STATUSES = ("Planned", "Being implemented", "Implemented")
AUDIENCES = ("internal", "external")
PRECISIONS = ("day", "month", "quarter", "year")


@dataclass(frozen=True)
class ItemDate:
    """A date as precise as the member gave it: "June 2006" is month precision."""

    value: dt.date
    precision: str = "month"
    planned: bool = False  # "To commence Oct 06": a start that has not happened yet

    def __str__(self) -> str:
        return describe_date(self.value, self.precision)

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value.isoformat(), "precision": self.precision, "planned": self.planned}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ItemDate | None:
        if not data:
            return None
        return cls(
            dt.date.fromisoformat(data["value"]), data.get("precision", "month"), bool(data.get("planned", False))
        )


@dataclass(frozen=True)
class BulletinItem:
    """One approved item (a new plan or an update of one) as the bulletin shows it."""

    file_no: str
    title: str
    theme: str
    locality: str
    status: str
    summary: str = ""
    region: str = ""
    organisation: str = ""
    lead_name: str = ""
    lead_email: str = ""
    commenced: ItemDate | None = None
    updated: ItemDate | None = None
    completion: ItemDate | None = None
    completion_note: str = ""  # words the member wrote in the date box, e.g. "up and running"
    link: str = ""
    share_externally: bool = False
    is_update: bool = False

    @property
    def completion_text(self) -> str:
        """ "September 2026 (evaluation planned)", "up and running", or ""."""
        date = str(self.completion) if self.completion else ""
        note = " ".join(self.completion_note.split())
        if date and note:
            return f"{date} ({note})"
        return date or note

    @property
    def location(self) -> str:
        return ", ".join(part for part in (self.locality, self.region) if part)

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        for name in ("commenced", "updated", "completion"):
            data[name] = data[name].to_dict() if data[name] else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BulletinItem:
        values = dict(data)
        for name in ("commenced", "updated", "completion"):
            values[name] = ItemDate.from_dict(values.get(name))
        return cls(**values)


@dataclass(frozen=True)
class BulletinContent:
    """Everything one issue shows, for every audience."""

    network_name: str
    number: int
    period: Period
    items: tuple[BulletinItem, ...] = ()
    themes: tuple[str, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    intro_markdown: str = ""
    short_name: str = "MLN"
    shared_address: str = "mln@example.org"
    organisation_line: str = ""
    base_url: str = ""
    # Each audience's own introduction and site (pipeline/outbound/bulletin/audience.py).
    audience_intros: dict[str, str] = field(default_factory=dict)
    site_urls: dict[str, str] = field(default_factory=dict)

    @property
    def subject(self) -> str:
        return f"{self.short_name} Bulletin No. {self.number}: {self.period.label}"

    def site_url(self, audience: str) -> str:
        """Where `audience`'s links to item pages point: its own site, else [web] base_url."""
        return self.site_urls.get(audience) or self.base_url

    def items_for(self, audience: str) -> tuple[BulletinItem, ...]:
        """Internal readers see every approved item; external ones only those members agreed to share."""
        check_audience(audience)
        if audience == "internal":
            return self.items
        return tuple(item for item in self.items if item.share_externally)


def check_audience(audience: str) -> None:
    if audience not in AUDIENCES:
        raise InvalidInput(f"audience {audience!r} is not one of: {', '.join(AUDIENCES)}")


def content_to_dict(content: BulletinContent) -> dict[str, Any]:
    """A JSON-ready copy, e.g. to keep what an approved bulletin was made from."""
    return {
        "network_name": content.network_name,
        "number": content.number,
        "period": {"start": content.period.start.isoformat(), "months": content.period.months},
        "items": [item.to_dict() for item in content.items],
        "themes": list(content.themes),
        "meetings": [meeting.to_dict() for meeting in content.meetings],
        "intro_markdown": content.intro_markdown,
        "short_name": content.short_name,
        "shared_address": content.shared_address,
        "organisation_line": content.organisation_line,
        "base_url": content.base_url,
        "audience_intros": dict(content.audience_intros),
        "site_urls": dict(content.site_urls),
    }


def content_from_dict(data: dict[str, Any]) -> BulletinContent:
    """The inverse of `content_to_dict`; also reads sample files in tests."""
    values = dict(data)
    period = values.pop("period")
    return BulletinContent(
        period=Period(dt.date.fromisoformat(period["start"]), int(period.get("months", 2))),
        items=tuple(BulletinItem.from_dict(item) for item in values.pop("items", ())),
        themes=tuple(values.pop("themes", ())),
        meetings=tuple(Meeting.from_dict(meeting) for meeting in values.pop("meetings", ())),
        **values,
    )
