"""Write the sample messages in tests/messages/ (and our own bounces in tests/messages/bounces/).

Run from the repository root:  .venv/bin/python tests/messages/make_samples.py

The messages copy the shapes real clients and servers produce (header order,
boundaries, transfer encodings), with CRLF line endings as an IMAP server stores
them. Office attachments are built with python-docx / openpyxl and re-zipped with
fixed timestamps so that running this script again writes the same bytes.
The .eml files are committed; this script is kept so they can be regenerated.
People and addresses are invented (example.org / example.nhs.test).
"""

from __future__ import annotations

import base64
import csv
import io
import re
import sys
import zipfile
from pathlib import Path

import docx
import openpyxl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_corpus import CORPUS  # noqa: E402 - the field-reading corpus, beside this script
from make_corpus_answers import ANSWERS_CORPUS  # noqa: E402 - its answers, sign-offs, consent and dates

BOUNCES = HERE / "bounces"
FIXED_ZIP_TIME = (2026, 9, 1, 9, 0, 0)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# One filled reporting template per sample, as (label, value) rows in form order.
CARE_HOMES_ITEM = [
    ("Practice example / improvement / learning", "Mental-health in-reach training for care home staff"),
    ("File No", ""),
    ("Key theme", "Care Homes / Housing / Home Care / Day Services"),
    ("Location", "Barnsley"),
    ("Region", "Yorkshire & Humber"),
    ("Organisation", "South Riding Partnership NHS Trust"),
    ("Organisation type", "Mental Health Trust"),
    ("Lead contact", "Priya Natarajan, priya.natarajan@example.nhs.test"),
    ("Status", "Being implemented"),
    ("Date commenced", "June 2026"),
    ("Completion, implementation or evaluation date", "Evaluation planned for Jan 27"),
    (
        "Summary",
        "To give staff in twelve local care homes the confidence to recognise delirium "
        "and depression in residents and to know when to call the in-reach team.",
    ),
    (
        "Actions",
        "PDSA cycle 1: two-hour sessions piloted in two homes (June).\n"
        "PDSA cycle 2: added a one-page prompt card after feedback (August).",
    ),
    ("Outcomes", "Referrals from the pilot homes rose from 3 to 11 a month; fewer out-of-hours calls."),
    ("Learning", "Night staff need their own sessions; managers must release staff."),
    ("Link", "https://www.example.org/mln/care-homes-in-reach"),
    ("Share externally", "Yes"),
]
LIAISON_ITEM = [
    ("Practice example / improvement / learning", "Database of the North East liaison network"),
    ("File No", ""),
    ("Key theme", "Liaison / General Hospital"),
    ("Location", "North East England"),
    ("Region", "North East"),
    ("Organisation", "Tyne Vale Mental Health Trust"),
    ("Organisation type", "Mental Health Trust"),
    ("Lead contact", "Tom Heslop, tom.heslop@example.nhs.test"),
    ("Status", "Implemented"),
    ("Date commenced", "June 2024/August 2026"),
    ("Completion, implementation or evaluation date", "Updated September to include learning events"),
    ("Summary", "A shared list of every liaison team in the region, who leads it and how to refer."),
    ("Actions", "Collected details at two network events; published on the intranet."),
    ("Outcomes", "Used by ward staff in four acute trusts; 40 updates in a year."),
    ("Learning", "Somebody must own the list or it goes stale within months."),
    ("Link", ""),
    ("Share externally", "Yes"),
]
INPATIENT_ITEM = [
    ("Practice example / improvement / learning", "Clarity around leave arrangements for informal patients"),
    ("Key theme", "5"),
    ("Location", "Rotherham"),
    ("Region", "Yorkshire & Humber"),
    ("Lead contact", "Gareth Pryce-Owen, g.pryce-owen@example.nhs.test"),
    ("Status", "To commence Oct 26"),
    ("Date commenced", "To commence Oct 26"),
    ("Summary", "Write one leaflet and one ward procedure so informal patients know they may leave."),
    ("Share externally", "No"),
]
WORKFORCE_ITEM = [
    ("Practice example / improvement / learning", "Rotational posts for newly qualified nurses"),
    ("Key theme", "Workforce"),
    ("Location", "Leeds"),
    ("Lead contact", "Helen Okafor, helen.okafor@example.nhs.test"),
    ("Status", "Planned"),
    ("Date commenced", "Sept 26"),
    ("Summary", "Two-year rotations across community, in-patient and liaison teams."),
]
PERINATAL_ITEM = [
    ("Practice example / improvement / learning", "Dementia café with the voluntary sector"),
    ("Key theme", "Service User Engagement"),
    ("Location", "Kendal"),
    ("Region", "North West"),
    ("Lead contact", "Bernadette Walsh, b.walsh@example.org"),
    ("Status", "Implemented"),
    ("Date commenced", "7 Sept 2026"),
    ("Summary", "A monthly café run with Age Concern volunteers for people with dementia and carers."),
]
NON_ASCII_ITEM = [
    ("Practice example / improvement / learning", "Cymorth iechyd meddwl – Welsh-language memory clinic"),
    ("Key theme", "Culturally Appropriate Services"),
    ("Location", "Ynys Môn"),
    ("Lead contact", "Siân Ní Bhriain, sian.nibhriain@example.nhs.test"),
    ("Status", "Being implemented"),
    ("Date commenced", "Oct 26"),
    ("Summary", "Assessments offered in Welsh by default; café sessions “Atgofion” for carers."),
]


