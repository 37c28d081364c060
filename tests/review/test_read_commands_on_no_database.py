"""A read command pointed at a database without our tables, or at no file at all, says what to do
next (exit 3) and creates nothing: the reader checks no schema up front, so the first query's
"no such table" is what turns into the advice."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from fixtures.database import _require_postgres, drop_postgres_schema, new_postgres_schema_url

from pipeline.cli import cli

READS = [
    ["queue"],
    ["show", "1"],
    ["history", "1"],
    ["search", "falls"],
    ["messages"],
    ["status"],
    ["subscribers", "list"],
]


def run(config, args):
    return CliRunner().invoke(cli, ["--config", str(config), *args])


@pytest.mark.parametrize("args", READS, ids=[" ".join(a) for a in READS])
def test_an_empty_sqlite_file_gets_the_advice(args, tmp_path):
    (tmp_path / "mln.db").write_bytes(b"")
    config = tmp_path / "mln.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/mln.db"\n', encoding="utf-8")
    result = run(config, args)
    assert result.exit_code == 3, result.output
    assert "has no tables yet" in result.output and "run `mln init` or `mln db upgrade`" in result.output
    assert (tmp_path / "mln.db").read_bytes() == b""  # nothing was built on it


def test_a_missing_sqlite_file_is_not_created(tmp_path):
    config = tmp_path / "mln.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/none.db"\n', encoding="utf-8")
    result = run(config, ["queue"])
    assert result.exit_code == 3 and "run `mln init` to create it" in result.output
    assert not (tmp_path / "none.db").exists()


@pytest.mark.postgres
@pytest.mark.parametrize("args", READS, ids=[" ".join(a) for a in READS])
def test_an_empty_postgres_schema_gets_the_advice(args, tmp_path):
    _require_postgres()  # as the db_url fixture does: a failure in CI, a skip elsewhere
    url, schema = new_postgres_schema_url()
    try:
        config = tmp_path / "mln.toml"
        config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
        result = run(config, args)
        assert result.exit_code == 3, result.output
        assert "has no tables yet" in result.output
    finally:
        drop_postgres_schema(url, schema)
