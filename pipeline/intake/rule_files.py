"""Reading inbox_rules/*.toml into Rules: every problem reported with its file and line."""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any

from pipeline.errors import RulesError
from pipeline.intake.rules import BOOL_FIELDS, CONDITION_FIELDS, KNOWN_HANDLERS, MATCH_KINDS, RULE_KEYS, Condition, Rule


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
        rule, rule_problems = _build_rule(entry, str(path), line_no)
        problems += [f"{path}:{line_no}: {p}" for p in rule_problems]
        if rule is not None:
            rules.append(rule)
    return rules, problems


def _rule_header_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.strip().startswith("[[rule]]")]


def _build_rule(entry: dict[str, Any], file: str, line: int) -> tuple[Rule | None, list[str]]:
    """The rule, or None, and every problem found in it (not only the first)."""
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        return None, ['every rule needs a name = "..."']
    problems = [f"rule {name!r}: {p}" for p in _rule_problems(entry)]
    conditions: dict[str, list[Condition]] = {"all": [], "any": []}
    for key in conditions:
        specs, listed = _condition_list(entry, key)
        problems += [f"rule {name!r}: {p}" for p in listed]
        for spec in specs:
            condition, found = _build_condition(spec)
            problems += [f"rule {name!r}: {p}" for p in found]
            if condition is not None:
                conditions[key].append(condition)
    if problems:
        return None, problems
    flags = entry.get("flag", [])
    flags = [flags] if isinstance(flags, str) else list(flags)
    if entry.get("mark_seen"):
        flags.append("\\Seen")
    rule = Rule(
        name=name.strip(),
        description=str(entry.get("description", "")),
        file=file,
        line=line,
        handler=entry.get("handler"),
        stop=entry.get("stop", True),
        all=tuple(conditions["all"]),
        any=tuple(conditions["any"]),
        move_to=str(entry.get("move_to", "")),
        keep_in_inbox=bool(entry.get("keep_in_inbox", False)),
        flags=tuple(str(f) for f in flags),
        options=dict(entry.get("options", {})),
    )
    return rule, []


def _rule_problems(entry: dict[str, Any]) -> list[str]:
    """What is wrong with a rule's own keys (its conditions are checked apart)."""
    problems = [f"unknown key {k!r} (known: {', '.join(sorted(RULE_KEYS))})" for k in sorted(set(entry) - RULE_KEYS)]
    handler = entry.get("handler")
    stop = entry.get("stop", True)
    if not isinstance(stop, bool):
        problems.append("stop must be true or false")
    if stop is True and handler is None:
        problems.append(f"a rule that stops needs a handler (one of {', '.join(KNOWN_HANDLERS)})")
    if handler is not None and handler not in KNOWN_HANDLERS:
        close = difflib.get_close_matches(str(handler), KNOWN_HANDLERS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.append(f"unknown handler {handler!r}{hint} (known: {', '.join(KNOWN_HANDLERS)})")
    if stop is False and handler is not None:
        problems.append("a rule with stop = false only adds flags and options; remove its handler")
    flags = entry.get("flag", [])
    flags = [flags] if isinstance(flags, str) else flags
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        problems.append('flag must be a flag name or a list of them, e.g. flag = "\\\\Flagged"')
    if not isinstance(entry.get("options", {}), dict):
        problems.append("options must be a table")
    return problems


def _condition_list(entry: dict[str, Any], key: str) -> tuple[list[dict[str, Any]], list[str]]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
        return [], [f'{key} must be a list of inline tables, e.g. {key} = [ {{ subject = "join" }} ]']
    return value, []


def _build_condition(spec: dict[str, Any]) -> tuple[Condition | None, list[str]]:
    """The condition, or None, and every problem found in it."""
    problems: list[str] = []
    fields = [k for k in spec if k in CONDITION_FIELDS]
    unknown = sorted(set(spec) - set(CONDITION_FIELDS) - {"match", "not", "value"})
    if len(fields) > 1 or not (fields or unknown):
        problems.append(f"each condition names exactly one of {', '.join(CONDITION_FIELDS)}; got {spec}")
    name = fields[0] if fields else ""
    problems += [f"condition{' on ' + name if name else ''} has unknown key {k!r}{_did_you_mean(k)}" for k in unknown]
    match = spec.get("match", "contains")
    if match not in MATCH_KINDS:
        close = difflib.get_close_matches(str(match), MATCH_KINDS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.append(f"match must be one of {', '.join(MATCH_KINDS)}, not {match!r}{hint}")
    header, raw = "", spec.get(name)
    if name == "header":
        header, raw = str(raw), spec.get("value")
        if raw is None:
            problems.append('a header condition needs value = "..."')
    if name in BOOL_FIELDS and not isinstance(raw, bool):
        problems.append(f"{name} must be true or false")
    patterns = tuple(raw) if isinstance(raw, list) else (raw,)
    if match == "regex":
        for pattern in patterns:
            try:
                re.compile(str(pattern))
            except re.error as exc:
                problems.append(f"bad regex {pattern!r}: {exc}")
    if problems:
        return None, problems
    return Condition(field=name, patterns=patterns, match=match, header=header, negate=bool(spec.get("not", False))), []


def _did_you_mean(key: str) -> str:
    close = difflib.get_close_matches(key, [*CONDITION_FIELDS, *MATCH_KINDS, "match", "not", "value"], n=1)
    return f"; did you mean {close[0]!r}?" if close else f" (conditions: {', '.join(CONDITION_FIELDS)})"


# ---- matching helpers -------------------------------------------------------------------
