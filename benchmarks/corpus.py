"""Realistic submissions for the benchmarks, built the way tests/messages/make_samples.py builds them.

Every message is distinct (its own sender, Message-ID, title and File No-less
form), so no duplicate detection or per-sender reply limit short-cuts the work.
About 1 in 10 is a ~200 KB Outlook-style message whose .docx carries a photo;
the rest are ~5 KB: half with an .xlsx, half with the form typed in the body.
"""

from __future__ import annotations

import io
import random
import struct
import sys
import zlib
from dataclasses import dataclass

from pipeline.config import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tests" / "messages"))
import make_samples as ms  # noqa: E402  (tests/messages/make_samples.py: the realistic builders)

KINDS = ("docx", "xlsx", "body")


@dataclass(frozen=True)
class Sample:
    kind: str
    raw: bytes


def random_png(side: int, seed: int) -> bytes:
    """An RGB PNG of noise: incompressible, as a photo in a form is."""
    rng = random.Random(seed)
    rows = b"".join(b"\x00" + rng.randbytes(side * 3) for _ in range(side))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b"")


def form_rows(n: int) -> list[tuple[str, str]]:
    """The care-homes form with its own title, place and lead for message `n`."""
    rows = dict(ms.CARE_HOMES_ITEM)
    rows["Practice example / improvement / learning"] = f"In-reach training for care home staff, cohort {n}"
    rows["Location"] = f"Barnsley ward {n % 97}"
    rows["Lead contact"] = f"Lead {n}, lead{n}@example.nhs.test"
    return list(rows.items())


def docx_with_photo(rows: list[tuple[str, str]], seed: int, photo_side: int = 190) -> bytes:
    """A completed form with a photo of the session (python-docx), ~140 KB."""
    import docx
    from docx.shared import Cm

    document = docx.Document()
    document.add_heading("MLN reporting template", level=1)
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    document.add_paragraph("Photo from the first session:")
    document.add_picture(io.BytesIO(random_png(photo_side, seed)), width=Cm(8))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _headers(n: int, subject: str, content_type: str) -> str:
    return (
        f"From: Lead {n} <lead{n}@example.nhs.test>\nTo: mln@example.org\nSubject: {subject} {n}\n"
        f"Date: Mon, 14 Sep 2026 08:12:27 +0000\nMessage-ID: <bench-{n}@example.nhs.test>\n"
        f"MIME-Version: 1.0\nContent-Type: {content_type}\n"
    )


def _with_attachment(n: int, content_type: str, filename: str, data: bytes) -> bytes:
    boundary = f"bench-boundary-{n}"
    return ms.crlf(
        _headers(n, "Improvement plan - reporting template", f'multipart/mixed; boundary="{boundary}"')
        + f"""
--{boundary}
Content-Type: text/plain; charset="us-ascii"

Hello,

Please find attached our improvement plan for this period on the reporting template.

Kind regards,
Lead {n}

--{boundary}
Content-Type: {content_type}; name="{filename}"
Content-Disposition: attachment; filename="{filename}"
Content-Transfer-Encoding: base64

{ms.b64(data)}
--{boundary}--
"""
    )


def _body_form(n: int) -> bytes:
    rows = form_rows(n)
    # Real body forms are longer than the bare labels: people write in the boxes.
    rows = [
        (k, v + (" We met monthly and reviewed the data each time." * 24 if k in ("Summary", "Outcomes") else ""))
        for k, v in rows
    ]
    return ms.crlf(
        _headers(n, "Improvement plan", 'text/plain; charset="us-ascii"')
        + f"""
Hi all,

Our plan for this period is below, filled in here rather than the attachment.

{ms.qp_lines(rows)}

Thanks
Lead {n}
"""
    )


def make_message(n: int, kind: str) -> bytes:
    if kind == "docx":
        return _with_attachment(n, ms.DOCX_TYPE, f"MLN template {n}.docx", docx_with_photo(form_rows(n), seed=n))
    if kind == "xlsx":
        return _with_attachment(n, ms.XLSX_TYPE, f"MLN_template_{n}.xlsx", ms.make_xlsx(form_rows(n)))
    return _body_form(n)


def kind_of(n: int) -> str:
    """1 in 10 a big .docx; the rest alternate .xlsx and body forms."""
    if n % 10 == 0:
        return "docx"
    return "xlsx" if n % 2 else "body"


def submissions(count: int, start: int = 0) -> list[Sample]:
    return [Sample(kind_of(n), make_message(n, kind_of(n))) for n in range(start, start + count)]


def small_note(n: int) -> bytes:
    """A ~1 KB plain note (the idle-poll mailboxes)."""
    return ms.crlf(
        _headers(n, "Note", 'text/plain; charset="us-ascii"') + "\n" + ("Just a note about the meeting.\n" * 25)
    )