def crlf(text: str) -> bytes:
    """ASCII text with every line ending made CRLF (headers and 7-bit bodies)."""
    return "\r\n".join(text.split("\n")).encode("ascii")


def b64(data: bytes) -> str:
    """Base64 in 76-character lines, as mail clients write it."""
    encoded = base64.b64encode(data).decode("ascii")
    return "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))


def _fixed_zip(data: bytes) -> bytes:
    """Re-zip an Office file with fixed timestamps so regeneration is byte-identical."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time into dcterms:modified whatever we set
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-09-01T09:00:00Z", content)
            dst.writestr(fixed, content)
    return out.getvalue()


def make_docx(rows: list[tuple[str, str]], title: str = "MLN reporting template") -> bytes:
    """A small real .docx: a heading and a two-column label | value table."""
    import datetime as dt

    document = docx.Document()
    document.core_properties.created = dt.datetime(2026, 9, 1, 9, 0, 0)
    document.core_properties.modified = dt.datetime(2026, 9, 1, 9, 0, 0)
    document.core_properties.author = "MLN Bulletin"
    document.core_properties.last_modified_by = "MLN Bulletin"
    document.add_heading(title, level=1)
    document.add_paragraph("Please complete one form per improvement plan and email it back.")
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text = label
        cells[1].text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def make_xlsx(rows: list[tuple[str, str]]) -> bytes:
    """A small real .xlsx: labels in column A, values in column B of the first sheet."""
    import datetime as dt

    workbook = openpyxl.Workbook()
    workbook.properties.created = dt.datetime(2026, 9, 1, 9, 0, 0)
    workbook.properties.modified = dt.datetime(2026, 9, 1, 9, 0, 0)
    workbook.properties.creator = "MLN Bulletin"
    sheet = workbook.active
    sheet.title = "Template"
    sheet.append(["Field", "Value"])
    for label, value in rows:
        sheet.append([label, value])
    sheet.column_dimensions["A"].width = 44
    sheet.column_dimensions["B"].width = 80
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed_zip(buffer.getvalue())


def make_csv(rows: list[tuple[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["field", "value"])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def qp_lines(rows: list[tuple[str, str]]) -> str:
    """'Label: value' lines (ASCII only here), multi-line values indented on the next lines."""
    lines = []
    for label, value in rows:
        first, *rest = value.split("\n")
        lines.append(f"{label}: {first}")
        lines.extend(rest)
    return "\n".join(lines)


# --- submissions ------------------------------------------------------------------------------


def outlook_submission_docx() -> bytes:
    document = make_docx(CARE_HOMES_ITEM)
    attachment = b64(document)
    return crlf(f"""Received: from EUR03-VI1-obe.outbound.protection.example.net (203.0.113.25) by
 mx1.example.org with ESMTPS id 4F2A1C0032; Mon, 14 Sep 2026 09:12:31 +0100
From: Priya Natarajan <priya.natarajan@example.nhs.test>
To: "MLN Bulletin" <mln@example.org>
Subject: Care homes in-reach - reporting template for September
Thread-Topic: Care homes in-reach - reporting template for September
Thread-Index: AdsmX2Qv1N5zR0n8TGyq3c0Jb1Xf0A==
Date: Mon, 14 Sep 2026 08:12:27 +0000
Message-ID: <AM9PR03MB7246B1F0E5D3C2A4A1B2C3D4E5F6@AM9PR03MB7246.eurprd03.prod.example.net>
Accept-Language: en-GB, en-US
Content-Language: en-GB
X-MS-Has-Attach: yes
X-MS-TNEF-Correlator:
X-Mailer: Microsoft Outlook 16.0
Content-Type: multipart/mixed;
\tboundary="_004_AM9PR03MB7246B1F0E5D3C2A4A1B2C3D4E5F6AM9PR03MB7246eurp_"
MIME-Version: 1.0

--_004_AM9PR03MB7246B1F0E5D3C2A4A1B2C3D4E5F6AM9PR03MB7246eurp_
Content-Type: multipart/alternative;
\tboundary="_000_AM9PR03MB7246B1F0E5D3C2A4A1B2C3D4E5F6AM9PR03MB7246eurp_"

--_000_AM9PR03MB7246B1F0E5D3C2A4A1B2C3D4E5F6AM9PR03MB7246eurp_
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

Hello,

Please find attached our improvement plan for September on the reporting t=
emplate.

Kind regards,

Priya

Priya Natarajan
Team Leader, Older People's Mental Health
South Riding Partnership NHS Trust


--_000_AM9PR03MB7246B1F0E5D3C2A4A1B2C3D4E5F6AM9PR03MB7246eurp_
Content-Type: text/html; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

<html xmlns:v=3D"urn:schemas-microsoft-com:vml" xmlns:o=3D"urn:schemas-micr=
osoft-com:office:office" xmlns:w=3D"urn:schemas-microsoft-com:office:word">
<head>
<meta http-equiv=3D"Content-Type" content=3D"text/html; charset=3Dus-ascii">
<style><!--
p.MsoNormal {{margin:0cm; font-size:11.0pt; font-family:"Calibri",sans-serif;}}
--></style>
</head>
<body lang=3D"EN-GB" link=3D"#0563C1" vlink=3D"#954F72">
<div class=3D"WordSection1">
<p class=3D"MsoNormal">Hello,<o:p></o:p></p>
<p class=3D"MsoNormal"><o:p>&nbsp;</o:p></p>
<p class=3D"MsoNormal">Please find attached our improvement plan for Septem=
ber on the reporting template.<o:p></o:p></p>
<p class=3D"MsoNormal"><o:p>&nbsp;</o:p></p>
<p class=3D"MsoNormal">Kind regards,<o:p></o:p></p>
<p class=3D"MsoNormal">Priya<o:p></o:p></p>
<p class=3D"MsoNormal"><b>Priya Natarajan</b><br>Team Leader, Older People=
's Mental Health<br>South Riding Partnership NHS Trust<o:p></o:p></p>
</div>
</body>
</html>

