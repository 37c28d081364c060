"""`mln index export`: the Information Index as CSV, XLSX and HTML, from approved items only."""

from __future__ import annotations

import csv

from openpyxl import load_workbook

from pipeline import review

HEADINGS = [
    "File No",
    "Practice example / improvement / learning",
    "Theme",
    "Location",
    "Lead contact",
    "Date commenced / file updated",
    "Completion, implementation or evaluation date",
    "Status",
    "Link",
]


def seed(settings, submit):
    """Three approved items in two themes (one updated twice), one pending."""
    liaison = submit(
        title="Current database of North East liaison network",
        theme="1",
        locality="North East England",
        status="Being implemented",
        **{"Date commenced": "June 2004", "Date updated": "August 2006"},
    )
    care = submit(
        title="Education package for care homes",
        locality="Barnsley",
        status="Planned",
        **{"Completion, implementation or evaluation date": "Sept 06", "Link": "https://mln.example.org/ch/1"},
    )
    hostile = submit(
        title='=HYPERLINK("http://evil.example","x")',
        locality="Selby & York <b>",
        status="Implemented",
        **{"Date commenced": "To commence Oct 06"},
    )
    review.approve(settings, [liaison, care, hostile], "comms-lead")
    file_no = review.show_submission(settings, care)["file_no"]
    update = submit(
        title="Education package for care homes (evaluated)",
        file_no=file_no,
        locality="Barnsley",
        status="Implemented",
        Link="https://mln.example.org/ch/1",
    )
    review.approve(settings, [update], "comms-lead")
    submit(title="Still pending", theme="1")
    return file_no


def test_csv_has_the_index_columns_latest_revision_theme_order(mln, submit, settings, tmp_path):
    care_no = seed(settings, submit)
    out = tmp_path / "index.csv"
    result = mln("index", "export", "--format", "csv", "-o", str(out))
    assert result.exit_code == 0 and "wrote 3 item(s)" in result.stdout, result.output
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0] == HEADINGS
    assert [r[1] for r in rows[1:]] == [
        "Current database of North East liaison network",
        "Education package for care homes (evaluated)",
        '\'=HYPERLINK("http://evil.example","x")',
    ]
    liaison, care, hostile = rows[1:]
    assert liaison[2] == "Liaison / General Hospital" and liaison[3] == "North East England"
    assert liaison[4] == "Angela Example <angela.example@example.nhs.test>"
    assert liaison[5] == "June 2004; updated August 2006" and liaison[7] == "Being implemented"
    assert care[0] == care_no and care[7] == "Implemented"
    assert hostile[5] == "To commence October 2006"


def test_filters_by_theme_and_status(mln, submit, settings, tmp_path):
    seed(settings, submit)
    out = tmp_path / "index.csv"
    assert "wrote 2 item(s)" in mln("index", "export", "-o", str(out), "--theme", "care homes").stdout
    assert "wrote 1 item(s)" in mln("index", "export", "-o", str(out), "--status", "in progress").stdout
    bad = mln("index", "export", "-o", str(out), "--status", "abandoned")
    assert bad.exit_code == 1 and "is not one of Planned, Being implemented, Implemented" in bad.stderr
    assert mln("index", "export", "-o", str(tmp_path / "index.pdf")).exit_code == 1


def test_xlsx_keeps_text_as_text_with_colour_key_and_links(mln, submit, settings, tmp_path):
    seed(settings, submit)
    out = tmp_path / "index.xlsx"
    assert mln("index", "export", "-o", str(out)).exit_code == 0
    sheet = load_workbook(out)["Information Index"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == HEADINGS and len(values) == 4
    hostile = sheet.cell(row=4, column=2)
    assert hostile.data_type == "s" and hostile.value.startswith("=HYPERLINK")  # text, not a formula
    assert sheet.cell(row=3, column=8).fill.fgColor.rgb.endswith("D9EAD3")  # Implemented is green
    assert not values[1][8]
    link = sheet.cell(row=3, column=9)
    assert link.value == "https://mln.example.org/ch/1" and link.hyperlink.target == "https://mln.example.org/ch/1"


def test_html_is_grouped_by_theme_and_escaped(mln, submit, settings, tmp_path):
    seed(settings, submit)
    out = tmp_path / "index.html"
    assert mln("index", "export", "-o", str(out)).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert page.index("<h2>Liaison / General Hospital</h2>") < page.index(
        "<h2>Care Homes / Housing / Home Care / Day Services</h2>"
    )
    assert "Selby &amp; York &lt;b&gt;" in page and "<b>" not in page
    assert 'href="mailto:angela.example@example.nhs.test"' in page
    assert '<a href="https://mln.example.org/ch/1">click me</a>' in page
    assert "Still pending" not in page
