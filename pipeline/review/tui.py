"""`mln review`: the queue one plan at a time, a key for each decision (Textual).

Every decision calls the same library functions as the plain commands
(pipeline/review/actions.py, edit.py), so it is checked, locked and audited the
same way. Only this module imports Textual: the other commands never load it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static, TextArea

from pipeline.config import Settings
from pipeline.errors import MlnError
from pipeline.review.actions import approve, reject, request_changes
from pipeline.review.edit import edit_submission, parse_assignments
from pipeline.review.plan_view import (
    changes_since,
    draft_changes_reply,
    original_message_text,
    plan_facts,
    plan_heading,
    plan_story,
    plan_warnings,
    previous_revision_id,
)
from pipeline.review.queue import QueueFilter, list_queue
from pipeline.review.show import show_submission


class AskLine(ModalScreen[str | None]):
    """One line of input (a reason, a field=value); Enter accepts, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, prompt: str, value: str = "") -> None:
        super().__init__()
        self.prompt, self.value = prompt, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.prompt))
            yield Input(value=self.value, id="answer")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class EditReply(ModalScreen[str | None]):
    """An editable reply; Ctrl+S sends it, Escape cancels."""

    BINDINGS = [Binding("ctrl+s", "send", "Send"), Binding("escape", "cancel", "Cancel")]

    def __init__(self, prompt: str, draft: str) -> None:
        super().__init__()
        self.prompt, self.draft = prompt, draft

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.prompt))
            yield TextArea(self.draft, id="reply")
            yield Footer()

    def action_send(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ShowText(ModalScreen[None]):
    """Read-only text (the original message); any of Escape, q, o closes it."""

    BINDINGS = [Binding("escape,q,o", "close", "Close")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(Text(self.text), id="original")

    def action_close(self) -> None:
        self.dismiss(None)


class ReviewApp(App[None]):
    """The review queue, one plan at a time."""

    TITLE = "mln review"
    CSS = """
    #plan { padding: 1 2; }
    #body { height: 1fr; }
    #status { height: 1; padding: 0 2; background: $boost; }
    .dialog { padding: 1 2; margin: 2 4; border: round $accent; background: $surface; height: auto; }
    TextArea { height: 10; }
    """
    BINDINGS = [
        Binding("a", "approve", "Approve"),
        Binding("r", "reject", "Reject"),
        Binding("c", "changes", "Request changes"),
        Binding("e", "edit", "Edit a field"),
        Binding("s,n", "skip", "Skip"),
        Binding("o", "original", "Original message"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, settings: Settings, actor: str, queue: QueueFilter | None = None, limit: int = 500) -> None:
        super().__init__()
        self.settings, self.actor = settings, actor
        self.ids = [row["id"] for row in list_queue(settings, queue or QueueFilter(), limit=limit)]
        self.position = 0
        self.detail: dict[str, Any] | None = None
        self.decisions: list[tuple[int, str]] = []  # (submission id, what was done), for the summary

    def compose(self) -> ComposeResult:
        yield VerticalScroll(Static(id="plan"), id="body")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.show_current()

    @property
    def current(self) -> int | None:
        return self.ids[self.position] if self.position < len(self.ids) else None

    def show_current(self, note: str = "") -> None:
        plan = self.query_one("#plan", Static)
        if self.current is None:
            self.detail = None
            plan.update(Text(f"Nothing left to review. {len(self.decisions)} decision(s) taken; press q to quit."))
        else:
            self.detail = show_submission(self.settings, self.current)
            earlier = previous_revision_id(self.detail)
            previous = show_submission(self.settings, earlier) if earlier is not None else None
            plan.update(render_plan(self.detail, previous))
        where = f"{min(self.position + 1, len(self.ids))} of {len(self.ids)}"
        self.query_one("#status", Static).update(Text(f"{where}  {note}".rstrip()))

    def advance(self, note: str) -> None:
        self.position += 1
        self.show_current(note)

    def attempt(self, what: str, decision: Callable[[], object]) -> bool:
        """Run one library call; a refusal is shown in the status line, not raised."""
        try:
            decision()
        except MlnError as exc:
            self.show_current(f"{what} refused: {exc}")
            return False
        return True

    def action_approve(self) -> None:
        sub = self.current
        if sub is not None and self.attempt("approve", partial(approve, self.settings, [sub], self.actor)):
            self.decisions.append((sub, "approved"))
            self.advance(f"approved {sub}")

    def action_reject(self) -> None:
        sub = self.current
        if sub is None:
            return

        def done(reason: str | None) -> None:
            if reason and self.attempt("reject", partial(reject, self.settings, sub, reason, self.actor)):
                self.decisions.append((sub, "rejected"))
                self.advance(f"rejected {sub}: {reason}")

        self.push_screen(
            AskLine(f"Reject {sub}: the reason (kept in its history). Enter to reject, Esc to cancel."), done
        )

    def action_changes(self) -> None:
        sub, detail = self.current, self.detail
        if sub is None or detail is None:
            return

        def done(message: str | None) -> None:
            if message and message.strip():
                if self.attempt("request changes", partial(request_changes, self.settings, sub, message, self.actor)):
                    self.decisions.append((sub, "changes requested"))
                    self.advance(f"changes requested for {sub}; the email is queued in the outbox")

        prompt = (
            f"Ask {detail.get('sender') or 'the sender'} for changes to {sub}. Ctrl+S queues the email, Esc cancels."
        )
        self.push_screen(EditReply(prompt, draft_changes_reply(detail)), done)

    def action_edit(self) -> None:
        sub = self.current
        if sub is None:
            return

        def done(assignment: str | None) -> None:
            if not assignment:
                return
            if self.attempt("edit", partial(_edit, self.settings, sub, assignment, self.actor)):
                self.show_current(f"edited {sub}: {assignment}")

        self.push_screen(AskLine(f"Edit {sub}: field=value (e.g. theme=6, locality=Barnsley). Enter saves."), done)

    def action_skip(self) -> None:
        if self.current is not None:
            self.advance(f"skipped {self.current}")

    def action_original(self) -> None:
        if self.detail is not None:
            self.push_screen(ShowText(original_message_text(self.detail)))


def _edit(settings: Settings, submission_id: int, assignment: str, actor: str) -> dict[str, Any]:
    return edit_submission(settings, submission_id, parse_assignments([assignment]), actor)


def render_plan(detail: dict[str, Any], previous: dict[str, Any] | None = None) -> Text:
    """The plan as rich Text (user-written text is never read as markup), with what changed since `previous`."""
    text = Text()
    text.append(plan_heading(detail) + "\n\n", style="bold")
    for label, value in plan_facts(detail):
        text.append(f"{label:>17}  ", style="dim")
        text.append(value + "\n")
    for warning in plan_warnings(detail):
        text.append("\n" + warning, style="bold yellow")
    if previous is not None:
        changed = changes_since(detail, previous)
        text.append(f"\n\nChanged since revision {previous.get('revision')}:", style="bold")
        for line in changed or ["nothing in the fields shown here"]:
            text.append("\n  " + line)
    for heading, body in plan_story(detail):
        text.append(f"\n\n{heading}\n", style="bold")
        text.append(body)
    return text


def run_review(settings: Settings, actor: str, queue: QueueFilter | None = None) -> list[tuple[int, str]]:
    """Run the interactive review until the reviewer quits; returns the decisions taken."""
    app = ReviewApp(settings, actor, queue)
    app.run()
    return app.decisions