--_000_AM9PR03MB7246B1F0E5D3C2A4A1B2C3D4E5F6AM9PR03MB7246eurp_--

--_004_AM9PR03MB7246B1F0E5D3C2A4A1B2C3D4E5F6AM9PR03MB7246eurp_
Content-Type: {DOCX_TYPE};
\tname="MLN template - care homes in-reach.docx"
Content-Description: MLN template - care homes in-reach.docx
Content-Disposition: attachment;
\tfilename="MLN template - care homes in-reach.docx"; size={len(document)};
\tcreation-date="Mon, 14 Sep 2026 08:11:02 GMT";
\tmodification-date="Mon, 14 Sep 2026 08:12:27 GMT"
Content-Transfer-Encoding: base64

{attachment}

--_004_AM9PR03MB7246B1F0E5D3C2A4A1B2C3D4E5F6AM9PR03MB7246eurp_--
""")


def gmail_submission_xlsx() -> bytes:
    attachment = b64(make_xlsx(LIAISON_ITEM))
    return crlf(f"""Delivered-To: mln@example.org
Received: by 2002:a05:6a10:8f0e:b0:5a1:2b3c:4d5e with SMTP id k14csp123456pxb;
        Tue, 15 Sep 2026 02:41:07 -0700 (PDT)
MIME-Version: 1.0
From: Tom Heslop <tom.heslop.mln@example.org>
Date: Tue, 15 Sep 2026 10:40:52 +0100
Message-ID: <CAH7xq=V3x0k5mJ2+8rLZfQk1yQ@mail.example.org>
Subject: North East liaison database - template attached
To: mln@example.org
Content-Type: multipart/mixed; boundary="000000000000d4c0a905f2a1b3c4"

--000000000000d4c0a905f2a1b3c4
Content-Type: multipart/alternative; boundary="000000000000d4c0a805f2a1b3c2"

--000000000000d4c0a805f2a1b3c2
Content-Type: text/plain; charset="UTF-8"

Hi,

Here is the updated entry for the liaison network database (spreadsheet
attached).

Thanks,
Tom

--000000000000d4c0a805f2a1b3c2
Content-Type: text/html; charset="UTF-8"

<div dir="ltr"><div>Hi,</div><div><br></div><div>Here is the updated entry for the liaison network database (spreadsheet attached).</div><div><br></div><div>Thanks,</div><div>Tom</div></div>

--000000000000d4c0a805f2a1b3c2--
--000000000000d4c0a905f2a1b3c4
Content-Type: {XLSX_TYPE}; 
\tname="MLN_template_liaison.xlsx"
Content-Disposition: attachment; 
\tfilename="MLN_template_liaison.xlsx"
Content-Transfer-Encoding: base64
Content-ID: <f_lm3k2j1h0>
X-Attachment-Id: f_lm3k2j1h0

{attachment}
--000000000000d4c0a905f2a1b3c4--
""")


def apple_mail_submission_body() -> bytes:
    body = qp_lines(INPATIENT_ITEM)
    return crlf(f"""Return-Path: <g.pryce-owen@example.nhs.test>
From: Gareth Pryce-Owen <g.pryce-owen@example.nhs.test>
Content-Type: text/plain;
\tcharset=us-ascii
Content-Transfer-Encoding: 7bit
Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))
Subject: Improvement plan - leave arrangements
Message-Id: <5B1E0E7C-3F0A-4C6B-9D8E-2A7F3C1B9E44@example.nhs.test>
Date: Wed, 16 Sep 2026 21:03:44 +0100
To: mln@example.org
X-Mailer: Apple Mail (2.3774.600.62)

Hi all,

Our plan for this period is below, I have filled the form in here rather than the attachment.

{body}

Thanks
Gareth

Sent from my iPad
""")


def forwarded_submission() -> bytes:
    inner_doc = b64(make_docx(WORKFORCE_ITEM))
    return crlf(f"""From: Anne Foster <anne.foster@example.nhs.test>
To: mln@example.org
Subject: Fwd: Workforce template from Helen
Date: Thu, 17 Sep 2026 11:20:05 +0100
Message-ID: <8f2d1c9a-44b1-4f0e-9e1d-7c6a5b4d3e21@example.nhs.test>
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Language: en-GB
Content-Type: multipart/mixed;
 boundary="------------Fwd9A2B3C4D5E6F7A8B9C0D1E"

This is a multi-part message in MIME format.
--------------Fwd9A2B3C4D5E6F7A8B9C0D1E
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

Forwarding Helen's template as she is not on the list yet.

Anne

--------------Fwd9A2B3C4D5E6F7A8B9C0D1E
Content-Type: message/rfc822; name="Workforce template.eml"
Content-Disposition: attachment; filename="Workforce template.eml"

From: Helen Okafor <helen.okafor@example.nhs.test>
To: Anne Foster <anne.foster@example.nhs.test>
Subject: Workforce template
Date: Wed, 16 Sep 2026 16:45:10 +0100
Message-ID: <a1b2c3d4e5f6@mail.example.nhs.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="inner-7d3f2a1b"

--inner-7d3f2a1b
Content-Type: text/plain; charset=us-ascii

Anne, could you send this on to the network please?

Helen

