"""The same words find the same approved plans on SQLite (FTS5, porter) and PostgreSQL
('english' text search): a network can move databases without its search changing (issue #23).

A fixed corpus of plans, written as members write them, is loaded into one database of each
kind; every query must answer the same set of File Nos on both. Ranking functions differ
(bm25 and ts_rank_cd), so only the set is compared, plus the best hit where one plan is
plainly the answer.
"""

from __future__ import annotations

import datetime as dt

import pytest
from fixtures.database import migrated_database
from sqlalchemy import insert

from benchmarks.queue import submission_row
from pipeline.config import load_settings
from pipeline.search import STOP_WORDS, ensure_search_schema, search
from pipeline.store import db
from pipeline.store.models import Item, Submission
from pipeline.store.reader import reading

PLANS = [
    ("Dementia awareness training for care home staff", "Six modules for care home staff on dementia and delirium."),
    ("Memory clinic waiting list validation", "Validated the waiting list; every person on it was phoned."),
    ("Carers' support group in Rotherham", "A monthly group where carers meet and share what helped."),
    ("Falls prevention on older adult wards", "Falls huddles at handover; lying and standing blood pressure."),
    ("Delirium screening in A&E", "The 4AT screen for every person over 65 admitted through A&E."),
    ("Liaison psychiatry database", "One database of referrals to the liaison team, shared with the wards."),
    ("Rotational posts for newly qualified nurses", "Nurses rotate between the ward, the community and liaison."),
    ("Reminiscence therapy with volunteers", "Volunteers trained in reminiscence visit people on the wards."),
    (
        "Safeguarding training for volunteers",
        "Volunteer drivers trained to recognise and report safeguarding concerns.",
    ),
    ("Discharge planning with families", "Families are invited to the first discharge planning meeting."),
    ("Medicines review in care homes", "Pharmacists review antipsychotic prescribing for people with dementia."),
    ("Crisis line for older people", "Out-of-hours calls answered by the crisis team; fewer admissions."),
]

QUERIES = [
    ("dementia", None),
    ("care home", "Dementia awareness training for care home staff"),
    ("training", None),
    ("trained volunteers", None),
    ("carer", "Carers' support group in Rotherham"),
    ("wards", None),
    ("delirium", None),
    ("liaison", None),
    ("falls", "Falls prevention on older adult wards"),
    ("discharge families", "Discharge planning with families"),
    ("safeguarding", "Safeguarding training for volunteers"),
    ("admissions", None),
    ("prescribing", "Medicines review in care homes"),
    ("gardening", None),
    # Words too common to search for: PostgreSQL leaves them out, and so does the query on SQLite.
    ("the wards", None),
    ("falls on the wards", "Falls prevention on older adult wards"),
    ("it is a database", "Liaison psychiatry database"),
]


def _load(url: str) -> None:
    base = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    items, rows = [], []
    for n, (title, summary) in enumerate(PLANS):
        items.append(
            {"id": n + 1, "file_no": f"AL-{n:03d}", "theme_code": "T", "year": 2026, "sequence": n, "created_at": base}
        )
        row = submission_row(n, n % 10, base + dt.timedelta(days=n))
        rows.append(
            row
            | {"status": "approved", "title": title, "summary": summary, "actions": "", "outcomes": "", "learning": ""}
        )
    with db.get_engine(url).begin() as conn:
        conn.execute(insert(Item.__table__), items)
        conn.execute(insert(Submission.__table__), rows)
    ensure_search_schema(url)


@pytest.fixture
def both(tmp_path):
    sqlite = migrated_database("sqlite", tmp_path)
    postgres = migrated_database("postgresql", tmp_path)
    urls = [next(sqlite), next(postgres)]
    for url in urls:
        _load(url)
    yield [load_settings(None, required=False, environ={"MLN_DATABASE_URL": url}) for url in urls]
    for gen in (sqlite, postgres):
        next(gen, None)


@pytest.mark.postgres
@pytest.mark.parametrize(("words", "best"), QUERIES, ids=[q for q, _ in QUERIES])
def test_a_query_finds_the_same_plans_on_both_databases(both, words, best):
    on_sqlite, on_postgres = (search(settings, words, limit=50) for settings in both)
    assert {r["file_no"] for r in on_sqlite} == {r["file_no"] for r in on_postgres}
    if best is not None:
        assert on_sqlite[0]["title"] == on_postgres[0]["title"] == best


@pytest.mark.postgres
def test_the_words_left_out_of_a_query_are_those_postgresql_leaves_out(both):
    with reading(both[1].database.url) as reader:
        kept = reader.scalar(
            "SELECT count(*) FROM unnest(CAST(:words AS text[])) w WHERE ts_lexize('english_stem', w) <> '{}'",
            {"words": sorted(STOP_WORDS)},
        )
        assert kept == 0  # each of ours is one of PostgreSQL's
        # and none of PostgreSQL's is missing from ours: each word of a sentence it keeps, we keep too
        sentence = "we met the carers of people on the wards at night and they told us what would help"
        theirs = reader.scalar("SELECT CAST(to_tsvector('english', :s) AS text)", {"s": sentence})
    ours = {word for word in sentence.split() if word not in STOP_WORDS}
    assert len(ours) == len(theirs.split())
