"""Write the "one plan, one File No" sample messages and their table (manifest.toml) in this folder.

Run from the repository root:  .venv/bin/python tests/messages/one_plan/make_one_plan.py

Each scenario is a short run of messages a team leader (or a colleague) really sends about
one plan: the same .docx twice, forwards (attached whole, or inline from Outlook or Gmail),
a resend with a box changed, a reply in the thread of our acknowledgement, a File No typed
loosely, a chaser, a corrected resend, a near duplicate from someone else. Steps run in
order against one mailbox and database. What is only known when the test runs is written
as a placeholder the test fills in: @@ACK:N@@ (the Message-ID of our answer to step N),
@@FILE_NO:N@@ and @@LOOSE:N@@ (step N's File No, as issued and written loosely).
Office files are zipped with fixed timestamps, so running this again writes the same bytes.
People and addresses are invented.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import docx
import openpyxl

HERE = Path(__file__).resolve().parent
FIXED = (2026, 9, 1, 9, 0, 0)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HELEN = ("Helen Okafor", "helen.okafor@example.nhs.test")
ANNE = ("Anne Foster", "anne.foster@example.nhs.test")
PRIYA = ("Priya Natarajan", "priya.natarajan@example.nhs.test")
BERNADETTE = ("Bernadette Walsh", "b.walsh@example.org")

PLAN = [
    ("Practice example / improvement / learning", "Rotational posts for newly qualified nurses"),
    ("File No", ""),
    ("Key theme", "Workforce"),
    ("Location", "Leeds"),
    ("Region", "Yorkshire & Humber"),
    ("Lead contact name", "Helen Okafor"),
    ("Lead contact email", "helen.okafor@example.nhs.test"),
    ("Status", "Planned"),
    ("Date commenced", "Sept 2026"),
    ("Summary / aim", "Two-year rotations across community, in-patient and liaison teams."),
    ("Outcomes", "Six nurses recruited to the first cohort."),
    ("Share externally", "Yes"),
]
CAFE = [
    ("Practice example / improvement / learning", "Dementia cafe with the voluntary sector"),
    ("Key theme", "Service User Engagement"),
    ("Location", "Kendal"),
    ("Region", "North West"),
    ("Lead contact name", "Bernadette Walsh"),
    ("Lead contact email", "b.walsh@example.org"),
    ("Status", "Implemented"),
    ("Summary / aim", "A monthly cafe run with volunteers for people with dementia and carers."),
]


def changed(rows: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    """The rows with some boxes (by label) given new values; a label not present is added."""
    by_label = {label: value for label, value in rows}
    by_label.update({label.replace("_", " "): value for label, value in values.items()})
    return list(by_label.items())


def labelled(rows: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    """As `changed`, with labels spelled out (for labels holding spaces or slashes)."""
    return [(label, values.get(label, value)) for label, value in rows]


def fixed_zip(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time, whatever we set
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-09-01T09:00:00Z", content)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=FIXED), content)
    return out.getvalue()


def make_docx(rows: list[tuple[str, str]]) -> bytes:
    document = docx.Document()
    document.core_properties.created = document.core_properties.modified = dt.datetime(*FIXED)
    document.add_heading("MLN reporting template", level=1)
    table = document.add_table(rows=0, cols=2)
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    buffer = io.BytesIO()
    document.save(buffer)
    return fixed_zip(buffer.getvalue())


def make_xlsx(rows: list[tuple[str, str]]) -> bytes:
    book = openpyxl.Workbook()
    book.properties.created = book.properties.modified = dt.datetime(*FIXED)
    sheet = book.active
    sheet.title = "Template"
    for label, value in rows:
        sheet.append([label, value])
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    return fixed_zip(data)


def form_lines(rows: list[tuple[str, str]], quote: str = "") -> str:
    return "\n".join(f"{quote}{label}: {value}" for label, value in rows if value)


def b64(data: bytes) -> str:
    text = base64.b64encode(data).decode("ascii")
    return "\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def headers(sender: tuple[str, str], subject: str, msgid: str, day: int, extra: str = "") -> str:
    return (
        f"From: {sender[0]} <{sender[1]}>\nTo: MLN Shared Mailbox <mln@example.org>\nSubject: {subject}\n"
        f"Date: Tue, {day} Sep 2026 10:{day:02d}:00 +0100\nMessage-ID: <{msgid}@example.nhs.test>\n"
        f"{extra}MIME-Version: 1.0\nContent-Language: en-GB\n"
    )


def outlook(
    sender: tuple[str, str],
    subject: str,
    msgid: str,
    day: int,
    text: str,
    attachment: tuple[str, str, bytes] | None = None,
    extra: str = "",
) -> bytes:
    """Outlook's shape: multipart/mixed around the text, then the attachment (base64)."""
    head = headers(sender, subject, msgid, day, extra + "X-MS-Has-Attach: yes\nThread-Topic: " + subject + "\n")
    if attachment is None:
        body = f"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{text}\n"
        return crlf(head + body)
    name, ctype, data = attachment
    parts = (
        'Content-Type: multipart/mixed; boundary="_004_outlook_"\n\n--_004_outlook_\n'
        f"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{text}\n\n"
        f'--_004_outlook_\nContent-Type: {ctype}; name="{name}"\n'
        f'Content-Disposition: attachment; filename="{name}"\nContent-Transfer-Encoding: base64\n\n'
        f"{b64(data)}\n--_004_outlook_--\n"
    )
    return crlf(head + parts)