--inner-7d3f2a1b
Content-Type: {DOCX_TYPE}; name="Workforce rotations.docx"
Content-Disposition: attachment; filename="Workforce rotations.docx"
Content-Transfer-Encoding: base64

{inner_doc}

--inner-7d3f2a1b--

--------------Fwd9A2B3C4D5E6F7A8B9C0D1E--
""")


def csv_submission() -> bytes:
    attachment = b64(make_csv(PERINATAL_ITEM))
    return crlf(f"""From: "Bernadette Walsh" <b.walsh@example.org>
To: mln@example.org
Subject: Dementia cafe - template as CSV
Date: Fri, 18 Sep 2026 14:02:11 +0100
Message-ID: <20260918130211.12345.b.walsh@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=-csv-9f8e7d6c5b4a"
X-Mailer: Evolution 3.46.4

--=-csv-9f8e7d6c5b4a
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: 7bit

Our system only exports CSV, hope that is OK.

Bernadette

--=-csv-9f8e7d6c5b4a
Content-Type: text/csv; name="dementia-cafe.csv"; charset="UTF-8"
Content-Disposition: attachment; filename="dementia-cafe.csv"
Content-Transfer-Encoding: base64

{attachment}

--=-csv-9f8e7d6c5b4a--
""")


# --- requests ---------------------------------------------------------------------------------


def simple_text(
    from_: str, subject: str, body: str, message_id: str, date: str, to: str = "mln@example.org", extra: str = ""
) -> bytes:
    """A plain single-part message, as most webmail and phones send a short note."""
    return crlf(f"""From: {from_}
To: {to}
Subject: {subject}
Date: {date}
Message-ID: {message_id}
MIME-Version: 1.0
{extra}Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit

{body}
""")


def template_request() -> bytes:
    return simple_text(
        '"Oyelaran, Kemi" <kemi.oyelaran@example.nhs.test>',
        "Reporting template please",
        "Hello,\n\nPlease send me the reporting template - I have just taken over as team leader\n"
        "for the Wakefield group.\n\nMany thanks\nKemi",
        "<20260921083015.GA4411@example.nhs.test>",
        "Mon, 21 Sep 2026 08:30:15 +0100",
    )


def subscribe_request() -> bytes:
    return simple_text(
        "Frances Doyle <frances.doyle@example.org>",
        "Bulletin",
        "Hi,\n\nplease add us to the bulletin - we are a carers' charity in Halifax and would\n"
        "like to hear about the network's work.\n\nFrances Doyle\nCalder Carers Trust",
        "<0f1e2d3c4b5a@example.org>",
        "Tue, 22 Sep 2026 10:05:00 +0100",
    )


BULLETIN_QUOTE = """> MLN Bulletin - September 2026
> Managed Learning Network: older people's mental health
>
> CARE HOMES / HOUSING / HOME CARE / DAY SERVICES
> Mental-health in-reach training for care home staff (Barnsley)
> Staff in twelve care homes now recognise delirium and depression sooner...
>
> LIAISON / GENERAL HOSPITAL
> Database of the North East liaison network (North East England)
>
> You receive this bulletin as a partner of the network. To join, reply
> with "subscribe". To leave, reply with "unsubscribe" or use the link below.
> https://www.example.org/mln/unsubscribe"""


def subscribe_reply_to_bulletin() -> bytes:
    body = (
        "Subscribe\n\nWe would like our team to get this too please.\n\nMartin Cole\n"
        f"Moorside Day Services\n\nOn 1 Sep 2026, at 09:00, MLN Bulletin <bulletin@example.org> wrote:\n\n{BULLETIN_QUOTE}"
    )
    return simple_text(
        "Martin Cole <m.cole@example.org>",
        "Re: MLN Bulletin - September 2026",
        body,
        "<CAB9x8y7z6@mail.example.org>",
        "Wed, 23 Sep 2026 12:14:09 +0100",
        extra="In-Reply-To: <bulletin-2026-09.1@example.org>\nReferences: <bulletin-2026-09.1@example.org>\n",
    )


def unsubscribe_request() -> bytes:
    return simple_text(
        "Derek Lund <derek.lund@example.org>",
        "Unsubscribe",
        "Please remove me from the mailing list, I have retired.\n\nDerek",
        "<9a8b7c6d5e4f@example.org>",
        "Thu, 24 Sep 2026 16:40:00 +0100",
    )


def confirm_reply() -> bytes:
    body = (
        "Yes please.\n\nOn 22/09/2026 10:05, MLN Bulletin wrote:\n"
        "> Someone asked to add frances.doyle@example.org to the MLN Bulletin (external list).\n"
        "> To confirm, simply reply to this message. If it was not you, ignore it."
    )
    return simple_text(
        "Frances Doyle <frances.doyle@example.org>",
        "Re: Please confirm your subscription to the MLN Bulletin",
        body,
        "<1a2b3c4d5e6f@example.org>",
        "Tue, 22 Sep 2026 10:21:37 +0100",
        to="MLN Bulletin <bulletin+confirm-c7Qm2xK9.1790000000.Zp3d@example.org>",
        extra="In-Reply-To: <confirm-c7Qm2xK9@example.org>\n",
    )


# --- automatic mail ---------------------------------------------------------------------------

BOUNCE_TOKEN = "Kx7Qm2pL.3f9a"


