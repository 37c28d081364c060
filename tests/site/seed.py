"""A small network's worth of approved items and one approved bulletin, made with the real models."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.config import Settings, load_settings
from pipeline.outbound.bulletin.drafts import approve_bulletin, draft_bulletin
from pipeline.periods import Period
from pipeline.store.db import transaction
from pipeline.store.models import Item, Submission

UTC = dt.UTC
SCRIPT = "<script>alert('x')</script>"
IMG = '<img src="x" onerror="alert(1)">'
PERIOD = Period(dt.date(2026, 11, 1), 2)


def at(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 12, tzinfo=UTC)


APPROVED = at(2026, 11, 10)  # when a seeded item was approved, unless a test says otherwise


# (file_no, theme_number, theme, title, locality, region, progress, share, extra fields)
ITEMS = [
    (
        "LG-2026-001",
        1,
        "Liaison / General Hospital",
        "Current database of North East liaison network",
        "Newcastle",
        "North East",
        "Implemented",
        True,
        {
            "outcomes": "Referral times fell by a third after the liaison directory went live.",
            "learning": "Keep the directory short.",
            "organisation": "Tyneside Liaison Forum (example)",
        },
    ),
    (
        "CH-2026-001",
        6,
        "Care Homes / Housing / Home Care / Day Services",
        "Development of an education package on older people's mental-health needs",
        "Barnsley",
        "Yorkshire & Humber",
        "Being implemented",
        True,
        {
            "outcomes": "Staff confidence scores rose after reminiscence sessions in three homes.",
            "learning": "Short sessions at shift handover worked; evening sessions did not.",
            "organisation": "Barnsley Care Homes Forum (example)",
            "actions": "Piloted two modules.",
        },
    ),
    (
        "CH-2026-002",
        6,
        "Care Homes / Housing / Home Care / Day Services",
        "Learning network newsletter",
        "Selby & York",
        "Yorkshire & Humber",
        "Implemented",
        False,
        {
            "outcomes": "Newsletter up and running; read by forty homes.",
            "lead_email": "private.lead@example.nhs.test",
            "organisation": "Selby Partnership (example)",
        },
    ),
    (
        "IP-2026-001",
        5,
        "In Patient Services",
        "Clarity around leave arrangements for informal patients",
        "Rotherham",
        "Yorkshire & Humber",
        "Planned",
        True,
        {"outcomes": "", "date_commenced_planned": True, "organisation": "Rotherham Trust (example)"},
    ),
    (
        "WF-2026-001",
        3,
        "Workforce",
        f"Hostile title {SCRIPT}",
        "Carlisle",
        "North West",
        "Planned",
        True,
        {
            "outcomes": f"An outcome with {IMG} in it.",
            "organisation": f"Org {SCRIPT}",
            "lead_name": f"Lead {IMG}",
            "link": "javascript:alert(document.cookie)",
        },
    ),
]


def make_settings(db_url: str, tmp_path: Path, base_url: str = "") -> Settings:
    config = tmp_path / "mln.toml"
    web = f'\n[web]\nbase_url = "{base_url}"\n' if base_url else ""
    config.write_text(f'[database]\nurl = "{db_url}"\n{web}', encoding="utf-8")
    return load_settings(config, environ={"MLN_TOKEN_SECRET": "site-tests-secret-0123456789"})


def add_item(
    url: str,
    file_no: str,
    theme_number: int,
    theme: str,
    title: str,
    locality: str,
    region: str,
    progress: str,
    share: bool,
    extra: dict,
    approved: dt.datetime = APPROVED,
) -> int:
    with transaction(url) as session:
        prefix, year, seq = file_no.split("-")
        item = Item(file_no=file_no, theme_code=prefix, year=int(year), sequence=int(seq))
        session.add(item)
        row = _submission(
            item, 1, False, title, theme_number, theme, locality, region, progress, share, extra, approved
        )
        session.add(row)
        session.flush()
        return row.id


def add_revision(url: str, file_no: str, approved: dt.datetime, status: str = "approved", **changes: object) -> int:
    """The next revision of an item, copying the latest one with `changes`."""
    with transaction(url) as session:
        item = session.query(Item).filter_by(file_no=file_no).one()
        latest = item.submissions[-1]
        values = {
            c.key: getattr(latest, c.key) for c in Submission.__table__.columns if c.key not in ("id", "revision")
        }
        values.update(
            changes,
            revision=len(item.submissions) + 1,
            is_update=True,
            status=status,
            received_at=approved - dt.timedelta(days=2),
            approved_at=approved if status == "approved" else None,
        )
        row = Submission(**values)
        session.add(row)
        session.flush()
        return row.id


def _submission(
    item, revision, is_update, title, theme_number, theme, locality, region, progress, share, extra, approved
):
    fields = dict(
        item=item,
        revision=revision,
        is_update=is_update,
        status="approved",
        title=title,
        theme=theme,
        theme_number=theme_number,
        locality=locality,
        region=region,
        lead_name="Angela Example",
        lead_email="angela.example@example.nhs.test",
        progress=progress,
        date_commenced=dt.date(2026, 6, 1),
        date_commenced_precision="month",
        summary=f"What {locality} set out to do.",
        share_externally=share,
        sender="angela.example@example.nhs.test",
        received_at=approved - dt.timedelta(days=3),
        approved_at=approved,
        link="https://intranet.example.nhs.test/plans/" + item.file_no,
    )
    fields.update(extra)
    return Submission(**fields)


def seed(settings: Settings, bulletin: bool = True) -> None:
    """The items above, a second revision of CH-2026-001, and (optionally) an approved bulletin carrying them."""
    url = settings.database.url
    for row in ITEMS:
        add_item(url, *row)
    add_revision(
        url,
        "CH-2026-001",
        at(2026, 11, 14),
        date_updated=dt.date(2026, 11, 1),
        date_updated_precision="month",
        progress="Implemented",
        outcomes="Staff confidence scores rose after reminiscence sessions in five homes.",
    )
    add_revision(url, "CH-2026-001", at(2026, 11, 16), status="pending", title="A pending rewrite nobody approved")
    if bulletin:
        summary = draft_bulletin(
            settings, period=PERIOD, intro="Welcome to **this issue**.", today=dt.date(2026, 11, 20)
        )
        approve_bulletin(settings, summary["id"], by="comms-lead")
