"""`mln search`: FTS5 on SQLite, PostgreSQL text search on PostgreSQL, approved items only, best first."""

from __future__ import annotations

import json

from sqlalchemy import text

from pipeline import review, search
from pipeline.store import db


def approved(settings, submit, **boxes):
    sub = submit(**boxes)
    review.approve(settings, [sub], "comms-lead")
    return sub


def test_search_finds_approved_items_best_first_with_snippets(mln, submit, settings):
    in_title = approved(settings, submit, title="Dementia awareness for care home staff", summary="Training days.")
    in_learning = approved(
        settings,
        submit,
        title="Ward leave leaflet",
        theme="5",
        summary="A leaflet for informal patients.",
        learning="Patients with dementia needed the leaflet read aloud.",
    )
    submit(title="Dementia cafe", summary="Pending, so not searchable yet.")
    approved(
        settings, submit, title="Commissioning checklist", theme="2", summary="Gap analysis.", learning="Nothing here."
    )
    result = mln("search", "dementia", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [in_title, in_learning]  # a title hit ranks above a learning hit
    assert rows[0]["file_no"].startswith("CH-") and rows[0]["score"] > rows[1]["score"]
    assert "[Dementia]" in rows[0]["snippet"] and "[dementia]" in rows[1]["snippet"]


def test_every_word_must_match_and_words_are_stemmed(mln, submit, settings):
    sub = approved(
        settings, submit, title="Education package", locality="Selby", summary="Teaching homes about depression."
    )
    assert [r["id"] for r in json.loads(mln("search", "home education", "--json").stdout)] == [sub]
    assert [r["id"] for r in json.loads(mln("search", "SELBY", "--json").stdout)] == [sub]
    assert json.loads(mln("search", "education rotherham", "--json").stdout) == []
    plain = mln("search", "depressed")  # no match: "depressed" and "depression" do not share a stem
    assert plain.exit_code == 0


def test_edits_and_new_revisions_keep_the_index_current(mln, submit, settings):
    sub = approved(settings, submit, title="Leave arrangements", summary="Clarity for informal patients.")
    assert json.loads(mln("search", "informal", "--json").stdout)[0]["id"] == sub
    review.edit_submission(settings, sub, {"summary": "Clarity for voluntary patients."}, "comms-lead")
    assert json.loads(mln("search", "informal", "--json").stdout) == []
    assert [r["id"] for r in json.loads(mln("search", "voluntary", "--json").stdout)] == [sub]
    file_no = review.show_submission(settings, sub)["file_no"]
    update = approved(
        settings, submit, title="Leave arrangements", file_no=file_no, summary="Clarity for voluntary patients, v2."
    )
    assert [r["id"] for r in json.loads(mln("search", "voluntary", "--json").stdout)] == [
        update
    ]  # latest revision only


def test_punctuation_cannot_break_the_query(mln, submit, settings):
    approved(settings, submit, title="Care home education")
    for query in ['"care', "care AND OR NOT", "home*)", "-education", "care:home"]:
        result = mln("search", "--json", "--", query)
        assert result.exit_code == 0, (query, result.output)
    empty = mln("search", "  ?! ")
    assert empty.exit_code == 1 and empty.stderr.startswith("mln: give some words to search for")


def test_words_too_common_to_search_for_are_left_out_and_a_query_of_only_those_refused(mln, submit, settings):
    falls = approved(
        settings,
        submit,
        title="Falls prevention on older adult wards",
        summary="Huddles at handover.",
        Actions="Lying and standing blood pressure for each patient.",
    )
    found = json.loads(mln("search", "--json", "falls on the wards").stdout)
    assert [r["id"] for r in found] == [falls]  # no "the" in the plan, found all the same
    refused = mln("search", "the of in")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("mln: 'the of in' has only words too common to search for")


def test_the_table_output(mln, submit, settings):
    approved(settings, submit, title="Care home education")
    out = mln("search", "education").stdout
    assert "Care home education" in out and "[education]" in out.lower()
    assert "no approved item matches 'gardening'" in mln("search", "gardening").stdout


def test_the_search_structures_exist_and_postgres_can_use_the_gin_index(submit, settings):
    url = settings.database.url
    search.ensure_search_schema(url)
    search.ensure_search_schema(url)  # idempotent
    with db.get_engine(url).connect() as conn:
        if conn.dialect.name == "sqlite":
            names = set(
                conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'submission_search%'")).scalars()
            )
            assert {
                "submission_search",
                "submission_search_ai",
                "submission_search_ad",
                "submission_search_au",
            } <= names
            return
        with conn.begin() as tx:
            # On a near-empty table the planner rightly prefers the status index; take it away (rolled back) to see
            # that the search expression matches the GIN index's.
            conn.exec_driver_sql("DROP INDEX ix_submissions_status_received, ix_submissions_status_approved")
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(
                conn.exec_driver_sql(
                    f"EXPLAIN SELECT id FROM submissions s WHERE {search.PG_DOCUMENT} @@ plainto_tsquery('english', 'care') "
                    "AND s.status = 'approved'"
                ).scalars()
            )
            tx.rollback()
        assert search.PG_INDEX in plan, plan