def postfix_dsn(
    recipient: str,
    status: str,
    action: str,
    diagnostic: str,
    *,
    to_header: str,
    extra_headers: str = "",
    returned_to: str = "",
    queue_id: str = "4F2A1C0033",
    text: str = "",
    token: str = BOUNCE_TOKEN,
) -> bytes:
    """A Postfix RFC 3464 bounce: notice, machine-readable status, returned headers."""
    returned_to = returned_to or recipient
    subject = "Undelivered Mail Returned to Sender" if action == "failed" else "Delayed Mail (still being retried)"
    text = text or (
        "This is the mail system at host mx1.example.org.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients. It's attached below.\n\n"
        "For further assistance, please send mail to postmaster.\n\n"
        "If you do so, please include this problem report. You can\n"
        "delete your own text from the attached returned message.\n\n"
        "                   The mail system\n\n"
        f"<{recipient}>: {diagnostic}"
    )
    return crlf(f"""Return-Path: <>
X-Original-To: {to_header}
Delivered-To: {to_header}
Received: by mx1.example.org (Postfix)
\tid {queue_id}; Tue,  1 Sep 2026 09:01:12 +0100 (BST)
Date: Tue,  1 Sep 2026 09:01:12 +0100 (BST)
From: MAILER-DAEMON@mx1.example.org (Mail Delivery System)
Subject: {subject}
To: {to_header}
{extra_headers}Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="{queue_id}.1788249672/mx1.example.org"
Content-Transfer-Encoding: 8bit
Message-Id: <20260901080112.{queue_id}@mx1.example.org>

This is a MIME-encapsulated message.

--{queue_id}.1788249672/mx1.example.org
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

{text}

--{queue_id}.1788249672/mx1.example.org
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx1.example.org
X-Postfix-Queue-ID: {queue_id}
X-Postfix-Sender: rfc822; bulletin+bounce-{token}@example.org
Arrival-Date: Tue,  1 Sep 2026 09:00:41 +0100 (BST)

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; mail.example.nhs.test
Diagnostic-Code: smtp; {diagnostic}

--{queue_id}.1788249672/mx1.example.org
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers
Content-Transfer-Encoding: 8bit

Return-Path: <bulletin+bounce-{token}@example.org>
Received: from localhost (localhost [127.0.0.1])
\tby mx1.example.org (Postfix) with ESMTP id {queue_id}
\tfor <{returned_to}>; Tue,  1 Sep 2026 09:00:41 +0100 (BST)
From: MLN Bulletin <bulletin@example.org>
Reply-To: mln@example.org
To: {returned_to}
Subject: MLN Bulletin - September 2026
Date: Tue, 01 Sep 2026 09:00:40 +0100
Message-ID: <bulletin-2026-09.17@example.org>
List-Id: MLN Bulletin <bulletin.example.org>
Precedence: bulk

--{queue_id}.1788249672/mx1.example.org--
""")


def dsn_bounce() -> bytes:
    return postfix_dsn(
        "old.address@example.nhs.test",
        "5.1.1",
        "failed",
        "550 5.1.1 <old.address@example.nhs.test>: Recipient address rejected: User unknown",
        to_header=f"bulletin+bounce-{BOUNCE_TOKEN}@example.org",
    )


def out_of_office() -> bytes:
    return simple_text(
        "Priya Natarajan <priya.natarajan@example.nhs.test>",
        "Automatic reply: MLN Bulletin - September 2026",
        "Thank you for your email. I am on annual leave until Monday 14 September with no\n"
        "access to email. For urgent matters please contact the duty team on 01234 567890.",
        "<AM9PR03MB7246OOF1@AM9PR03MB7246.eurprd03.prod.example.net>",
        "Tue, 01 Sep 2026 08:01:00 +0000",
        to="MLN Bulletin <bulletin@example.org>",
        extra="Auto-Submitted: auto-replied\nX-Autoreply: yes\nX-Auto-Response-Suppress: All\n"
        "In-Reply-To: <bulletin-2026-09.2@example.org>\n",
    )


def list_mail() -> bytes:
    return simple_text(
        "Older People MH Forum <forum@lists.example.org>",
        "[op-mh-forum] Digest of this week's discussion",
        "Today's topics:\n\n  1. Delirium pathways in acute trusts\n  2. Commissioning for dementia cafes\n\n"
        "--\nYou are subscribed to op-mh-forum. To leave, visit https://lists.example.org/op-mh-forum",
        "<list-digest-2026-38@lists.example.org>",
        "Fri, 18 Sep 2026 06:00:00 +0100",
        extra="Sender: op-mh-forum-bounces@lists.example.org\nPrecedence: list\n"
        "List-Id: Older People MH Forum <op-mh-forum.lists.example.org>\n"
        "List-Unsubscribe: <mailto:op-mh-forum-leave@lists.example.org>\n"
        "List-Post: <mailto:op-mh-forum@lists.example.org>\n",
    )


# --- awkward shapes ---------------------------------------------------------------------------


