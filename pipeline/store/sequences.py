"""The counters' statements, one each: automatic replies per address and day, File No sequences.

Asked through pipeline/store/counters.py, or once for a group by pipeline/store/group_batch.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import Integer, Table, bindparam, update
from sqlalchemy.orm import Session

from pipeline.store.models import AutoReplyCount, FileNoSequence
from pipeline.store.statements import execute_core, prepared


def count_reply(session: Session, address: str, day: dt.date, limit: int) -> bool:
    """Add one to `address`'s count for `day` while under `limit`; False once it is reached.

    One statement: insert the day's row at 1, or add one to it while under the limit.
    The conflicting row is locked by the upsert, so concurrent workers count in turn.
    Rows still pending in the session stay pending (execute_core does not flush), so a
    caller's one flush inserts them together with the reply.
    """
    params = {"p_address": address, "p_day": day, "p_limit": limit}
    return execute_core(session, prepared(session, "auto_reply.count", _count_statement), params).first() is not None


def lock_reply_counts(session: Session, addresses: list[str], day: dt.date) -> dict[str, int]:
    """Today's count per address, each row created at 0 if missing and locked until commit.

    For a group of messages; give the addresses sorted, so that two workers lock them in one order.
    """
    rows = [{"p_address": a, "p_day": day} for a in addresses]
    return dict(execute_core(session, prepared(session, "auto_reply.lock", _lock_statement), rows).all())  # type: ignore[arg-type]


def write_reply_counts(session: Session, counts: dict[str, int], day: dt.date) -> None:
    """Set today's counts of rows this transaction locked (`lock_reply_counts`): one many-row statement."""
    rows = [{"p_address": a, "p_day": day, "p_count": n} for a, n in counts.items()]
    execute_core(session, prepared(session, "auto_reply.write", _write_statement), rows)  # type: ignore[arg-type]


def _count_statement(insert: Callable) -> Any:
    table = cast(Table, AutoReplyCount.__table__)
    return (
        insert(table)
        .values(address=bindparam("p_address"), day=bindparam("p_day"), count=1)
        .on_conflict_do_update(
            index_elements=[table.c.address, table.c.day],
            set_={"count": table.c.count + 1},
            where=table.c.count < bindparam("p_limit"),
        )
        .returning(table.c.count)
    )


def _lock_statement(insert: Callable) -> Any:
    table = cast(Table, AutoReplyCount.__table__)
    return (
        insert(table)
        .values(address=bindparam("p_address"), day=bindparam("p_day"), count=0)
        .on_conflict_do_update(index_elements=[table.c.address, table.c.day], set_={"count": table.c.count})
        .returning(table.c.address, table.c.count)
    )


def _write_statement(insert: Callable) -> Any:
    table = cast(Table, AutoReplyCount.__table__)
    statement = insert(table).values(address=bindparam("p_address"), day=bindparam("p_day"), count=bindparam("p_count"))
    return statement.on_conflict_do_update(
        index_elements=[table.c.address, table.c.day], set_={"count": statement.excluded["count"]}
    )


def lock_file_numbers(session: Session, code: str, year: int) -> None:
    """Lock a theme's sequence for a year, creating it if missing (a no-op update otherwise)."""
    execute_core(session, prepared(session, "file_no.reserve", _reserve), {"p_code": code, "p_year": year})


def take_file_numbers(session: Session, code: str, year: int, count: int = 1) -> int:
    """Take the next `count` numbers of a theme's sequence for a year; returns the last one taken.

    Inserts the sequence at `count`, or adds `count` to it, and reads it back, in one
    statement. The upsert takes the row lock: a second worker waits here until the first commits.
    """
    params = {"p_code": code, "p_year": year, "p_count": count}
    return execute_core(session, prepared(session, "file_no.take", _take_numbers), params).scalar_one()


def give_back_file_numbers(session: Session, code: str, year: int, count: int) -> None:
    """Return the last `count` numbers taken in this transaction (its row lock is still held, so they are the last)."""
    params = {"p_code": code, "p_year": year, "p_count": count}
    execute_core(session, prepared(session, "file_no.give_back", _give_back), params)


def _reserve(insert: Callable) -> Any:
    table = cast(Table, FileNoSequence.__table__)
    return (
        insert(table)
        .values(theme_code=bindparam("p_code"), year=bindparam("p_year"), last=0)
        .on_conflict_do_update(index_elements=[table.c.theme_code, table.c.year], set_={"last": table.c.last})
    )


def _take_numbers(insert: Callable) -> Any:
    table = cast(Table, FileNoSequence.__table__)
    count = bindparam("p_count", type_=Integer)
    return (
        insert(table)
        .values(theme_code=bindparam("p_code"), year=bindparam("p_year"), last=count)
        .on_conflict_do_update(index_elements=[table.c.theme_code, table.c.year], set_={"last": table.c.last + count})
        .returning(table.c.last)
    )


def _give_back(_insert: Callable) -> Any:
    table = cast(Table, FileNoSequence.__table__)
    return (
        update(table)
        .where(table.c.theme_code == bindparam("p_code"), table.c.year == bindparam("p_year"))
        .values(last=table.c.last - bindparam("p_count", type_=Integer))
    )
