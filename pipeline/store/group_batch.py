"""What the messages of one group ask the database, asked once for the group.

A group of messages (pipeline/intake/poll.py) is handled in one transaction. Each of
its messages used to ask the same small questions one round trip at a time: is
the sender a member, how many automatic replies has the sender had today, which
File No comes next for this theme. On PostgreSQL those round trips were most of
what a message cost beyond parsing. In a group they are asked once:

- the members among the group's senders: one SELECT;
- today's automatic-reply counts of the group's senders: one upsert that reads
  and locks their rows (so a concurrent worker counts after this group
  commits), and one upsert of the new counts at the group's end;
- File Nos: a block of numbers per theme and year, taken at its first use in
  the group (the sequence's row stays locked until commit), and what was not
  used given back at the group's end, so the numbers have no gaps.

The batch lives in the session's `info` for the group's transaction only.
Outside a group (a message in its own transaction, an edit from the CLI)
`current()` is None and every question goes to the database as before. A
question the batch was not prepared for (an address outside the group) also
goes to the database. The statements themselves are in pipeline/store/sequences.py; handlers and the
composer ask through pipeline/store/counters.py (or, for members,
pipeline/people/members), which turn to the batch when there is one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.store import sequences
from pipeline.store.models import Member, utcnow

_KEY = "mln.group_batch"


@dataclass
class _Block:
    """File Nos taken for one theme and year: `next` up to `last` are still free."""

    next: int
    last: int


class GroupBatch:
    """The answers a group's messages share; see the module's docstring."""

    def __init__(
        self,
        size: int,
        asked: set[str],
        members: set[str],
        reply_counts: dict[str, int],
        day: dt.date,
        reply_limit: int,
    ) -> None:
        self.size = max(size, 1)
        self._asked_members = asked
        self._members = members
        self._counts = reply_counts
        self._counted: set[str] = set()
        self.day = day
        self.reply_limit = reply_limit
        self._blocks: dict[tuple[str, int], _Block] = {}

    def knows_member(self, address: str) -> bool | None:
        """Whether `address` is an active member; None when the group did not ask about it."""
        address = _member_address(address)
        return address in self._members if address in self._asked_members else None

    def count_reply(self, address: str) -> bool | None:
        """Count one automatic reply to `address` today: False over the limit, None when not prepared."""
        address = address.lower()
        if address not in self._counts:
            return None
        if self._counts[address] >= self.reply_limit:
            return False
        self._counts[address] += 1
        self._counted.add(address)
        return True

    def next_file_no(self, session: Session, code: str, year: int) -> int:
        """The next sequence number for a theme and year, from this group's block of them."""
        block = self._blocks.get((code, year))
        if block is None or block.next > block.last:
            last = sequences.take_file_numbers(session, code, year, self.size)
            block = self._blocks[(code, year)] = _Block(next=last - self.size + 1, last=last)
        number = block.next
        block.next += 1
        return number

    def finish(self, session: Session) -> None:
        """Write the counts and give back unused File Nos, in the group's transaction before its commit."""
        for (code, year), block in sorted(self._blocks.items()):
            if block.next <= block.last:
                sequences.give_back_file_numbers(session, code, year, block.last - block.next + 1)
        if self._counted:
            sequences.write_reply_counts(session, {a: self._counts[a] for a in sorted(self._counted)}, self.day)


def begin(
    session: Session, size: int, members_asked: Iterable[str], repliable: Iterable[str], reply_limit: int
) -> GroupBatch:
    """Ask the group's questions and keep the answers on the session until `end`.

    `members_asked`: the senders whose membership the handlers may ask about;
    `repliable`: the senders who may get an automatic reply (compose.may_auto_reply).
    """
    asked = sorted({_member_address(a) for a in members_asked} - {""})
    members = (
        set(session.scalars(select(Member.email).where(Member.email.in_(asked), Member.active.is_(True))))
        if asked
        else set()
    )
    day = utcnow().date()
    addresses = sorted({a.lower() for a in repliable if a})
    counts = sequences.lock_reply_counts(session, addresses, day) if addresses and reply_limit > 0 else {}
    batch = GroupBatch(size, set(asked), members, counts, day, reply_limit)
    session.info[_KEY] = batch
    return batch


def end(session: Session) -> None:
    session.info.pop(_KEY, None)


def current(session: Session) -> GroupBatch | None:
    """The batch of the group this session is handling, if any."""
    return session.info.get(_KEY)


def _member_address(address: str) -> str:
    return (address or "").strip().lower()  # as members.is_member compares it