def non_ascii() -> bytes:
    """RFC 2047 words in two charsets, an RFC 2231 filename, an 8-bit windows-1252 body."""
    attachment = b64(make_docx(NON_ASCII_ITEM, title="Templed adrodd MLN"))
    # filename: "Cynllun gwella – Ynys Môn (Siân).docx" percent-encoded as UTF-8 per RFC 2231
    head = crlf("""From: =?ISO-8859-1?Q?Si=E2n_N=ED_Bhriain?= <sian.nibhriain@example.nhs.test>
To: mln@example.org
Cc: =?UTF-8?B?Sm9zw6kgTcO8bGxlcg==?= <jose.muller@example.org>
Subject: =?UTF-8?Q?Cynllun_gwella_=E2=80=93_Ynys_M=C3=B4n?= =?ISO-8859-1?Q?_/_caf=E9_=AB?=
 =?ISO-8859-1?Q?Atgofion=BB?=
Date: Sat, 19 Sep 2026 09:15:00 +0100
Message-ID: <c0ffee01.non-ascii@example.nhs.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1_non_ascii_7f6e5d"

--b1_non_ascii_7f6e5d
Content-Type: text/plain; charset="windows-1252"
Content-Transfer-Encoding: 8bit

""")
    body = (
        "Bore da,\r\n\r\nAttached is our plan \u2013 the \u201cAtgofion\u201d caf\u00e9 costs about \u00a340 a "
        "session.\r\nDiolch yn fawr,\r\nSi\u00e2n\r\n"
    ).encode("windows-1252")
    tail = crlf(f"""
--b1_non_ascii_7f6e5d
Content-Type: {DOCX_TYPE};
 name*=UTF-8''Cynllun%20gwella%20%E2%80%93%20Ynys%20M%C3%B4n%20%28Si%C3%A2n%29.docx
Content-Disposition: attachment;
 filename*=UTF-8''Cynllun%20gwella%20%E2%80%93%20Ynys%20M%C3%B4n%20%28Si%C3%A2n%29.docx
Content-Transfer-Encoding: base64

{attachment}
--b1_non_ascii_7f6e5d--
""")
    return head + body + tail


def malformed_boundary() -> bytes:
    """Parts open with one boundary; the closing delimiter is misspelt, so the last part never ends."""
    attachment = b64(make_csv(WORKFORCE_ITEM))
    return crlf(f"""From: Helen Okafor <helen.okafor@example.nhs.test>
To: mln@example.org
Subject: Template (resent)
Date: Mon, 21 Sep 2026 13:00:00 +0100
Message-ID: <broken-boundary-1@example.nhs.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="==BOUNDARY_7x=="

--==BOUNDARY_7x==
Content-Type: text/plain; charset=us-ascii

Resending, the last one did not seem to arrive.

--==BOUNDARY_7x==
Content-Type: text/csv; name="workforce.csv"
Content-Disposition: attachment; filename="workforce.csv"
Content-Transfer-Encoding: base64

{attachment}
--==BOUNDARY_7y==--
""")


def missing_headers() -> bytes:
    """Written by a script or a broken gateway: no From, no Message-ID, no Date."""
    return crlf("""To: mln@example.org
Subject: template
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Practice example / improvement / learning: Memory clinic waiting list
Key theme: Primary Care
""")


def empty_body() -> bytes:
    return crlf("""From: Aled Morgan <aled.morgan@example.nhs.test>
To: mln@example.org
Subject: Our update
Date: Tue, 22 Sep 2026 17:59:59 +0100
Message-ID: <empty-body-1@example.nhs.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

""")


# --- more real-world shapes -------------------------------------------------------------------

COMMISSIONING_ITEM = [
    ("Practice example / improvement / learning", "Joint commissioning of memory services"),
    ("Key theme", "Commissioning"),
    ("Location", "Nottingham"),
    ("Region", "East Midlands"),
    ("Lead contact", "Rachel Ambrose, rachel.ambrose@example.nhs.test"),
    ("Status", "Being implemented"),
    ("Date commenced", "07/09/2026"),
    ("Summary", "One specification for memory assessment agreed by the council and the ICB."),
]


def iphone_submission_inline_docx() -> bytes:
    """iOS Mail: text, the document marked *inline* (not attachment), then the signature part."""
    attachment = b64(make_docx(COMMISSIONING_ITEM))
    return crlf(f"""Content-Type: multipart/mixed; boundary=Apple-Mail-8C2F5A1E-7B3D-4E6F-9A0B-1C2D3E4F5A6B
Content-Transfer-Encoding: 7bit
From: Rachel Ambrose <rachel.ambrose@example.nhs.test>
Mime-Version: 1.0 (1.0)
Date: Fri, 25 Sep 2026 07:41:12 +0100
Subject: Commissioning template
Message-Id: <6E1F2A3B-4C5D-4E6F-8A9B-0C1D2E3F4A5B@example.nhs.test>
To: mln@example.org
X-Mailer: iPhone Mail (21G93)


--Apple-Mail-8C2F5A1E-7B3D-4E6F-9A0B-1C2D3E4F5A6B
Content-Type: text/plain;
	charset=us-ascii
Content-Transfer-Encoding: 7bit

Here is ours for this round

--Apple-Mail-8C2F5A1E-7B3D-4E6F-9A0B-1C2D3E4F5A6B
Content-Type: {DOCX_TYPE};
	name="Memory services commissioning.docx"
Content-Disposition: inline;
	filename="Memory services commissioning.docx"
Content-Transfer-Encoding: base64

{attachment}
--Apple-Mail-8C2F5A1E-7B3D-4E6F-9A0B-1C2D3E4F5A6B
Content-Type: text/plain;
	charset=us-ascii
Content-Transfer-Encoding: 7bit



Sent from my iPhone
--Apple-Mail-8C2F5A1E-7B3D-4E6F-9A0B-1C2D3E4F5A6B--
""")