def crlf(text: str) -> bytes:
    return "\r\n".join(text.split("\n")).encode("utf-8")


def attached_forward(day: int) -> bytes:
    """Thunderbird forwarding Helen's whole message (message/rfc822), her .docx inside it."""
    inner = outlook(
        HELEN,
        "Workforce template",
        "helen-inner-1",
        day - 1,
        "Anne, could you send this on please?\n\nHelen",
        ("Workforce rotations.docx", DOCX, make_docx(PLAN)),
    )
    head = headers(ANNE, "Fwd: Workforce template from Helen", "anne-fwd-1", day)
    body = (
        'Content-Type: multipart/mixed; boundary="fwd-boundary"\n\n--fwd-boundary\n'
        "Content-Type: text/plain; charset=utf-8\n\nForwarding Helen's template as she is not on the list yet.\n\n"
        'Anne\n\n--fwd-boundary\nContent-Type: message/rfc822; name="Workforce template.eml"\n'
        'Content-Disposition: attachment; filename="Workforce template.eml"\n\n'
    )
    return crlf(head + body) + inner + crlf("\n--fwd-boundary--\n")


OUTLOOK_BLOCK = (
    "________________________________\nFrom: Okafor Helen (LEEDS COMMUNITY TRUST) <helen.okafor@example.nhs.test>\n"
    "Sent: 15 September 2026 16:45\nTo: Foster Anne <anne.foster@example.nhs.test>\nSubject: {subject}\n\n"
)
GMAIL_BLOCK = (
    "---------- Forwarded message ---------\nFrom: Bernadette Walsh <b.walsh@example.org>\n"
    "Date: Mon, 14 Sep 2026 at 09:12\nSubject: Our cafe plan\nTo: Anne Foster <anne.foster@example.nhs.test>\n\n"
)
ACK_QUOTE = (
    "\n\n________________________________\nFrom: MLN Bulletin <bulletin@example.org>\nSent: 16 September 2026 09:00\n"
    "To: Helen Okafor\nSubject: Received: Rotational posts for newly qualified nurses (@@FILE_NO:1@@)\n\n"
    "Thank you for your improvement plan. To update this plan later, send the form again with "
    "@@FILE_NO:1@@ in the File No box.\n"
)

# (file, builder, manifest row). Rows: scenario, step, outcome (new | repeat | revision | replaced |
# possible_duplicate), same_as (the step whose plan it belongs to), fields it must yield, reply checks.
CASES: list[tuple[str, object, dict]] = []


def case(file: str, build: object, **row: object) -> None:
    CASES.append((file, build, {"file": file, **row}))


