"""Inbox rules: an ordered list read from `inbox_rules/*.toml`, matched against a message.

Routing is data. Files are read in name order, rules in file order. The first
matching rule that stops (the default) decides the handler and the mailbox
action. A matching rule with `stop = false` adds its flags and options and lets
later rules see the message too. Every decision records which rules matched and
why, so `mln rules explain` can show it.

A rule:

    [[rule]]
    name = "bounces"
    description = "Delivery failures from mail servers"
    handler = "bounce"                 # see KNOWN_HANDLERS below
    move_to = "Processed/Bounces"      # default: mailbox.processed_folder
    any = [ { looks_like_bounce = true }, { to = "*+bounce-*", match = "glob" } ]

Conditions (in `all = [...]`, every one must match; in `any = [...]`, one must):
    from, to, cc, subject, body, body_start  text; match = contains (default) | glob | regex | equals
    header = "Name", value = "..."            any header's decoded value (match as above)
    has_attachment = ["docx", "xlsx"]          by file extension
    attachment_type = ["application/pdf"]      by MIME type (glob allowed)
    auto_submitted = true                      RFC 3834 and friends (pipeline.mail)
    looks_like_bounce = true                   DSN or mailer-daemon sender
    delivery_report = true                     RFC 3464 report, or one flufl.bounce recognises (any subject)
    feedback_report = true                     ARF spam complaint (RFC 5965)
    body_form = true                           a reporting template filled in the body (any of its labels)
Any condition may add `not = true`. Text matching is case-insensitive, on decoded text.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

from pipeline.intake.bounces import is_delivery_report
from pipeline.intake.complaints import is_feedback_report
from pipeline.mail import IncomingMail, body_start
from pipeline.templates_io import has_body_form

# The handlers a rule may name (each registered in pipeline/intake/handlers/).
KNOWN_HANDLERS = (
    "submission",
    "subscribe",
    "unsubscribe",
    "confirm",
    "bounce",
    "complaint",
    "template_request",
    "share_consent",
    "unrecognised",
    "ignore",
    "hold",
)

TEXT_FIELDS = ("from", "to", "cc", "subject", "body", "body_start")
BOOL_FIELDS = ("auto_submitted", "looks_like_bounce", "delivery_report", "feedback_report", "body_form")
LIST_FIELDS = ("has_attachment", "attachment_type")
CONDITION_FIELDS = TEXT_FIELDS + BOOL_FIELDS + LIST_FIELDS + ("header",)
MATCH_KINDS = ("contains", "glob", "regex", "equals")
RULE_KEYS = {
    "name",
    "description",
    "handler",
    "stop",
    "all",
    "any",
    "move_to",
    "keep_in_inbox",
    "flag",
    "mark_seen",
    "options",
}


@dataclass(frozen=True)
class Condition:
    field: str
    patterns: tuple[Any, ...]
    match: str = "contains"
    header: str = ""
    negate: bool = False

    def holds(self, mail: IncomingMail) -> bool:
        """Whether the condition holds for `mail` (test() without the words, for routing every message)."""
        return self._hit(mail) != self.negate

    def _hit(self, mail: IncomingMail) -> bool:
        if self.field in BOOL_FIELDS:
            value = _bool_value(self.field, mail)
            return value == self.patterns[0]
        if self.field == "has_attachment":
            exts = {a.extension for a in mail.attachments}
            return bool(exts & {str(p).lower().lstrip(".") for p in self.patterns})
        if self.field == "attachment_type":
            types = [a.content_type for a in mail.attachments]
            return any(fnmatch.fnmatch(t, str(p).lower()) for t in types for p in self.patterns)
        values = _text_values(mail, self.field, self.header)
        return any(_text_match(self.match, str(p), v) for p in self.patterns for v in values)

    def test(self, mail: IncomingMail) -> tuple[bool, str]:
        """Whether the condition holds for `mail`, and a short reason in words."""
        hit, seen = self._hit(mail), self._seen(mail)
        label = f"{self.header} header" if self.field == "header" else self.field.replace("_", " ")
        wanted = " or ".join(repr(p) for p in self.patterns)
        verb = "is" if self.field in BOOL_FIELDS else f"{self.match}"
        outcome = hit != self.negate
        prefix = "not " if self.negate else ""
        return outcome, f"{prefix}{label} {verb} {wanted}: {'yes' if hit else 'no'} ({seen})"

    def _seen(self, mail: IncomingMail) -> str:
        """What the condition looked at, in words."""
        if self.field in BOOL_FIELDS:
            value = _bool_value(self.field, mail)
            return f"it is {str(value).lower()}"
        if self.field == "has_attachment":
            return f"attachments: {sorted({a.extension for a in mail.attachments}) or 'none'}"
        if self.field == "attachment_type":
            return f"attachment types: {[a.content_type for a in mail.attachments] or 'none'}"
        shown = "; ".join(_short(v) for v in _text_values(mail, self.field, self.header)) or "empty"
        return f"was {shown}"


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    file: str
    line: int
    handler: str | None
    stop: bool = True
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()
    move_to: str = ""
    keep_in_inbox: bool = False
    flags: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)

    def matches(self, mail: IncomingMail, explain: bool = True) -> tuple[bool, list[str]]:
        """Whether the rule matches, and (with explain) every condition's reason in words."""
        if not explain:
            # Same answer as below (conditions have no side effects), without the words.
            return all(c.holds(mail) for c in self.all) and (not self.any or any(c.holds(mail) for c in self.any)), []
        reasons: list[str] = []
        all_ok = True
        for cond in self.all:
            ok, why = cond.test(mail)
            reasons.append(why)
            all_ok = all_ok and ok
        any_ok = not self.any
        for cond in self.any:
            ok, why = cond.test(mail)
            reasons.append(why)
            any_ok = any_ok or ok
        if not self.all and not self.any:
            reasons.append("no conditions: matches every message")
        return all_ok and any_ok, reasons


