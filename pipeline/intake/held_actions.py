"""What a person does with a held item: release it, discard it, or queue a short reply.

Each action is one transaction. A discarded message keeps its row (outcome
`ignored`, the reason saying who discarded it and why); a released one gets the
outcome its handler gives now. Either way its new place in the mailbox (Processed/Discarded,
or where the handler's rule files it) is written on the row with the decision and
done only after the commit (pipeline/intake/refile.py): at once when the mailbox
answers, else by the next `mln poll`. A reply is only queued here; the outbox sends it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from pipeline.compose import build_message, queue_message
from pipeline.config import Settings
from pipeline.errors import InvalidInput, MailboxError, NotFound, WrongState
from pipeline.intake.actions import finish_pending_actions, mailbox_target
from pipeline.intake.handling import run_handler
from pipeline.intake.held import HELD_REPLY_KIND, HOLDING_HANDLERS, join_row, message_row, parse_held_id
from pipeline.intake.mailbox import open_source
from pipeline.intake.prepare import read_attachments
from pipeline.intake.refile import discard_folder, plan_refile
from pipeline.intake.rule_files import load_rules
from pipeline.intake.rules import route
from pipeline.mail import parse_mail
from pipeline.people.subscribers import approve as approve_join
from pipeline.people.subscribers.registry import remove_all
from pipeline.store import db
from pipeline.store.models import Message, Submission, Subscriber
from pipeline.store.records import FolderKey

# Short answers for `mln held reply --template NAME`; a file templates/replies/NAME.txt
# beside the bulletin templates replaces or adds one. {name} and {network} are filled in.
REPLY_TEMPLATES = {
    "received": "Thank you for your message. It has reached the {network}, and a person will read it.",
    "not-a-form": (
        "Thank you for your message. We could not find a completed reporting template in it. "
        'Please fill in the template and send it back to this address; reply "send template" '
        "if you need a blank copy."
    ),
    "unreadable": (
        "Thank you for your message. We could not read the file you sent. "
        "Please send the form again as a Word or Excel attachment."
    ),
    "join-declined": (
        "Thank you for your interest in the {network} bulletin. "
        "We are not able to add this address to the list; reply to this email if you think this is a mistake."
    ),
}


def release(settings: Settings, held_id: str, actor: str) -> dict[str, Any]:
    """A message is handled again (past the rule that held it); a join is approved."""
    kind, number = parse_held_id(held_id)
    _not_for_duplicates(kind, number)
    rules = load_rules(settings.rules_path) if kind == "message" else []
    with db.transaction(settings.database.url) as session:
        if kind == "join":
            subscriber = approve_join(session, _subscriber(session, number).email)
            return {**join_row(subscriber), "kind": "join", "outcome": "approved", "by": actor}
        row = _waiting_message(session, number, "released")
        mail = parse_mail(row.raw)
        # Handled past every rule that only holds, so a message a rule kept back goes on to the
        # handler that would otherwise have matched (and its sender is not told twice); the
        # fallback still holds what nothing else takes. Held by another handler: run it again.
        holding = row.outcome == "held" and row.handler in HOLDING_HANDLERS
        usable = [rule for rule in rules if rule.handler not in HOLDING_HANDLERS] if holding else rules
        row.error = ""
        routing = route(usable, mail)
        result = run_handler(session, settings, row, mail, read_attachments(mail, settings.limits), routing)
        row.outcome, row.reason = result.outcome, result.reason
        row.retries += 1
        plan_refile(session, settings, row, mailbox_target(settings, row.outcome, routing.rule), routing.flags)
        released = {**message_row(row), "outcome": row.outcome, "by": actor}
    return {**released, "mailbox": refile_now(settings, number)}


def discard(settings: Settings, held_id: str, reason: str, actor: str) -> dict[str, Any]:
    """Dismiss a held item for good, recording who and why."""
    if not reason.strip():
        raise InvalidInput("say why with --reason TEXT (it is recorded)")
    kind, number = parse_held_id(held_id)
    _not_for_duplicates(kind, number)
    note = f"discarded by {actor}: {reason.strip()}"
    with db.transaction(settings.database.url) as session:
        if kind == "join":
            subscriber = _subscriber(session, number)
            if not subscriber.awaiting_approval:
                raise WrongState(f"J{number} ({subscriber.email}) is not waiting for approval")
            result = {**join_row(subscriber), "outcome": "declined", "by": actor, "reason": note}
            remove_all(subscriber, via="declined")
            request = session.get(Message, subscriber.request_message_pk) if subscriber.request_message_pk else None
            if request is not None:
                request.reason = f"join declined by {actor}: {reason.strip()}"
            return result
        row = _waiting_message(session, number, "discarded")
        row.outcome, row.reason = "ignored", note
        plan_refile(session, settings, row, discard_folder(settings))
        discarded = {**message_row(row), "outcome": "ignored", "by": actor}
    return {**discarded, "mailbox": refile_now(settings, number)}


def refile_now(settings: Settings, row_id: int) -> str:
    """Do a decided message's move right after the decision's commit; what became of it, in words.

    The decision stands whatever the mailbox says: a failure leaves the move to the next pass.
    """
    source = open_source(settings)
    with db.transaction(settings.database.url, readonly=True) as session:
        row = session.get_one(Message, row_id)
        key, target, done = FolderKey(row.mailbox, row.folder), row.action_target, row.action_done
    if done:
        return f"stays in {target}" if target else "stays in the inbox"
    if key != FolderKey(source.key, source.folder):
        return f"moved by the next `mln poll` of {key.mailbox} {key.folder}"
    try:
        with source:
            finish_pending_actions(settings, source, key, source.epoch())
    except MailboxError as exc:
        return f"moved by the next `mln poll` (the mailbox did not answer: {exc})"
    return f"moved to {target}" if target else "left in the inbox"


def reply(
    settings: Settings, held_id: str, actor: str, template: str | None = None, text: str | None = None
) -> dict[str, Any]:
    """Queue a short answer to whoever sent the held item; it stays held."""
    kind, number = parse_held_id(held_id)
    with db.transaction(settings.database.url) as session:
        source: Message | None = None
        if kind == "join":
            subscriber = _subscriber(session, number)
            to, name, subject = subscriber.email, subscriber.name, "Your request to join"
        elif kind == "duplicate":
            plan = _submission(session, number)
            to, name, subject = plan.sender or plan.lead_email, plan.sender_name, _re(plan.title or "Your plan")
            source = session.get(Message, plan.message_pk) if plan.message_pk is not None else None
        else:
            source = _waiting_message(session, number, "answered")
            to, name, subject = source.from_addr, source.from_name, _re(source.subject)
        if not to:
            raise WrongState(f"held item {held_id} has no sender address to answer")
        body = _body(settings, template, text, name)
        headers = {}
        if source is not None and source.message_id:
            headers = {"In-Reply-To": source.message_id, "References": f"{source.references} {source.message_id}"}
        msg = build_message(settings, to, subject, body, headers=headers, to_name=name)
        outgoing = queue_message(session, settings, msg, kind=HELD_REPLY_KIND, source=source)
        return {
            "id": held_id,
            "to": to,
            "subject": subject,
            "outgoing_id": outgoing.id,
            "status": "queued",
            "by": actor,
        }


def reply_templates(settings: Settings) -> dict[str, str]:
    """The built-in answers, with any templates/replies/NAME.txt added or replacing them."""
    found = dict(REPLY_TEMPLATES)
    folder = Path(settings.templates_path, "replies")
    if folder.is_dir():
        found.update({p.stem: p.read_text(encoding="utf-8").strip() for p in sorted(folder.glob("*.txt"))})
    return found


def _body(settings: Settings, template: str | None, text: str | None, name: str) -> str:
    if bool(template) == bool(text):
        raise InvalidInput("give either --template NAME or --text TEXT")
    if template:
        templates = reply_templates(settings)
        if template not in templates:
            raise InvalidInput(f"no reply template {template!r}; known: {', '.join(sorted(templates))}")
        text = templates[template].replace("{network}", settings.network.name)
    greeting = f"Dear {name}," if name else "Hello,"
    return f"{greeting}\n\n{(text or '').strip()}\n\n-- \n{settings.network.name}\n"


def _re(subject: str) -> str:
    return subject if subject.lower().startswith("re:") else f"Re: {subject}".strip()


def _not_for_duplicates(kind: str, number: int) -> None:
    if kind == "duplicate":
        raise WrongState(f"D{number} is a possible duplicate: decide with `mln merge` or `mln keep-separate {number}`")


def _submission(session: Session, number: int) -> Submission:
    plan = session.get(Submission, number)
    if plan is None:
        raise NotFound(f"no submission with id {number}; see `mln held`")
    return plan


def _waiting_message(session: Session, number: int, verb: str) -> Message:
    row = session.get(Message, number, with_for_update=True)
    if row is None:
        raise NotFound(f"no message with id {number}; see `mln held`")
    if row.outcome not in ("held", "quarantined"):
        raise WrongState(f"message {number} is {row.outcome} ({row.reason}), not waiting; it cannot be {verb}")
    return row


def _subscriber(session: Session, number: int) -> Subscriber:
    subscriber = session.get(Subscriber, number, with_for_update=True)
    if subscriber is None:
        raise NotFound(f"no join J{number}; see `mln held`")
    return subscriber
