"""mln template and mln form through click's runner, with real files."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import DEFAULT_THEMES

SAMPLES = Path(__file__).resolve().parents[1] / "templates"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "csv", "txt"])
def test_template_writes_each_format_and_reads_back_as_blank(tmp_path, fmt):
    out = tmp_path / f"blank.{fmt}"
    result = run("template", "--format", fmt, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    checked = run("form", str(out))
    assert checked.exit_code == 1 and "nothing was filled in" in checked.output


def test_xlsx_template_has_drop_downs_for_theme_region_status_and_share(tmp_path):
    out = tmp_path / "t.xlsx"
    run("template", "-o", str(out))
    book = openpyxl.load_workbook(out)
    sheet = book.worksheets[0]
    labels = {sheet.cell(row=r, column=1).value: f"B{r}" for r in range(1, sheet.max_row + 1)}
    validated = {str(cell) for dv in sheet.data_validations.dataValidation for cell in dv.sqref.ranges}
    for label in ("Key theme", "Region", "Status", "Share externally"):
        assert labels[label] in validated
    lists = book["Lists"]
    assert lists.sheet_state == "hidden"
    assert [lists.cell(row=i + 1, column=1).value for i in range(len(DEFAULT_THEMES))] == list(DEFAULT_THEMES)


def test_docx_template_lists_the_configured_themes(tmp_path, monkeypatch):
    import docx

    config = tmp_path / "mln.toml"
    config.write_text('[network]\nname = "Perinatal Network"\nthemes = ["Perinatal", "Crisis care"]\n')
    out = tmp_path / "t.docx"
    assert run("--config", str(config), "template", "-o", str(out)).exit_code == 0
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "Perinatal Network" in text and "1. Perinatal" in text and "2. Crisis care" in text
    assert "Liaison" not in text


def test_template_format_from_extension_and_stdout():
    assert "Key theme: " in run("template", "--format", "txt", "-o", "-").output
    assert run("template", "-o", "-", "--format", "docx").exit_code == 1
    assert "give --format" in run("template", "-o", "blank.pdf").output


def test_form_shows_values_and_problems():
    good = run("form", str(SAMPLES / "template_filled.xlsx"), "--json")
    assert good.exit_code == 0
    (found,) = json.loads(good.output)
    assert found["values"]["theme"] == "Care Homes / Housing / Home Care / Day Services"
    assert found["values"]["date_commenced"] == {
        "date": "2006-06-01",
        "precision": "month",
        "planned": False,
        "written": "June 2006",
    }
    assert found["share_externally"] == "yes" and found["notes"] == []
    bad = run("form", str(SAMPLES / "hostile_xxe.docx"))
    assert bad.exit_code == 1 and "document type declaration" in bad.output


def test_every_new_command_has_help_with_an_example():
    for name in ("template", "form"):
        result = run(name, "--help")
        assert result.exit_code == 0 and "Example" in result.output


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "csv", "txt"])
def test_todays_blank_form_filled_in_reads_back(tmp_path, fmt):
    """The committed samples were filled in on an earlier blank form; this fills in today's."""
    import csv
    import io

    import docx

    from pipeline.config import LimitSettings, NetworkSettings
    from pipeline.templates_io import generate_template, read_forms
    from pipeline.templates_io.fields import FIELDS

    answers = {"title": "Falls clinic", "theme": "1", "locality": "Leeds", "summary": "Fewer falls.\nFewer admissions."}
    blank = generate_template(fmt, NetworkSettings())
    labels = {f.label: f.key for f in FIELDS}
    if fmt == "docx":
        document = docx.Document(io.BytesIO(blank))
        for row in document.tables[0].rows:
            key = labels.get(row.cells[0].paragraphs[0].text)
            if key in answers:
                row.cells[1].text = answers[key]
        out = io.BytesIO()
        document.save(out)
        data = out.getvalue()
    elif fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(blank))
        sheet = book.worksheets[0]
        for row in range(1, sheet.max_row + 1):
            key = labels.get(sheet.cell(row=row, column=1).value)
            if key in answers:
                sheet.cell(row=row, column=2, value=answers[key])
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(blank.decode())))
        out = io.StringIO()
        csv.writer(out).writerows([[r[0], answers.get(r[0], r[1])] for r in rows])
        data = out.getvalue().encode()
    else:
        text = blank.decode()
        for key, value in answers.items():
            label = next(f.label for f in FIELDS if f.key == key)
            text = text.replace(f"{label}: \n", f"{label}: {value}\n")
        data = text.encode()
    (form,) = read_forms(f"filled.{fmt}", "", data, LimitSettings())
    assert {k: form.get(k) for k in answers} == answers