def html_only_submission() -> bytes:
    """Outlook on the web sending HTML only: the form typed as bold labels in paragraphs."""
    paragraphs = "\n".join(f"<p><b>{label}:</b> {value}</p>" for label, value in WORKFORCE_ITEM)
    return crlf(f"""From: Helen Okafor <helen.okafor@example.nhs.test>
To: MLN Bulletin <mln@example.org>
Subject: Rotational posts - improvement plan
Date: Sat, 26 Sep 2026 10:02:33 +0000
Message-ID: <LO2P265MB5012A8E1C3D2F4B5A6C7D8E9F0A1@LO2P265MB5012.GBRP265.PROD.example.net>
Content-Language: en-GB
X-MS-Has-Attach:
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: 7bit
MIME-Version: 1.0

<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<style type="text/css" style="display:none;"> P {{margin-top:0;margin-bottom:0;}} </style>
</head><body dir="ltr"><div style="font-family: Aptos, Calibri, Helvetica, sans-serif; font-size: 12pt;">
<p>Hi, I could not open the attachment so have typed it here.</p>
{paragraphs}
<p>Helen</p>
</div></body></html>
""")


def exchange_ndr() -> bytes:
    """Exchange Online non-delivery report to our VERP address, the original message returned whole."""
    return crlf("""Return-Path: <>
Delivered-To: bulletin+bounce-Ex5Ndr0.aa11@example.org
From: Microsoft Outlook <postmaster@example-trust.example.net>
To: <bulletin+bounce-Ex5Ndr0.aa11@example.org>
Date: Tue, 1 Sep 2026 08:00:58 +0000
Content-Type: multipart/report; report-type=delivery-status;
	boundary="a1b2c3d4-e5f6-4a5b-8c9d-0e1f2a3b4c5d"
X-MS-Exchange-Message-Is-Ndr:
Content-Language: en-GB
Message-ID: <0f9e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f@example-trust.example.net>
In-Reply-To: <bulletin-2026-09.31@example.org>
References: <bulletin-2026-09.31@example.org>
Subject: Undeliverable: MLN Bulletin - September 2026
Auto-Submitted: auto-replied
MIME-Version: 1.0

--a1b2c3d4-e5f6-4a5b-8c9d-0e1f2a3b4c5d
Content-Type: multipart/alternative;
	boundary="f5e4d3c2-b1a0-4f9e-8d7c-6b5a4f3e2d1c"

--f5e4d3c2-b1a0-4f9e-8d7c-6b5a4f3e2d1c
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

Your message to l.hartley@example-trust.example.net couldn't be delivered.
l.hartley wasn't found at example-trust.example.net.

Action Required                                                  Recipient
Unknown To address

How to Fix It
The address may be misspelled or may not exist.

--f5e4d3c2-b1a0-4f9e-8d7c-6b5a4f3e2d1c
Content-Type: text/html; charset="us-ascii"
Content-Transfer-Encoding: quoted-printable

<html><body><p>Your message to <b>l.hartley@example-trust.example.net</b> c=
ouldn't be delivered.</p><p>l.hartley wasn't found at example-trust.example=
.net.</p></body></html>

--f5e4d3c2-b1a0-4f9e-8d7c-6b5a4f3e2d1c--

--a1b2c3d4-e5f6-4a5b-8c9d-0e1f2a3b4c5d
Content-Type: message/delivery-status

Reporting-MTA: dns;LO4P265MB3311.GBRP265.PROD.example.net
Received-From-MTA: dns;mx1.example.org
Arrival-Date: Tue, 1 Sep 2026 08:00:57 +0000

Final-Recipient: rfc822;l.hartley@example-trust.example.net
Action: failed
Status: 5.1.10
Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup

--a1b2c3d4-e5f6-4a5b-8c9d-0e1f2a3b4c5d
Content-Type: message/rfc822

Return-Path: <bulletin+bounce-Ex5Ndr0.aa11@example.org>
From: MLN Bulletin <bulletin@example.org>
To: l.hartley@example-trust.example.net
Subject: MLN Bulletin - September 2026
Date: Tue, 01 Sep 2026 09:00:40 +0100
Message-ID: <bulletin-2026-09.31@example.org>
Precedence: bulk
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"

MLN Bulletin - September 2026

--a1b2c3d4-e5f6-4a5b-8c9d-0e1f2a3b4c5d--
""")


def read_receipt() -> bytes:
    """An Outlook read receipt (RFC 8098 MDN): automatic, but Outlook adds no Auto-Submitted."""
    return crlf("""From: Tom Heslop <tom.heslop@example.nhs.test>
To: MLN Bulletin <bulletin@example.org>
Subject: Read: MLN Bulletin - September 2026
Date: Tue, 1 Sep 2026 10:15:02 +0000
Message-ID: <AS8PR03MB9021MDN7F3A@AS8PR03MB9021.eurprd03.prod.example.net>
Content-Language: en-GB
Content-Type: multipart/report; report-type=disposition-notification;
	boundary="_mdn_AS8PR03MB9021_"
MIME-Version: 1.0

--_mdn_AS8PR03MB9021_
Content-Type: text/plain; charset="us-ascii"

Your message

  To: Tom Heslop
  Subject: MLN Bulletin - September 2026
  Sent: Tuesday, September 1, 2026 8:00:40 AM (UTC+00:00) Dublin, Edinburgh, Lisbon, London

was read on Tuesday, September 1, 2026 10:15:01 AM (UTC+00:00) Dublin, Edinburgh, Lisbon, London.

--_mdn_AS8PR03MB9021_
Content-Type: message/disposition-notification

Reporting-UA: AS8PR03MB9021.eurprd03.prod.example.net; Microsoft Outlook 16.0
Final-Recipient: rfc822;tom.heslop@example.nhs.test
Original-Message-ID: <bulletin-2026-09.3@example.org>
Disposition: manual-action/MDN-sent-manually; displayed

--_mdn_AS8PR03MB9021_--
""")


