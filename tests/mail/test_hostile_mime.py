"""parse_mail on generated broken and hostile MIME (tests/messages/hostile.py): never an unhandled exception."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from pipeline.mail import IncomingMail, parse_mail

_SPEC = importlib.util.spec_from_file_location(
    "hostile", Path(__file__).resolve().parents[1] / "messages" / "hostile.py"
)
hostile = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(hostile)


@pytest.mark.parametrize("name", sorted(hostile.SMALL))
def test_parse_mail_survives(name):
    raw = hostile.SMALL[name]()
    mail = parse_mail(raw)
    assert isinstance(mail, IncomingMail)
    assert mail.raw == raw


def test_ten_thousand_headers_are_all_kept():
    mail = parse_mail(hostile.many_headers())
    assert mail.header("x-filler-9999") == "value 9999"
    assert mail.subject == "many-headers"


def test_zero_byte_attachment_is_listed_with_no_bytes():
    mail = parse_mail(hostile.attachment("zero", 0))
    assert [(a.filename, a.data) for a in mail.attachments] == [("template.docx", b"")]


def test_nested_multipart_reaches_the_bottom_text():
    assert "bottom" in parse_mail(hostile.nested_multipart(100)).text


@pytest.mark.slow
def test_fifty_megabyte_attachment_is_read_whole():
    mail = parse_mail(hostile.LARGE["attachment-50mb"]())
    assert [len(a.data) for a in mail.attachments] == [50 * 1024 * 1024]


@pytest.mark.slow
def test_thousand_level_nesting_does_not_raise():
    assert isinstance(parse_mail(hostile.LARGE["nested-1000"]()), IncomingMail)
