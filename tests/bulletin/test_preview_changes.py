"""Issue 20 item 5: the preview of an updated plan shows what changed since its last published revision."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import load_settings
from pipeline.outbound.bulletin.drafts import draft_bulletin, preview_bulletin
from pipeline.periods import parse_period
from pipeline.store import db
from pipeline.store.models import Submission

from .records import add_submission, at


@pytest.fixture
def config(db_url, tmp_path):
    path = tmp_path / "mln.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n[paths]\noutbox_dir = "{tmp_path}/outbox"\n', encoding="utf-8")
    return path


@pytest.fixture
def settings(config):
    return load_settings(config, {"MLN_TOKEN_SECRET": "test-secret-0123456789abcdef"})


def _set(url: str, submission_id: int, **values: object) -> None:
    with db.transaction(url) as session:
        row = session.get(Submission, submission_id)
        for key, value in values.items():
            setattr(row, key, value)


def test_the_preview_lists_each_changed_field_and_warns_of_emptied_boxes(config, settings):
    url = settings.database.url
    first = add_submission(url, "Dementia training for care home staff", at(2026, 7, 14), progress="Planned")
    _set(url, first, outcomes="Staff confidence rose in every home.")
    second = add_submission(url, "Dementia training for care home staff", at(2026, 11, 9), item_of=first)
    _set(url, second, outcomes="", summary="Six modules, now run by the homes themselves.")
    add_submission(url, "A new plan with nothing to compare", at(2026, 11, 10))
    bulletin_id = draft_bulletin(settings, parse_period("2026-11"))["id"]

    result = CliRunner().invoke(cli, ["--config", str(config), "bulletin", "preview", str(bulletin_id), "--text"])

    assert result.exit_code == 0, result.output
    with db.transaction(url, readonly=True) as session:
        file_no = session.get(Submission, first).file_no
    assert (
        f"- {file_no} Dementia training for care home staff: revision 2 against published revision 1" in result.output
    )
    assert "    Status: Planned -> Being implemented" in result.output
    assert "    Summary / aim: Six modules for care home staff" in result.output
    assert "    EMPTIED Outcomes: Staff confidence rose in every home. -> (empty)" in result.output
    assert "A new plan with nothing to compare: revision" not in result.output
    assert f"warning: {file_no} revision 2 emptied 1 box(es) that revision 1 had filled: Outcomes" in result.output


def test_the_html_preview_carries_the_changes_outside_the_bulletin(settings):
    url = settings.database.url
    first = add_submission(url, "Memory café <evenings>", at(2026, 7, 14), share=False)
    _set(url, first, learning="Volunteers need a rota.")
    second = add_submission(url, "Memory café <evenings>", at(2026, 11, 9), item_of=first, share=False)
    _set(url, second, learning="   ")
    bulletin_id = draft_bulletin(settings, parse_period("2026-11"))["id"]

    internal = preview_bulletin(settings, bulletin_id, "internal")
    external = preview_bulletin(settings, bulletin_id, "external")
    unmarked = preview_bulletin(settings, bulletin_id, "internal", fill_placeholders=False)

    assert "Changes since the last published revision" in internal.html
    assert "Memory café &lt;evenings&gt;: revision 2 against published revision 1" in internal.html
    assert "EMPTIED Learning: Volunteers need a rota. -&gt; (empty)" in internal.html
    assert any("emptied 1 box(es)" in warning for warning in internal.warnings)
    # The external edition does not carry the plan, so its preview says nothing of it.
    assert "Changes since the last published revision" not in external.html
    assert not any("emptied" in warning for warning in external.warnings)
    # What is sent (the unmarked rendering) never carries the comparison.
    assert "Changes since the last published revision" not in unmarked.html