@dataclass(frozen=True)
class RuleTrace:
    rule: Rule
    matched: bool
    reasons: list[str]
    decided: bool = False


@dataclass(frozen=True)
class Routing:
    """The result of walking the rules for one message."""

    rule: Rule
    traces: list[RuleTrace]
    flags: tuple[str, ...]
    options: dict[str, Any]

    @property
    def handler(self) -> str:
        return self.rule.handler or "hold"

    def hits(self) -> list[dict[str, Any]]:
        """For the message record: every rule consulted, whether it matched, and which decided."""
        return [{"rule": t.rule.name, "matched": t.matched, "decided": t.decided} for t in self.traces]


FALLBACK_RULE = Rule(
    name="(no rule matched)",
    description="Nothing matched; kept for a person.",
    file="",
    line=0,
    handler="hold",
    options={"reason": "no inbox rule matched this message"},
)


def route(rules: list[Rule], mail: IncomingMail, explain: bool = True) -> Routing:
    """Walk the rules in order; the first matching rule that stops decides.

    explain=False leaves each trace's reasons empty: the poll records only which rules
    matched and decided, and writing every condition's reason for every message was most
    of routing's cost. `mln rules explain` keeps them.
    """
    traces: list[RuleTrace] = []
    flags: list[str] = []
    options: dict[str, Any] = {}
    for rule in rules:
        matched, reasons = rule.matches(mail, explain)
        decided = matched and rule.stop
        traces.append(RuleTrace(rule, matched, reasons, decided))
        if not matched:
            continue
        flags.extend(f for f in rule.flags if f not in flags)
        if decided:
            return Routing(rule, traces, tuple(flags), {**options, **rule.options})
        options.update(rule.options)
    return Routing(FALLBACK_RULE, traces, tuple(flags), {**options, **FALLBACK_RULE.options})


# ---- loading -----------------------------------------------------------------------------


def _bool_value(name: str, mail: IncomingMail) -> bool:
    if name == "delivery_report":
        return is_delivery_report(mail)
    if name == "feedback_report":
        return is_feedback_report(mail)
    if name == "body_form":
        return has_body_form(mail.text, mail.html)
    return mail.is_auto_submitted if name == "auto_submitted" else mail.looks_like_bounce


def _text_values(mail: IncomingMail, name: str, header: str) -> list[str]:
    if name == "from":
        # The bare address (for globs like *@example.org) and the display form (for names).
        return [mail.from_addr, f"{mail.from_name} <{mail.from_addr}>"] if mail.from_name else [mail.from_addr]
    if name == "to":
        return list(mail.to) + mail.headers.get("delivered-to", []) + mail.headers.get("x-original-to", [])
    if name == "cc":
        return list(mail.cc)
    if name == "subject":
        return [mail.subject]
    if name == "body":
        return [mail.text]
    if name == "body_start":
        return [body_start(mail.text)]
    return mail.headers.get(header.lower(), [])


def _text_match(kind: str, pattern: str, value: str) -> bool:
    if kind == "contains":
        return pattern.casefold() in value.casefold()
    if kind == "equals":
        return pattern.casefold() == value.strip().casefold()
    if kind == "glob":
        return fnmatch.fnmatchcase(value.casefold(), pattern.casefold())
    return re.search(pattern, value, re.IGNORECASE | re.MULTILINE) is not None


def _short(value: str, limit: int = 60) -> str:
    value = " ".join(value.split())
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")