def wrong_charset() -> bytes:
    """Declares UTF-8 but the body is ISO-8859-1 bytes, and the subject is raw 8-bit: both happen."""
    head = b"\r\n".join(
        [
            b"From: Bernadette Walsh <b.walsh@example.org>",
            b"To: mln@example.org",
            "Subject: Bulletin \u2013 please add our caf\u00e9".encode("utf-8"),
            b"Date: Sun, 27 Sep 2026 19:20:00 +0100",
            b"Message-ID: <wrong-charset-1@example.org>",
            b"MIME-Version: 1.0",
            b'Content-Type: text/plain; charset="utf-8"',
            b"Content-Transfer-Encoding: 8bit",
            b"",
            b"",
        ]
    )
    body = "Hello,\r\n\r\nplease add us to the bulletin. Our caf\u00e9 charges \u00a32 a visit.\r\n".encode("latin-1")
    return head + body


# --- our own bounce samples (tests/messages/bounces/ours-*.eml) -------------------------------


def bounce_verp_only_in_returned_headers() -> bytes:
    """Delivered to the shared mailbox (not via the VERP address): the token is only inside the DSN."""
    return postfix_dsn(
        "j.bloggs@example.nhs.test",
        "5.2.1",
        "failed",
        "550 5.2.1 <j.bloggs@example.nhs.test>: Mailbox disabled",
        to_header="mln@example.org",
        queue_id="7C1D2E3F40",
        token="Jb0x1D2e.77aa",
    )


def bounce_delayed() -> bytes:
    return postfix_dsn(
        "busy.person@example.nhs.test",
        "4.2.2",
        "delayed",
        "452 4.2.2 <busy.person@example.nhs.test>: Mailbox full",
        to_header="bulletin+bounce-Bz9Mf4Qa.1c2d@example.org",
        queue_id="8D2E3F4051",
        token="Bz9Mf4Qa.1c2d",
        text="This is the mail system at host mx1.example.org.\n\n"
        "####################################################################\n"
        "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
        "####################################################################\n\n"
        "Your message could not be delivered for more than 4 hour(s).\n"
        "It will be retried until it is 5 day(s) old.",
    )


def bounce_no_verp() -> bytes:
    """A DSN for mail we did not send with VERP (e.g. a reply): only flufl.bounce can help."""
    message = postfix_dsn(
        "gone@example.nhs.test",
        "5.1.1",
        "failed",
        "550 5.1.1 <gone@example.nhs.test>: Recipient address rejected: User unknown",
        to_header="mln@example.org",
        queue_id="9E3F405162",
    )
    return message.replace(f"bulletin+bounce-{BOUNCE_TOKEN}@example.org".encode(), b"mln@example.org")


def bounce_qmail_plain_text() -> bytes:
    """qmail: no DSN at all; the returned message, VERP Return-Path included, is quoted as text."""
    return crlf("""Return-Path: <>
Delivered-To: mln@example.org
Received: (qmail 21544 invoked for bounce); 1 Sep 2026 08:03:10 -0000
Date: 1 Sep 2026 08:03:10 -0000
From: MAILER-DAEMON@mail.example.net
To: mln@example.org
Subject: failure notice
Message-ID: <qmail-bounce-21544@mail.example.net>

Hi. This is the qmail-send program at mail.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<c.baines@example.net>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

Return-Path: <bulletin+bounce-Qm4Tz8Lp.9e0f@example.org>
Received: (qmail 21540 invoked from network); 1 Sep 2026 08:03:09 -0000
From: MLN Bulletin <bulletin@example.org>
To: c.baines@example.net
Subject: MLN Bulletin - September 2026
Message-ID: <bulletin-2026-09.44@example.org>
Precedence: bulk

MLN Bulletin - September 2026
""")


SAMPLES = {
    "outlook-submission-docx.eml": outlook_submission_docx,
    "gmail-submission-xlsx.eml": gmail_submission_xlsx,
    "apple-mail-submission-body.eml": apple_mail_submission_body,
    "forwarded-submission.eml": forwarded_submission,
    "csv-submission.eml": csv_submission,
    "template-request.eml": template_request,
    "subscribe-request.eml": subscribe_request,
    "subscribe-reply-to-bulletin.eml": subscribe_reply_to_bulletin,
    "unsubscribe-request.eml": unsubscribe_request,
    "confirm-reply.eml": confirm_reply,
    "dsn-bounce.eml": dsn_bounce,
    "out-of-office.eml": out_of_office,
    "list-mail.eml": list_mail,
    "non-ascii.eml": non_ascii,
    "malformed-boundary.eml": malformed_boundary,
    "missing-headers.eml": missing_headers,
    "empty-body.eml": empty_body,
    "iphone-submission-inline-docx.eml": iphone_submission_inline_docx,
    "html-only-submission.eml": html_only_submission,
    "exchange-ndr.eml": exchange_ndr,
    "read-receipt.eml": read_receipt,
    "wrong-charset.eml": wrong_charset,
    **CORPUS,
    **ANSWERS_CORPUS,
}
OWN_BOUNCES = {
    "ours-postfix-verp-in-returned-headers.eml": bounce_verp_only_in_returned_headers,
    "ours-postfix-delayed.eml": bounce_delayed,
    "ours-postfix-no-verp.eml": bounce_no_verp,
    "ours-qmail-verp-in-quoted-text.eml": bounce_qmail_plain_text,
}


def main() -> None:
    for name, build in SAMPLES.items():
        (HERE / name).write_bytes(build())
    BOUNCES.mkdir(exist_ok=True)
    for name, build in OWN_BOUNCES.items():
        (BOUNCES / name).write_bytes(build())


if __name__ == "__main__":
    main()
