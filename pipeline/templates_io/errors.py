"""Why a file could not be read as a form. Each message is a plain sentence for the sender."""
from __future__ import annotations

from pipeline.errors import TemplateError


class EmptyFile(TemplateError):
    """The attachment has no content."""


class TooLarge(TemplateError):
    """The attachment is over the size limit."""


class UnsafeArchive(TemplateError):
    """An Office/ODF zip whose entry count, size or compression ratio is beyond the limits (a zip bomb)."""


class UnsafeXml(TemplateError):
    """An XML part declares a DTD or entities, which forms never need."""


class Encrypted(TemplateError):
    """The file is protected with a password."""


class Damaged(TemplateError):
    """The file is truncated or corrupt."""


class WrongContent(TemplateError):
    """The file's content does not match its name (a .docx that is really a PDF)."""


class LegacyFormat(TemplateError):
    """An old .doc or .xls file: we ask for .docx or .xlsx."""


class Unsupported(TemplateError):
    """A kind of file we cannot read forms from (PDF, RTF ...)."""


class BlankForm(TemplateError):
    """The form was recognised but nothing was filled in."""
