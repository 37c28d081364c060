"""Property-based tests (hypothesis): hostile and broken input never raises an unhandled exception.

- The template parser (read_forms on every format, fed random bytes and damaged real
  forms; read_text_forms + validate_form on generated 'Label: value' bodies): a list
  of forms, each valid or with reasons, or a TemplateError with a sentence for the sender.
- The date parser: a date, blank, or DateProblem.
- The rule loader and matcher: generated rule files load or fail with RulesError naming
  the file; generated rules route generated messages to a known handler.
- The whole intake path: a generated message ends processed or held, never quarantined.

Example counts come from the hypothesis profile (tests/resilience/conftest.py):
`--hypothesis-profile thorough` for many more.
"""

from __future__ import annotations

import datetime as dt
import itertools
import string
import tomllib
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.config import LimitSettings, NetworkSettings
from pipeline.errors import MlnError, RulesError
from pipeline.intake.rule_files import load_rules
from pipeline.intake.rules import FALLBACK_RULE, KNOWN_HANDLERS, route
from pipeline.mail import parse_mail
from pipeline.templates_io.dates import DateProblem, parse_date, parse_date_pair
from pipeline.templates_io.fields import FIELDS
from pipeline.templates_io.reader import read_forms, read_text_forms
from pipeline.templates_io.validate import validate_form

TEMPLATES = Path(__file__).parents[1] / "templates"
REAL_FORMS = sorted(
    p
    for p in TEMPLATES.iterdir()
    if p.suffix in {".docx", ".xlsx", ".odt", ".ods", ".csv", ".txt", ".docm", ".xlsm"}
    and not p.name.startswith("hostile")
)
LIMITS = LimitSettings()
NETWORK = NetworkSettings()
EXTENSIONS = ["docx", "xlsx", "csv", "odt", "ods", "txt", "doc", "xls", "docm", "xlsm", "pdf", ""]


def _labels() -> list[str]:
    labels = []
    for f in FIELDS:
        labels.append(f.label)
        labels.extend(getattr(f, "aliases", ()) or ())
    return labels


LABELS = _labels()


# ---- the template parser ------------------------------------------------------------------


@given(ext=st.sampled_from(EXTENSIONS), data=st.binary(max_size=4096))
def test_read_forms_on_random_bytes(ext, data, tally):
    tally.add(inputs=1)
    _read_safely(f"form.{ext}", data)


def _read_safely(filename: str, data: bytes) -> None:
    try:
        forms = read_forms(filename, "", data, LIMITS)
    except MlnError as exc:  # TemplateError: a sentence for the sender
        assert str(exc).strip()
        return
    for raw in forms:
        form = validate_form(raw, NETWORK, today=dt.date(2026, 11, 24))
        assert form.ok or all(p.strip() for p in form.problems)


@st.composite
def damaged_form(draw):
    path = draw(st.sampled_from(REAL_FORMS))
    data = bytearray(path.read_bytes())
    how = draw(st.sampled_from(["flip", "truncate", "splice", "zero-run"]))
    if how == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif how == "splice":
        at = draw(st.integers(0, len(data)))
        data[at:at] = draw(st.binary(min_size=1, max_size=64))
    elif how == "zero-run":
        at = draw(st.integers(0, max(0, len(data) - 1)))
        data[at : at + draw(st.integers(1, 512))] = b"\0" * 16
    else:
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, max(0, len(data) - 1)))
            if data:
                data[at] ^= draw(st.integers(1, 255))
    ext = draw(st.sampled_from([path.suffix.lstrip("."), path.suffix.lstrip("."), *EXTENSIONS]))
    return f"{path.stem}.{ext}", bytes(data)


@given(case=damaged_form())
def test_read_forms_on_damaged_real_forms(case, tally):
    tally.add(inputs=1)
    _read_safely(*case)


text_value = st.text(st.characters(blacklist_categories=("Cs",)), max_size=120)


