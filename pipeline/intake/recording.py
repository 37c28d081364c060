"""Recording a list of fetched messages: each one's row, found (recorded before) or new and routed.

The new rows are inserted together before any handler runs. That insert is the claim
(pipeline/store/records.py): a second poller inserting the same message waits for the
first one's commit and then fails. Every handler then sees its message's row with its id.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from pipeline.intake.prepare import Prepared
from pipeline.intake.rules import Routing, Rule, route
from pipeline.mail import Fetched
from pipeline.store import records as store
from pipeline.store.models import Message
from pipeline.store.records import FolderKey


@dataclass
class Entry:
    """One message of the list: its row, and what its outcome is decided from once every row is in."""

    fetched: Fetched
    prepared: Prepared
    record: Message
    already: bool = False  # recorded before: its outcome stands
    routing: Routing | None = None
    same: Message | None = None  # an earlier record of the very same message: this one is a duplicate


def record_all(
    session: Session, rules: list[Rule], key: FolderKey, epoch: int, fetched: list[Fetched], prepared: list[Prepared]
) -> list[Entry]:
    """Each message's row, found or new; the new ones inserted together (one INSERT for a group)."""
    wanted = [
        (store.location_of(f, epoch), r.mail.message_id if r.mail else "", r.sha256) for f, r in zip(fetched, prepared)
    ]
    maybe_recorded = store.maybe_recorded(session, key, wanted)  # one query for the list; almost always none
    entries = []
    pending: set[tuple[str, str]] = set()
    for index, (one, ready) in enumerate(zip(fetched, prepared)):
        look = index in maybe_recorded
        if wanted[index][1:] in pending:
            session.flush()  # the same message twice in one group: the second must find the first
            look = True
        pending.add(wanted[index][1:])
        entries.append(record_message(session, rules, key, epoch, one, ready, look=look))
    session.flush()  # the claim: a concurrent poller's insert of one of these fails here or at its commit
    return entries


def record_message(
    session: Session, rules: list[Rule], key: FolderKey, epoch: int, fetched: Fetched, prepared: Prepared, look: bool
) -> Entry:
    """The row recorded before for this message, or a new one, routed. `look=False`: the list's one query found none."""
    mail = prepared.mail
    existing, same = None, None
    if look:
        existing, same = store.find_existing(
            session, key, store.location_of(fetched, epoch), mail.message_id if mail else "", prepared.sha256
        )
    if existing is not None:
        return Entry(fetched, prepared, existing, already=True)
    if same is not None and same.uid is not None and same.uidvalidity != epoch and same.mailbox == key.mailbox:
        store.relocate(same, key, fetched, epoch)
        return Entry(fetched, prepared, same, already=True)
    record = store.new_record(key, fetched, epoch, mail, prepared.sha256, prepared.compressed)
    routing = None
    if same is None and mail is not None and not fetched.truncated:
        routing = route(rules, mail, explain=False)
        set_routing(record, routing)  # in the INSERT, not an UPDATE later
    session.add(record)
    return Entry(fetched, prepared, record, routing=routing, same=same)


def set_routing(record: Message, routing: Routing) -> None:
    """Which rule and handler the message went to, and every rule tried (for `mln messages show`)."""
    # Assigned only when different: an equal value set again still marks the row dirty,
    # and the savepoint opened next would run a flush for nothing.
    for name, value in (("rule", routing.rule.name), ("rule_hits", routing.hits()), ("handler", routing.handler)):
        if getattr(record, name) != value:
            setattr(record, name, value)
