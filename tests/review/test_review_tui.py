"""mln review, driven by Textual's own pilot through a small queue; the database says what was decided."""

from __future__ import annotations

import asyncio
import email
import json
import threading
from email.policy import default

from sqlalchemy import select
from sqlalchemy.orm import undefer

from pipeline.review.queue import QueueFilter
from pipeline.review.tui import ReviewApp, ShowText
from pipeline.store import db
from pipeline.store.models import AuditEvent, Outgoing, Submission


def run(app: ReviewApp, *steps: tuple[str, ...]) -> ReviewApp:
    """Press each group of keys in turn, letting the app settle after each."""

    async def drive() -> None:
        async with app.run_test() as pilot:
            for keys in steps:
                await pilot.press(*keys)
                await pilot.pause()

    run_alone(drive)
    return app


def run_alone(drive) -> None:
    """Run the coroutine function in a thread of its own: a browser test's Playwright (sync API)
    may still hold an event loop running in this thread, and asyncio.run() refuses to start inside one."""
    failure: list[BaseException] = []

    def in_thread() -> None:
        try:
            asyncio.run(drive())
        except BaseException as exc:  # handed back to the test below
            failure.append(exc)

    worker = threading.Thread(target=in_thread)
    worker.start()
    worker.join()
    if failure:
        raise failure[0]


def typed(text: str) -> tuple[str, ...]:
    return tuple("space" if c == " " else c for c in text)


def state(settings):
    with db.transaction(settings.database.url, readonly=True) as session:
        rows = {s.id: (s.status, s.locality) for s in session.scalars(select(Submission))}
        events = [(e.submission_id, e.action, e.actor, e.detail) for e in session.scalars(select(AuditEvent))]
        query = select(Outgoing).where(Outgoing.kind == "request_changes").options(undefer(Outgoing.raw))
        mails = [email.message_from_bytes(o.raw, policy=default) for o in session.scalars(query)]
    return rows, events, mails


def test_a_whole_queue_approve_reject_request_changes_edit_and_skip(settings, submit, mln):
    first, second, third, fourth = (submit(title=f"Plan number {n}") for n in range(1, 5))
    app = ReviewApp(settings, actor="comms-lead")
    run(
        app,
        ("a",),
        ("r",),
        typed("Out of scope"),
        ("enter",),
        ("c",),
        typed("Please add your measures. "),
        ("ctrl+s",),
        ("e",),
        typed("locality=Rotherham"),
        ("enter",),
        ("n",),
        ("q",),
    )

    rows, events, mails = state(settings)
    assert rows[first][0] == "approved"
    assert rows[second][0] == "rejected"
    assert rows[third][0] == "needs_changes"
    assert rows[fourth] == ("pending", "Rotherham")  # edited, then skipped: no decision
    by_action = {(sub, action): (actor, detail) for sub, action, actor, detail in events}
    assert by_action[(first, "approve")][0] == "comms-lead"
    assert by_action[(second, "reject")] == ("comms-lead", {"reason": "Out of scope", "outgoing_id": None})
    assert by_action[(third, "request_changes")][1]["message"].startswith("Please add your measures. ")
    assert by_action[(fourth, "edit")][1]["changes"] == {"locality": ["Barnsley", "Rotherham"]}
    (mail,) = mails
    assert "Please add your measures." in mail.get_body(("plain",)).get_content()
    assert app.decisions == [(first, "approved"), (second, "rejected"), (third, "changes requested")]
    # The same trail as the plain commands write.
    assert [e["action"] for e in json.loads(mln("history", str(second), "--json").stdout)] == ["received", "reject"]


def test_the_plan_reads_as_in_the_bulletin_and_the_original_opens(settings, submit):
    submit(title="Education package for care home staff")
    app = ReviewApp(settings, actor="comms-lead")
    seen: dict[str, str] = {}

    async def drive() -> None:
        async with app.run_test() as pilot:
            seen["plan"] = str(app.query_one("#plan").render())
            await pilot.press("o")
            await pilot.pause()
            assert isinstance(app.screen, ShowText)
            seen["original"] = app.screen.text
            await pilot.press("escape")
            await pilot.pause()
            seen["after"] = type(app.screen).__name__
            await pilot.press("q")

    run_alone(drive)
    plan = seen["plan"]
    for words in (
        "Education package for care home staff",
        "Care Homes",
        "Barnsley",
        "Angela Example",
        "Being implemented",
    ):
        assert words in plan
    assert "Aim" in plan and "Learning" in plan and "Short sessions at shift handover" in plan
    assert "Subject: Improvement plan" in seen["original"] and "Key theme: 6" in seen["original"]
    assert seen["after"] != "ShowText"


def test_a_refused_decision_is_shown_and_nothing_changes(settings, submit):
    sub = submit(theme="not a theme")  # no File No: approving is refused until the theme is set
    app = ReviewApp(settings, actor="comms-lead", queue=QueueFilter(statuses=("pending", "needs_changes")))
    seen: dict[str, str] = {}

    async def drive() -> None:
        async with app.run_test() as pilot:
            await pilot.press("a")
            await pilot.pause()
            seen["status"] = str(app.query_one("#status").render())
            await pilot.press("q")

    run_alone(drive)
    rows, events, _ = state(settings)
    assert rows[sub][0] == "needs_changes" and not events
    assert f"approve refused: submission {sub} has no File No" in seen["status"]
    assert app.decisions == [] and app.position == 0


def test_an_update_shows_what_changed_since_the_last_revision(settings, submit, mln):
    first = submit()
    file_no = json.loads(mln("show", str(first), "--json").stdout)["file_no"]
    submit(file_no=file_no, Outcomes="Confidence rose to 4.2 out of 5 after the second cycle.")
    app = ReviewApp(settings, actor="comms-lead")
    seen: dict[str, str] = {}

    async def drive() -> None:
        async with app.run_test() as pilot:
            await pilot.press("n")
            await pilot.pause()
            seen["plan"] = str(app.query_one("#plan").render())
            await pilot.press("q")

    run_alone(drive)
    assert "Changed since revision 1:" in seen["plan"]
    was = "Outcomes: was 'Staff confidence scores rose from 2.1 to 3.8 out of 5.', now 'Confidence rose to 4.2"
    assert was in seen["plan"]
    assert "Theme: was" not in seen["plan"] and "Learning: was" not in seen["plan"]
