"""The shipped inbox rules route each real-world sample to the handler its manifest names."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pipeline.config import REPO_ROOT
from pipeline.intake.rule_files import load_rules
from pipeline.intake.rules import route
from pipeline.mail import parse_mail

MESSAGES = Path(__file__).parents[1] / "messages"
MANIFEST = tomllib.loads((MESSAGES / "manifest.toml").read_text(encoding="utf-8"))["message"]
RULES = load_rules(REPO_ROOT / "inbox_rules")


@pytest.mark.parametrize("entry", MANIFEST, ids=[m["file"] for m in MANIFEST])
def test_default_rules_route_sample(entry):
    mail = parse_mail((MESSAGES / entry["file"]).read_bytes())
    routing = route(RULES, mail)
    explained = "\n".join(f"{t.rule.name}: {t.matched} {t.reasons}" for t in routing.traces)
    assert routing.handler == entry["handler"], f"{entry['why']}\n{explained}"


def test_every_decision_records_each_rule_consulted():
    mail = parse_mail((MESSAGES / "out-of-office.eml").read_bytes())
    routing = route(RULES, mail)
    hits = routing.hits()
    assert [h["rule"] for h in hits] == ["our-own-mail", "complaints", "bounces", "no-sender", "auto-replies"]
    assert [h["decided"] for h in hits] == [False, False, False, False, True]
