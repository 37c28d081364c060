"""Damaged files of every kind get a TemplateError with a sentence for the sender, never another exception."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import LimitSettings
from pipeline.errors import TemplateError
from pipeline.templates_io.reader import read_forms, read_text_forms

SAMPLES = Path(__file__).resolve().parents[1] / "templates"
LIMITS = LimitSettings()
READABLE = [
    "template_filled.docx",
    "lo_template_filled.odt",
    "template_filled.xlsx",
    "lo_template_filled.ods",
    "field_value.csv",
]


def _read(name: str, data: bytes) -> None:
    try:
        read_forms(name, "", data, LIMITS)
    except TemplateError as exc:
        assert str(exc).strip(), "an empty message tells the sender nothing"


@pytest.mark.parametrize("name", READABLE)
def test_flipped_bytes_inside_a_real_file(name):
    original = (SAMPLES / name).read_bytes()
    rng = random.Random(name)
    for _ in range(60):
        data = bytearray(original)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        _read(name, bytes(data))


@pytest.mark.parametrize("name", READABLE)
def test_every_part_of_a_real_file_corrupted_in_turn(name):
    original = (SAMPLES / name).read_bytes()
    if not original.startswith(b"PK"):
        return
    source = zipfile.ZipFile(io.BytesIO(original))
    for victim in source.namelist():
        for body in (b"", b"<not xml", b"\x00\xff" * 50, b"<?xml version='1.0'?><root/>"):
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
                for info in source.infolist():
                    dest.writestr(info.filename, body if info.filename == victim else source.read(info))
            _read(name, out.getvalue())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.binary(max_size=3000),
    ext=st.sampled_from(["docx", "xlsx", "odt", "ods", "csv", "txt", "doc", "xls", "docm", "bin"]),
)
def test_random_bytes_with_any_extension(data, ext):
    _read(f"x.{ext}", data)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=2000))
def test_random_body_text(text):
    for form in read_text_forms(text):
        assert all(isinstance(v, str) for v in form.fields.values())
