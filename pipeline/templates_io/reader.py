"""One entry point per source: an attachment (`read_forms`) or a message body (`read_text_forms`)."""

from __future__ import annotations

import functools
import struct
import zipfile
import zlib
from collections.abc import Sequence

from defusedxml import DefusedXmlException

from pipeline.config import LimitSettings
from pipeline.errors import BlankForm, Damaged, TemplateError, UnsafeXml, Unsupported
from pipeline.templates_io import read_docx, read_odf, read_pdf, read_sheets
from pipeline.templates_io.extract import FormCollector, RawForm, feed_lines, feed_table, guidance_only
from pipeline.templates_io.html_text import html_to_form_text
from pipeline.templates_io.safety import RESEND, check_file
from pipeline.templates_io.unpack import container_kind, unpack


def read_forms(filename: str, content_type: str, data: bytes, limits: LimitSettings) -> list[RawForm]:
    """Every completed form in one attachment; [] when it holds none (a logo, a letter).

    Raises a TemplateError subclass, with a sentence for the sender, when the
    file is unsafe, damaged, encrypted, of an old format or not what its name says.
    """
    kind = container_kind(filename, content_type, data)
    if kind is not None:
        return _read_container(filename, kind, data, limits)
    try:
        return _read(filename, data, limits)
    except DefusedXmlException:
        raise UnsafeXml(
            f"{filename} contains XML with entity or document type declarations, which forms never have, so we "
            "did not read it. Please save the form again from Word, Excel or LibreOffice and send it again."
        ) from None
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        KeyError,
        ValueError,
        struct.error,
        NotImplementedError,
        UnicodeError,
        SyntaxError,
    ):
        # A damaged part inside a file that looked whole: bad CRC, broken deflate stream, missing part.
        raise Damaged(
            f"{filename} is damaged and cannot be read. Please save the form again and re-attach it."
        ) from None


def _read(filename: str, data: bytes, limits: LimitSettings) -> list[RawForm]:
    checked = check_file(filename, data, limits)
    if checked is None:
        return []
    collector = FormCollector(filename or "attachment")
    if checked.kind in ("docx", "odt", "ods"):
        assert checked.zip is not None  # check_file opened and checked the zip of every Office/ODF file
        reader = read_docx if checked.kind == "docx" else read_odf
        _feed_blocks(collector, reader.read_blocks(checked.zip, filename))
    elif checked.kind == "xlsx":
        for table in read_sheets.xlsx_tables(data, filename):
            feed_table(collector, table)
            collector.new_form()
    elif checked.kind == "csv":
        feed_table(collector, read_sheets.csv_table(data, filename))
    elif checked.kind == "pdf":
        feed_table(collector, read_pdf.pdf_rows(data, filename))
    else:
        feed_lines(collector, read_sheets.decode_text(data).splitlines())
    forms = collector.results(min_filled=0, macros=checked.macros)
    filled = [form for form in forms if any(form.fields.values()) and not guidance_only(form)]
    if forms and not filled:
        raise BlankForm(
            f"The form in {filename} is blank: nothing was filled in. Please fill in the right-hand column and send it again."
        )
    return filled


def _read_container(filename: str, kind: str, data: bytes, limits: LimitSettings) -> list[RawForm]:
    """The forms in every file inside a winmail.dat or a zip; if none holds one, why not (for the sender)."""
    forms: list[RawForm] = []
    errors: list[TemplateError] = []
    for inner in unpack(filename, kind, data, limits):
        if container_kind(inner.filename, "", inner.data) is not None:
            errors.append(Unsupported(f"{inner.filename} inside {filename} is itself an archive; {RESEND}"))
            continue
        try:
            found = read_forms(inner.filename, "", inner.data, limits)
        except TemplateError as exc:
            errors.append(exc)
            continue
        for form in found:
            form.source = f"{inner.filename} (in {filename})"[:500]
        forms.extend(found)
    if forms or not errors:
        return forms
    if len(errors) == 1:
        raise errors[0]
    raise type(errors[0])(" ".join(str(e) for e in errors[:5]))


def read_text_forms(text: str, source: str = "message body") -> list[RawForm]:
    """Forms typed into an email body ("Label: value" lines), quoted or not. Needs two filled fields."""
    collector = FormCollector(source)
    feed_lines(collector, (text or "").splitlines())
    return collector.results(min_filled=2)


def read_body_forms(text: str, html: str) -> list[RawForm]:
    """Forms typed in a message: its plain-text part, else its HTML part laid out as lines and cells."""
    return read_text_forms(text) or (read_text_forms(html_to_form_text(html)) if html else [])


@functools.lru_cache(maxsize=64)
def has_body_form(text: str, html: str) -> bool:
    """Whether the body holds a completed form: asked by more than one inbox rule of the same message."""
    return bool(read_body_forms(text, html))


def _feed_blocks(collector: FormCollector, blocks: Sequence[tuple[str, object]]) -> None:
    lines: list[str] = []
    for kind, value in blocks:
        if kind == "para":
            lines.extend(str(value).split("\n"))
            continue
        if lines:
            feed_lines(collector, lines)
            lines = []
        feed_table(collector, value)  # type: ignore[arg-type]
    if lines:
        feed_lines(collector, lines)
