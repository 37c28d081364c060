"""Every UPDATE of a submission counts itself in change_count, however it is made: the site build
reads that count instead of the whole row to know its pages are current (pipeline/store/triggers.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, text

from benchmarks.queue import submission_row
from pipeline.store import db
from pipeline.store.models import Item, Submission


def count(url: str) -> int:
    with db.get_engine(url).connect() as conn:
        return conn.execute(text("SELECT change_count FROM submissions WHERE id = 1")).scalar_one()


def test_each_update_counts_once_whoever_makes_it(db_url):
    base = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    with db.get_engine(db_url).begin() as conn:
        conn.execute(
            insert(Item.__table__), [{"id": 1, "file_no": "CC-1", "theme_code": "T", "year": 2026, "sequence": 1}]
        )
        conn.execute(insert(Submission.__table__), [submission_row(0, 1, base) | {"item_id": 1, "revision": 1}])
    assert count(db_url) == 0

    with db.transaction(db_url) as session:  # the ORM, as mln edit and mln approve write
        session.get(Submission, 1).outcomes = "Waiting times halved."
    assert count(db_url) == 1

    with db.get_engine(db_url).begin() as conn:  # SQL typed by hand
        conn.execute(text("UPDATE submissions SET learning = 'Start small.' WHERE id = 1"))
    assert count(db_url) == 2

    with db.transaction(db_url) as session:  # a change the search index does not follow
        session.get(Submission, 1).status = "rejected"
    assert count(db_url) == 3


def test_upgrading_again_keeps_one_trigger(db_url):
    db.upgrade(db_url)
    test_each_update_counts_once_whoever_makes_it(db_url)
