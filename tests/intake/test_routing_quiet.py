"""The poll routes without writing each condition's reason (route(..., explain=False)); the decision must be the same."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pipeline.config import REPO_ROOT
from pipeline.intake.rule_files import load_rules
from pipeline.intake.rules import Condition, route
from pipeline.mail import parse_mail

MESSAGES = Path(__file__).parents[1] / "messages"
SAMPLES = sorted(MESSAGES.rglob("*.eml"))
RULES = load_rules(REPO_ROOT / "inbox_rules")


def _decision(routing):  # type: ignore[no-untyped-def]
    return routing.rule.name, routing.flags, routing.options, routing.hits()


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_routing_without_reasons_decides_the_same(path):
    mail = parse_mail(path.read_bytes())
    explained, quiet = route(RULES, mail), route(RULES, mail, explain=False)
    assert _decision(quiet) == _decision(explained)
    assert all(not t.reasons for t in quiet.traces)


@pytest.mark.parametrize("negate", [False, True])
def test_every_condition_holds_exactly_when_its_test_says_so(negate):
    conditions = [
        Condition(field, patterns, match, header, negate)
        for field, patterns, match, header in [
            ("from", ("*@example.nhs.test",), "glob", ""),
            ("to", ("mln@",), "contains", ""),
            ("subject", ("^re:",), "regex", ""),
            ("body", ("template",), "contains", ""),
            ("body_start", ("file no",), "contains", ""),
            ("cc", ("x@y",), "equals", ""),
            ("header", ("auto*",), "glob", "auto-submitted"),
            ("has_attachment", ("docx", ".xlsx"), "contains", ""),
            ("attachment_type", ("application/*",), "contains", ""),
            ("auto_submitted", (True,), "contains", ""),
            ("looks_like_bounce", (False,), "contains", ""),
        ]
    ]
    rule_all = dataclasses.replace(RULES[0], all=tuple(conditions), any=())
    rule_any = dataclasses.replace(RULES[0], all=(), any=tuple(conditions))
    for path in SAMPLES:
        mail = parse_mail(path.read_bytes())
        for condition in conditions:
            assert condition.holds(mail) == condition.test(mail)[0], (path.name, condition)
        for rule in (rule_all, rule_any):
            assert rule.matches(mail, explain=False)[0] == rule.matches(mail)[0], path.name
