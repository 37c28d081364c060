"""The read commands a communications lead runs all day reach the database through the driver
(pipeline/store/reader.py): they import neither SQLAlchemy nor our mapped classes (issue #23).

Each runs in a fresh process, as `mln` does, on a database with one plan in it, and must print
its answer; what it imported is read from sys.modules afterwards.
"""

from __future__ import annotations

import pytest
from fixtures.light_imports import run_probed

from pipeline.config import load_settings
from pipeline.search import ensure_search_schema

READ_COMMANDS = [
    ["queue", "--json"],
    ["queue", "--status", "all"],
    ["show", "{id}", "--json"],
    ["show", "{id}"],
    ["search", "dementia", "--json"],
    ["messages", "--json"],
    ["status", "--json"],
    ["subscribers", "list", "--limit", "100", "--json"],
]


@pytest.mark.parametrize("args", READ_COMMANDS, ids=[" ".join(a) for a in READ_COMMANDS])
def test_read_command_imports_no_sqlalchemy(args, config, submit):
    sub = submit(title="Dementia awareness for care home staff")
    argv = [a.format(id=sub) for a in args]
    if args[0] == "search":
        # The test database is migrated by alembic alone, so it has no search structures yet (FTS5
        # table and triggers / GIN index); the first search creates them, a write through SQLAlchemy,
        # as `mln init` and `mln db upgrade` do. Create them first: every later search only reads.
        ensure_search_schema(load_settings(config, environ={}).database.url)
    probed = run_probed(config, *argv)
    assert probed.code == 0, probed.stderr
    assert probed.stdout.strip(), f"`mln {' '.join(argv)}` printed nothing"
    assert probed.heavy == [], f"`mln {' '.join(argv)}` imported {probed.heavy}"
