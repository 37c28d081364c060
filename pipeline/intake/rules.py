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
Any condition may add `not = true`. Text matching is case-insensitive, on decoded text.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import RulesError
from pipeline.mail import IncomingMail, body_start

# The handlers a rule may name (each registered in pipeline/intake/handlers/).
KNOWN_HANDLERS = (
    "submission",
    "subscribe",
    "unsubscribe",
    "confirm",
    "bounce",
    "template_request",
    "share_consent",
    "ignore",
    "hold",
)

TEXT_FIELDS = ("from", "to", "cc", "subject", "body", "body_start")
BOOL_FIELDS = ("auto_submitted", "looks_like_bounce")
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
            value = mail.is_auto_submitted if self.field == "auto_submitted" else mail.looks_like_bounce
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
            value = mail.is_auto_submitted if self.field == "auto_submitted" else mail.looks_like_bounce
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


def rule_files(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.toml") if p.is_file())


def load_rules(directory: Path) -> list[Rule]:
    """Every rule in order. Raises RulesError listing every problem, each as FILE:LINE: what."""
    rules, problems = _load(Path(directory))
    if problems:
        raise RulesError("inbox rules have problems:\n  " + "\n  ".join(problems))
    return rules


def check_rules(directory: Path) -> tuple[list[Rule], list[str]]:
    """The rules that load, and the problems found (FILE:LINE: what), for `mln rules check`."""
    return _load(Path(directory))


def _load(directory: Path) -> tuple[list[Rule], list[str]]:
    if not directory.is_dir():
        return [], [f"{directory}: no such folder; set paths.rules_dir or run `mln init`"]
    rules: list[Rule] = []
    problems: list[str] = []
    names: dict[str, str] = {}
    for path in rule_files(directory):
        file_rules, file_problems = _load_file(path)
        problems += file_problems
        for rule in file_rules:
            where = f"{rule.file}:{rule.line}"
            if rule.name in names:
                problems.append(f"{where}: rule name {rule.name!r} is already used at {names[rule.name]}")
            names[rule.name] = where
            rules.append(rule)
    if not rules and not problems:
        problems.append(f"{directory}: no rules found (*.toml)")
    return rules, problems


def _load_file(path: Path) -> tuple[list[Rule], list[str]]:
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        return [], [f"{path}:{line.group(1) if line else 1}: not valid TOML: {exc}"]
    extra = set(data) - {"rule"}
    problems = [f"{path}:1: unknown top-level key {k!r}; rules go in [[rule]] tables" for k in sorted(extra)]
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        return [], problems + [f"{path}:1: 'rule' must be written as [[rule]] tables"]
    lines = _rule_header_lines(text)
    rules = []
    for index, entry in enumerate(entries):
        line_no = lines[index] if index < len(lines) else 1
        if not isinstance(entry, dict):
            problems.append(f"{path}:{line_no}: 'rule' must be written as [[rule]] tables")
            continue
        try:
            rules.append(_build_rule(entry, str(path), line_no))
        except ValueError as exc:
            problems.append(f"{path}:{line_no}: {exc}")
    return rules, problems


def _rule_header_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.strip().startswith("[[rule]]")]


def _build_rule(entry: dict[str, Any], file: str, line: int) -> Rule:
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError('every rule needs a name = "..."')
    unknown = set(entry) - RULE_KEYS
    if unknown:
        raise ValueError(f"rule {name!r}: unknown key {sorted(unknown)[0]!r} (known: {', '.join(sorted(RULE_KEYS))})")
    handler = entry.get("handler")
    stop = entry.get("stop", True)
    if not isinstance(stop, bool):
        raise ValueError(f"rule {name!r}: stop must be true or false")
    if stop and handler is None:
        raise ValueError(f"rule {name!r}: a rule that stops needs a handler (one of {', '.join(KNOWN_HANDLERS)})")
    if handler is not None and handler not in KNOWN_HANDLERS:
        raise ValueError(f"rule {name!r}: unknown handler {handler!r} (known: {', '.join(KNOWN_HANDLERS)})")
    if not stop and handler is not None:
        raise ValueError(f"rule {name!r}: a rule with stop = false only adds flags and options; remove its handler")
    flags = entry.get("flag", [])
    flags = [flags] if isinstance(flags, str) else flags
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        raise ValueError(f'rule {name!r}: flag must be a flag name or a list of them, e.g. flag = "\\\\Flagged"')
    flags = list(flags)
    if entry.get("mark_seen"):
        flags.append("\\Seen")
    options = entry.get("options", {})
    if not isinstance(options, dict):
        raise ValueError(f"rule {name!r}: options must be a table")
    return Rule(
        name=name.strip(),
        description=str(entry.get("description", "")),
        file=file,
        line=line,
        handler=handler,
        stop=stop,
        all=tuple(_build_condition(c, name) for c in _condition_list(entry, "all", name)),
        any=tuple(_build_condition(c, name) for c in _condition_list(entry, "any", name)),
        move_to=str(entry.get("move_to", "")),
        keep_in_inbox=bool(entry.get("keep_in_inbox", False)),
        flags=tuple(str(f) for f in flags),
        options=dict(options),
    )


def _condition_list(entry: dict[str, Any], key: str, name: str) -> list[dict[str, Any]]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
        raise ValueError(
            f'rule {name!r}: {key} must be a list of inline tables, e.g. {key} = [ {{ subject = "join" }} ]'
        )
    return value


def _build_condition(spec: dict[str, Any], rule_name: str) -> Condition:
    fields = [k for k in spec if k in CONDITION_FIELDS]
    if len(fields) != 1:
        raise ValueError(
            f"rule {rule_name!r}: each condition names exactly one of {', '.join(CONDITION_FIELDS)}; got {spec}"
        )
    name = fields[0]
    allowed = {name, "match", "not", "value"}
    extra = set(spec) - allowed
    if extra:
        raise ValueError(f"rule {rule_name!r}: condition on {name} has unknown key {sorted(extra)[0]!r}")
    match = spec.get("match", "contains")
    if match not in MATCH_KINDS:
        raise ValueError(f"rule {rule_name!r}: match must be one of {', '.join(MATCH_KINDS)}, not {match!r}")
    header = ""
    raw = spec[name]
    if name == "header":
        header, raw = str(raw), spec.get("value")
        if raw is None:
            raise ValueError(f'rule {rule_name!r}: a header condition needs value = "..."')
    if name in BOOL_FIELDS and not isinstance(raw, bool):
        raise ValueError(f"rule {rule_name!r}: {name} must be true or false")
    patterns = tuple(raw) if isinstance(raw, list) else (raw,)
    if match == "regex":
        for pattern in patterns:
            try:
                re.compile(str(pattern))
            except re.error as exc:
                raise ValueError(f"rule {rule_name!r}: bad regex {pattern!r}: {exc}") from None
    return Condition(field=name, patterns=patterns, match=match, header=header, negate=bool(spec.get("not", False)))


# ---- matching helpers -------------------------------------------------------------------


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