@st.composite
def form_body(draw):
    lines = []
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.sampled_from(["field", "field", "field", "noise", "quoted", "blank"]))
        if kind == "field":
            label = draw(st.sampled_from(LABELS))
            label = draw(st.sampled_from([label, label.upper(), label.lower(), f"  {label} ", f"{label}."]))
            lines.append(f"{label}{draw(st.sampled_from([':', ' :', ': ', ' - ', '']))}{draw(text_value)}")
        elif kind == "quoted":
            lines.append(f"> {draw(st.sampled_from(LABELS))}: {draw(text_value)}")
        elif kind == "noise":
            lines.append(draw(text_value))
        else:
            lines.append("")
    return "\n".join(lines)


@given(body=form_body())
def test_text_body_forms_are_valid_or_say_why(body, tally):
    tally.add(inputs=1)
    for raw in read_text_forms(body):
        form = validate_form(raw, NETWORK, today=dt.date(2026, 11, 24))
        assert form.ok or all(isinstance(p, str) and p.strip() for p in form.problems)


# ---- the date parser -----------------------------------------------------------------------

MONTH_WORDS = ["Jan", "January", "Feb", "Sept", "Sep", "June", "JJune", "Oct", "october", "Dec", "Mai", "Foo"]


@st.composite
def loose_date(draw):
    parts = st.one_of(
        st.integers(-5, 40).map(str),
        st.integers(0, 3000).map(str),
        st.sampled_from(MONTH_WORDS),
        st.sampled_from(["To commence", "to start", "planned", "by", "end of", "/", "-", ".", ",", "'"]),
        st.text(string.printable, max_size=6),
    )
    separator = st.sampled_from([" ", "/", "-", ".", "", "  "])
    return "".join(
        itertools.chain.from_iterable((draw(parts), draw(separator)) for _ in range(draw(st.integers(0, 5))))
    )


@given(text=st.one_of(loose_date(), st.text(max_size=40)))
def test_dates_parse_or_say_why(text, tally):
    tally.add(inputs=1)
    for parse in (parse_date, parse_date_pair):
        try:
            parse(text, today=dt.date(2026, 11, 24))
        except DateProblem as exc:
            assert str(exc).strip()


# ---- the rule loader and matcher -----------------------------------------------------------

FIELDS_TEXT = ["from", "to", "cc", "subject", "body", "body_start"]
HANDLERS = list(KNOWN_HANDLERS)
pattern = st.one_of(
    st.text(max_size=12), st.sampled_from(["*", "*@example.org", "join", "^re:", "(a|b)+", "[", "*+bounce-*", "\\b"])
)
toml_scalar = st.one_of(st.text(max_size=8), st.integers(-3, 3), st.booleans())


@st.composite
def condition(draw):
    if draw(st.integers(0, 9)) == 0:  # sometimes nonsense, to exercise the loader's errors
        return draw(
            st.dictionaries(st.sampled_from(["from", "match", "not", "value", "header", "x"]), toml_scalar, max_size=3)
        )
    kind = draw(st.sampled_from(["text", "text", "header", "bool", "attachment"]))
    if kind == "text":
        spec = {draw(st.sampled_from(FIELDS_TEXT)): draw(st.one_of(pattern, st.lists(pattern, max_size=3)))}
    elif kind == "header":
        spec = {
            "header": draw(st.sampled_from(["X-Mailer", "Auto-Submitted", "List-Id", "Precedence"])),
            "value": draw(pattern),
        }
    elif kind == "bool":
        spec = {draw(st.sampled_from(["auto_submitted", "looks_like_bounce"])): draw(st.booleans())}
    else:
        spec = {
            draw(st.sampled_from(["has_attachment", "attachment_type"])): draw(
                st.lists(st.sampled_from(["docx", "xlsx", "application/*", "text/plain"]), max_size=2)
            )
        }
    spec["match"] = draw(st.sampled_from(["contains", "glob", "regex", "equals", "contains"]))
    if draw(st.booleans()):
        spec["not"] = draw(st.booleans())
    return spec


