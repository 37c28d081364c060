"""`mln demo`: the whole intake on a local Maildir, with no network.

The sample messages are the real-world shapes kept in tests/messages/.
"""

from __future__ import annotations

import mailbox
import shutil
from pathlib import Path
from typing import Any

from pipeline.config import REPO_ROOT, Settings, load_settings
from pipeline.errors import MlnError
from pipeline.intake.messages import list_messages
from pipeline.passes import poll_once
from pipeline.setup import init_project

SAMPLES = REPO_ROOT / "tests" / "messages"
MARKER = ".mln-demo"
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


def run_demo(directory: Path) -> dict[str, Any]:
    """Start a fresh demo folder, seed its Maildir, poll once, and report."""
    directory = directory.resolve()
    _fresh(directory)
    report = init_project(directory, mailbox_url="maildir://./mailbox")
    settings = load_settings(report.config_path)
    add_demo_members(settings)
    seeded = seed_maildir(directory / "mailbox", sorted(SAMPLES.glob("*.eml")))
    summary = poll_once(settings)
    outbox_files = sorted(settings.outbox_path.glob("*.eml"))
    return {
        "directory": str(directory),
        "config": report.config_path,
        "mailbox": str(directory / "mailbox"),
        "seeded": seeded,
        "poll": summary.to_dict(),
        "messages": list(reversed(list_messages(settings, limit=1000))),
        "queue": queue_rows(settings),
        "outbox": str(settings.outbox_path),
        "outbox_files": len(outbox_files),
    }


def add_demo_members(settings: Settings) -> None:
    from pipeline.people.members import MemberInput, add_member
    from pipeline.store import db

    with db.transaction(settings.database.url) as session:
        for email, name, region, themes in DEMO_MEMBERS:
            add_member(session, settings, MemberInput(email=email, name=name, region=region, themes=themes))


def seed_maildir(path: Path, files: list[Path]) -> int:
    box = mailbox.Maildir(path, create=True)
    for file in files:
        box.add(file.read_bytes())
    return len(files)


def queue_rows(settings: Settings) -> list[dict[str, Any]]:
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