# 1. The same .docx sent twice.
case(
    "same-docx-1.eml",
    lambda: outlook(
        HELEN,
        "Improvement plan",
        "same-docx-1",
        1,
        "Please find our plan attached.\n\nHelen",
        ("Rotational posts.docx", DOCX, make_docx(PLAN)),
    ),
    scenario="same-docx",
    step=1,
    outcome="new",
)
case(
    "same-docx-2.eml",
    lambda: outlook(
        HELEN,
        "Improvement plan (sent again)",
        "same-docx-2",
        2,
        "Sending again in case it did not arrive.",
        ("Rotational posts.docx", DOCX, make_docx(PLAN)),
    ),
    scenario="same-docx",
    step=2,
    outcome="repeat",
    same_as=1,
    reply_has=["already received as File No @@FILE_NO:1@@"],
)
# 2. A colleague forwards the author's whole message; then the author sends it herself.
case(
    "forward-attached-1.eml",
    lambda: attached_forward(3),
    scenario="forward-attached",
    step=1,
    outcome="new",
    fields={"sender": HELEN[1], "forwarded_by": ANNE[1]},
    replies_to=[ANNE[1], HELEN[1]],
)
case(
    "forward-attached-2.eml",
    lambda: outlook(
        HELEN,
        "Workforce template",
        "forward-attached-2",
        4,
        "Here is our plan.",
        ("Workforce rotations.docx", DOCX, make_docx(PLAN)),
    ),
    scenario="forward-attached",
    step=2,
    outcome="repeat",
    same_as=1,
    reply_has=["already received as File No @@FILE_NO:1@@"],
)
# 3. The author types the form in her email; a colleague forwards it inline from Outlook ("FW:", From/Sent block).
case(
    "forward-inline-1.eml",
    lambda: outlook(HELEN, "Our plan", "forward-inline-1", 5, form_lines(PLAN) + "\n\nHelen"),
    scenario="forward-inline",
    step=1,
    outcome="new",
)
case(
    "forward-inline-2.eml",
    lambda: outlook(
        ANNE,
        "FW: Our plan",
        "forward-inline-2",
        6,
        "Forwarding for Helen.\n\nAnne\n\n" + OUTLOOK_BLOCK.format(subject="Our plan") + form_lines(PLAN) + "\n\nHelen",
    ),
    scenario="forward-inline",
    step=2,
    outcome="repeat",
    same_as=1,
)
# A Gmail inline forward of a new plan with the form attached: the author is credited and answered.
case(
    "forward-inline-3.eml",
    lambda: outlook(
        ANNE,
        "Fwd: Our cafe plan",
        "forward-inline-3",
        7,
        "FYI, from Bernadette.\n\n" + GMAIL_BLOCK + "Our plan is attached.\n\nBernadette",
        ("Cafe plan.docx", DOCX, make_docx(CAFE)),
    ),
    scenario="forward-inline",
    step=3,
    outcome="new",
    fields={"sender": BERNADETTE[1], "forwarded_by": ANNE[1]},
    replies_to=[ANNE[1], BERNADETTE[1]],
)
# Exchange inside one trust writes the author's name without an address: the form's lead contact is credited.
case(
    "forward-inline-4.eml",
    lambda: outlook(
        ANNE,
        "FW: Preceptorship plan",
        "forward-inline-4",
        7,
        "Please see below from Helen.\n\nAnne\n\n"
        + OUTLOOK_BLOCK.format(subject="Preceptorship plan").replace(
            "Okafor Helen (LEEDS COMMUNITY TRUST) <helen.okafor@example.nhs.test>",
            "Okafor Helen (LEEDS COMMUNITY TRUST)",
        )
        + form_lines(
            labelled(
                PLAN,
                **{
                    "Practice example / improvement / learning": "Preceptorship for nurses new to older people's wards",
                    "Summary / aim": "A named preceptor for every new nurse for six months.",
                },
            )
        ),
    ),
    scenario="forward-inline",
    step=4,
    outcome="new",
    fields={"sender": HELEN[1], "forwarded_by": ANNE[1]},
    replies_to=[ANNE[1], HELEN[1]],
)
# 4. A resend with a box changed is the plan's next revision; then one that empties a box.
case(
    "revision-1.eml",
    lambda: outlook(HELEN, "Improvement plan", "revision-1", 8, "Attached.", ("plan.docx", DOCX, make_docx(PLAN))),
    scenario="revision",
    step=1,
    outcome="new",
)
case(
    "revision-2.eml",
    lambda: outlook(
        HELEN,
        "Improvement plan - updated",
        "revision-2",
        9,
        "Our status has moved on.",
        ("plan v2.docx", DOCX, make_docx(labelled(PLAN, Status="Being implemented"))),
    ),
    scenario="revision",
    step=2,
    outcome="revision",
    same_as=1,
    fields={"progress": "Being implemented"},
    changed=["progress"],
)
case(
    "revision-3.eml",
    lambda: outlook(
        HELEN,
        "Improvement plan - v3",
        "revision-3",
        10,
        "Attached.",
        ("plan v3.docx", DOCX, make_docx(labelled(PLAN, Status="Being implemented", Outcomes=""))),
    ),
    scenario="revision",
    step=3,
    outcome="revision",
    same_as=1,
    changed=["outcomes"],
    emptied=["Outcomes"],
)
# 5. A reply in the thread of our acknowledgement, with the updated form as Excel (File No box blank).
case(
    "thread-reply-1.eml",
    lambda: outlook(HELEN, "Improvement plan", "thread-reply-1", 11, "Attached.", ("plan.docx", DOCX, make_docx(PLAN))),
    scenario="thread-reply",
    step=1,
    outcome="new",
)
case(
    "thread-reply-2.eml",
    lambda: outlook(
        HELEN,
        "RE: Received: Rotational posts for newly qualified nurses (@@FILE_NO:1@@)",
        "thread-reply-2",
        12,
        "Updated form attached - we now have the first cohort in post." + ACK_QUOTE,
        ("plan.xlsx", XLSX, make_xlsx(labelled(PLAN, Status="Implemented"))),
        extra="In-Reply-To: @@ACK:1@@\nReferences: @@ACK:1@@\n",
    ),
    scenario="thread-reply",
    step=2,
    outcome="revision",
    same_as=1,
    fields={"progress": "Implemented"},
)
# 6. A File No written loosely in the form, with a new title; then one named only in the subject.
case(
    "loose-file-no-1.eml",
    lambda: outlook(
        HELEN, "Improvement plan", "loose-file-no-1", 13, "Attached.", ("plan.docx", DOCX, make_docx(PLAN))
    ),
    scenario="loose-file-no",
    step=1,
    outcome="new",
)
case(
    "loose-file-no-2.eml",
    lambda: outlook(
        HELEN,
        "Update",
        "loose-file-no-2",
        14,
        form_lines(
            labelled(
                PLAN,
                **{
                    "File No": "@@LOOSE:1@@",
                    "Practice example / improvement / learning": "Nurse rotation programme (renamed)",
                },
            )
        ),
    ),
    scenario="loose-file-no",
    step=2,
    outcome="revision",
    same_as=1,
    fields={"title": "Nurse rotation programme (renamed)"},
    reply_lacks=["leave the File No box blank"],
)
case(
    "loose-file-no-3.eml",
    lambda: outlook(
        HELEN,
        "Update for @@LOOSE:1@@",
        "loose-file-no-3",
        15,
        "New outcomes attached.",
        (
            "plan.docx",
            DOCX,
            make_docx(
                labelled(
                    PLAN,
                    **{
                        "Practice example / improvement / learning": "Nurse rotation programme, year two",
                        "Outcomes": "Twelve nurses in two cohorts.",
                    },
                )
            ),
        ),
    ),
    scenario="loose-file-no",
    step=3,
    outcome="revision",
    same_as=1,
)
# 7. Chasers quoting the member's own body form: answered with the File No, never a second plan.
case(
    "chaser-1.eml",
    lambda: outlook(HELEN, "Our improvement plan", "chaser-1", 16, form_lines(PLAN)),
    scenario="chaser",
    step=1,
    outcome="new",
)
case(
    "chaser-2.eml",
    lambda: outlook(
        HELEN,
        "RE: Our improvement plan",
        "chaser-2",
        17,
        "Hi, just checking this arrived? I have not had a reply.\n\nHelen\n\n> "
        + "\n> ".join(form_lines(PLAN).split("\n")),
        extra="In-Reply-To: <chaser-1@example.nhs.test>\n",
    ),
    scenario="chaser",
    step=2,
    outcome="repeat",
    same_as=1,
    reply_has=["already received as File No @@FILE_NO:1@@"],
)
case(
    "chaser-3.eml",
    lambda: outlook(
        HELEN,
        "RE: Our improvement plan",
        "chaser-3",
        18,
        "Did you get this? Thanks, Helen\n\n"
        + OUTLOOK_BLOCK.format(subject="Our improvement plan").replace(
            "Foster Anne <anne.foster@example.nhs.test>", "MLN <mln@example.org>"
        )
        + form_lines(PLAN),
    ),
    scenario="chaser",
    step=3,
    outcome="repeat",
    same_as=1,
    reply_has=["already received as File No @@FILE_NO:1@@"],
)
# 8. A form sent back for a problem, corrected and resent (no File No, not in the thread): it replaces the copy.
case(
    "corrected-1.eml",
    lambda: outlook(
        HELEN,
        "Our plan",
        "corrected-1",
        19,
        form_lines(labelled(PLAN, **{"Lead contact email": "helen.okafor(at)example.nhs.test"})),
    ),
    scenario="corrected",
    step=1,
    outcome="new",
    fields={"status": "needs_changes"},
)
case(
    "corrected-2.eml",
    lambda: outlook(HELEN, "Our plan (corrected)", "corrected-2", 20, form_lines(PLAN)),
    scenario="corrected",
    step=2,
    outcome="replaced",
    same_as=1,
    fields={"status": "pending"},
)
# Sent back for a bad email address; the corrected copy also mends a typo in the title.
case(
    "corrected-3.eml",
    lambda: outlook(
        HELEN,
        "Preceptorship",
        "corrected-3",
        20,
        form_lines(
            labelled(
                PLAN,
                **{
                    "Practice example / improvement / learning": "Preceptorship for nurses new to older peoples wards",
                    "Summary / aim": "A named preceptor for every new nurse.",
                    "Lead contact email": "helen.okafor at example.nhs.test",
                },
            )
        ),
    ),
    scenario="corrected",
    step=3,
    outcome="new",
    fields={"status": "needs_changes"},
)
case(
    "corrected-4.eml",
    lambda: outlook(
        HELEN,
        "Preceptorship (fixed)",
        "corrected-4",
        21,
        form_lines(
            labelled(
                PLAN,
                **{
                    "Practice example / improvement / learning": "Preceptorship for nurses new to older people's wards",
                    "Summary / aim": "A named preceptor for every new nurse.",
                },
            )
        ),
    ),
    scenario="corrected",
    step=4,
    outcome="replaced",
    same_as=3,
    fields={"status": "pending", "title": "Preceptorship for nurses new to older people's wards"},
)
# 9. The same title and lead from someone else: a possible duplicate, merged by the reviewer;
#    a very similar title from the author: flagged, and kept separate.
case(
    "near-1.eml",
    lambda: outlook(HELEN, "Improvement plan", "near-1", 21, "Attached.", ("plan.docx", DOCX, make_docx(PLAN))),
    scenario="near",
    step=1,
    outcome="new",
)
case(
    "near-2.eml",
    lambda: outlook(
        PRIYA,
        "Helen's workforce plan",
        "near-2",
        22,
        "Sending this for Helen's team.",
        (
            "workforce.docx",
            DOCX,
            make_docx(labelled(PLAN, **{"Summary / aim": "Rotations for nurses in their first two years."})),
        ),
    ),
    scenario="near",
    step=2,
    outcome="possible_duplicate",
    same_as=1,
    then="merge",
)
case(
    "near-3.eml",
    lambda: outlook(
        HELEN,
        "Second plan",
        "near-3",
        23,
        "Attached.",
        (
            "plan2.docx",
            DOCX,
            make_docx(
                labelled(
                    PLAN,
                    **{
                        "Practice example / improvement / learning": "Rotational posts for newly qualified nurses (Wakefield)",
                        "Location": "Wakefield",
                        "Summary / aim": "The same model in Wakefield.",
                    },
                )
            ),
        ),
    ),
    scenario="near",
    step=3,
    outcome="possible_duplicate",
    same_as=1,
    then="keep-separate",
)
# 10. A File No that is well formed but not ours: filed as a new plan, never "leave the File No box blank".
case(
    "unknown-file-no-1.eml",
    lambda: outlook(HELEN, "Plan", "unknown-file-no-1", 24, form_lines(labelled(PLAN, **{"File No": "WO-2019-777"}))),
    scenario="unknown-file-no",
    step=1,
    outcome="new",
    reply_has=["WO-2019-777 is not one we have on record"],
    reply_lacks=["leave the File No box blank"],
)


def toml_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def main() -> None:
    lines = [
        "# One row per message, in the order each scenario sends them (written by make_one_plan.py).",
        "# outcome: new | repeat | revision | replaced | possible_duplicate; same_as: the step whose File No it",
        "# must share; fields: Submission columns it must yield; changed/emptied: what `mln show` must list;",
        "# replies_to: who is answered; reply_has / reply_lacks: words of the answer (placeholders filled);",
        "# then: the reviewer's command afterwards (merge | keep-separate).",
    ]
    for file, build, row in CASES:
        (HERE / file).write_bytes(build())  # type: ignore[operator]
        lines += ["", "[[case]]"] + [f"{key} = {toml_value(value)}" for key, value in row.items()]
    (HERE / "manifest.toml").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
