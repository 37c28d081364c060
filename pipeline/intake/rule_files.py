"""Reading inbox_rules/*.toml into Rules: every problem reported with its file and line."""

from __future__ import annotations

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