@st.composite
def rule(draw, n):
    stop = draw(st.sampled_from([True, True, False]))
    entry = {"name": f"rule-{n}"}
    if stop:
        entry["handler"] = draw(st.sampled_from(HANDLERS))
    else:
        entry["stop"] = False
    entry["any" if draw(st.booleans()) else "all"] = draw(st.lists(condition(), max_size=3))
    if draw(st.booleans()):
        entry["move_to"] = draw(st.sampled_from(["Processed/X", "Elsewhere"]))
    if draw(st.integers(0, 5)) == 0:
        entry["flag"] = draw(st.one_of(st.just(["\\Flagged"]), toml_scalar))
    if draw(st.integers(0, 5)) == 0:
        entry["options"] = draw(st.one_of(st.just({"reason": "r"}), toml_scalar))
    return entry


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\U{ord(c):08x}" for c in value) + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{ " + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + " }"


def write_rules(folder: Path, rules: list[dict], tail: str = "") -> None:
    for old in folder.glob("*.toml"):
        old.unlink()
    text = "".join("[[rule]]\n" + "".join(f'"{k}" = {_toml(v)}\n' for k, v in r.items()) + "\n" for r in rules) + tail
    assert tomllib.loads(text) is not None
    (folder / "50-generated.toml").write_text(text, encoding="utf-8")


@st.composite
def message(draw):
    msg = EmailMessage(policy=SMTP)
    for name, value in [
        (
            "From",
            draw(
                st.sampled_from(["Ann <ann@example.org>", "", "mailer-daemon@example.net", "x"]) | st.text(max_size=30)
            ),
        ),
        ("To", draw(st.sampled_from(["mln@example.org", "bulletin+bounce-AB12@example.org", "", "a, b"]))),
        ("Subject", draw(st.text(max_size=40))),
        ("Auto-Submitted", draw(st.sampled_from(["", "auto-replied", "no"]))),
        ("Precedence", draw(st.sampled_from(["", "bulk", "list", "junk"]))),
    ]:
        if value:
            try:
                msg[name] = value
            except Exception:  # noqa: BLE001 - the email package's own header parser refuses some (IndexError too)
                pass
    msg.set_content(draw(st.text(max_size=300)))
    if draw(st.booleans()):
        msg.add_attachment(
            draw(st.binary(max_size=64)),
            maintype="application",
            subtype="octet-stream",
            filename=draw(st.sampled_from(["form.docx", "x.xlsx", "a.pdf", "noext"])),
        )
    return msg  # serialised in the test: the MIME boundary is drawn with `random`


@given(
    rules=st.lists(st.integers(0, 10**6).flatmap(lambda n: rule(n)), max_size=6),
    raw=message(),
    tail=st.sampled_from(
        ["", "rule = 1\n", "other = 1\n", "[[rule]]\nname = 5\n", '[[rule]]\nname = "x"\nhandler = "hold"\nall = 3\n']
    ),
)
def test_generated_rules_load_or_say_why_and_route_every_message(tmp_path_factory, rules, raw, tail, tally):
    tally.add(inputs=1)
    # unique names, as one file
    rules = [dict(r, name=f"rule-{i}") for i, r in enumerate(rules)]
    folder = tmp_path_factory.mktemp("rules")
    write_rules(folder, rules, tail)
    try:
        loaded = load_rules(folder)
    except RulesError as exc:
        assert "50-generated.toml:" in str(exc) or "no rules found" in str(exc)  # names the file and line
        return
    try:
        data = raw.as_bytes()
    except Exception:  # noqa: BLE001 - the email package cannot write every header it accepted
        data = b"From: x\r\n\r\nunwritable headers\r\n"
    routing = route(loaded, parse_mail(data))
    assert routing.handler in HANDLERS
    assert routing.rule in loaded or routing.rule is FALLBACK_RULE


# Found by the generated rules above: a number as a flag, or a bare value in a rule list,
# crashed the loader (TypeError / AttributeError) instead of naming the file and line.
@pytest.mark.parametrize(
    "text",
    [
        '[[rule]]\nname = "a"\nhandler = "hold"\nflag = 0\n',
        "rule = [1, 2]\n",
        '[[rule]]\nname = "a"\nhandler = "hold"\nflag = [1]\n',
    ],
)
def test_malformed_rule_values_are_rules_errors_with_file_and_line(tmp_path, text):
    (tmp_path / "50-bad.toml").write_text(text)

    with pytest.raises(RulesError, match=r"50-bad\.toml:\d+: "):
        load_rules(tmp_path)
