"""Match a key theme (or region) as a member wrote it: number, name, part of a name, alias.

Anything else is a problem, with a "did you mean" taken from close spellings.
Themes and regions come from the network settings, so a network's own list works.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

# Other names people use for the default themes, keyed by the normalised theme name.
THEME_ALIASES: dict[str, tuple[str, ...]] = {
    "culturally appropriate services": (
        "culture and diversity",
        "cultural diversity",
        "diversity",
        "culturally appropriate",
        "black and minority ethnic",
        "bme",
    ),
    "in patient services": ("inpatient services", "in patients", "inpatients", "inpatient", "in patient", "wards"),
    "liaison general hospital": ("liaison", "general hospital", "general hospital liaison", "liaison services"),
    "care homes housing home care day services": ("care home", "care homes", "care homes housing"),
    "specialist cmht intermediate care": (
        "cmht",
        "specialist cmht",
        "community mental health team",
        "intermediate care",
    ),
    "service user engagement": (
        "service user involvement",
        "user engagement",
        "user involvement",
        "service users",
        "carer engagement",
    ),
    "health promotion": ("promotion", "mental health promotion", "wellbeing"),
    "primary care": ("gp", "general practice"),
    "workforce": ("workforce development", "training", "staff development"),
    "commissioning": ("commissioners",),
}
_NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
)


def normalise(text: str) -> str:
    text = (text or "").lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def count_words(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


@dataclass(frozen=True)
class Match:
    number: int | None  # 1-based position in the list; None when nothing matched
    name: str
    suggestions: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.number is not None


def _names_for(name: str, with_parts: bool) -> list[str]:
    norm = normalise(name)
    names = [norm]
    if with_parts and "/" in name:
        names += [normalise(part) for part in name.split("/") if normalise(part)]
    names += list(THEME_ALIASES.get(norm, ()))
    return names


def match_choice(text: str, choices: Sequence[str], numbered: bool = True, with_parts: bool = True) -> Match:
    """Find `text` among `choices`: by number, name, a '/'-part of a name, an alias, or a unique prefix."""
    raw = (text or "").strip()
    norm = normalise(raw)
    if not norm:
        return Match(None, "")
    number = re.match(r"^(?:theme\s*)?(\d{1,2})(?:\b|$)", norm)
    if numbered and number and 1 <= int(number[1]) <= len(choices):
        return Match(int(number[1]), choices[int(number[1]) - 1])
    table: dict[str, int] = {}
    for i, choice in enumerate(choices, start=1):
        for name in _names_for(choice, with_parts):
            table.setdefault(name, i)
    if norm in table:
        return Match(table[norm], choices[table[norm] - 1])
    prefixed = {i for name, i in table.items() if name.startswith(norm + " ")}
    if len(norm) >= 4 and len(prefixed) == 1:
        i = prefixed.pop()
        return Match(i, choices[i - 1])
    return Match(None, raw, _suggest(norm, table, choices))


# Words that add nothing to which entry of a list is meant ("the North East region", "Yorkshire and the Humber").
_NOISE = {"the", "and", "of", "region", "regional", "area", "england", "nhs", "network", "in", "a", "an", "sector"}
_SHORT_FORMS = {
    "yorks": "yorkshire",
    "humberside": "humber",
    "mids": "midlands",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "ne": "north east",
    "nw": "north west",
    "se": "south east",
    "sw": "south west",
    "ee": "east england",
    "em": "east midlands",
    "wm": "west midlands",
    "3rd": "third",
    "voluntary": "third",
    "vcs": "third",
    "vcse": "third",
    "mh": "mental health",
    "mht": "mental health trust",
    "pct": "primary care trust",
    "la": "local authority",
    "ss": "social services",
    "org": "organisation",
    "orgs": "organisations",
}


def _tokens(text: str) -> tuple[str, ...]:
    words = " ".join(_SHORT_FORMS.get(w, w) for w in normalise(text).split()).split()
    return tuple(w for w in words if w not in _NOISE)


def match_loosely(text: str, choices: Sequence[str]) -> Match:
    """An optional box against a list: the entry it clearly names, or no match (kept as written).

    Beyond `match_choice`: '&' and 'and', 'the', 'region' and short forms do not matter
    ("Yorkshire and the Humber" is "Yorkshire & Humber", "NE" is "North East"); a
    name that holds all of one entry's words and no other entry's ("North East England")
    names that entry; so does a close spelling of only one entry ("Yorkshire & Humberside").
    """
    for i, choice in enumerate(choices, start=1):
        if normalise(choice) == normalise(text):
            return Match(i, choice)
    words = _tokens(text)
    if not words:
        return Match(None, (text or "").strip())
    table = {i: _tokens(choice) for i, choice in enumerate(choices, start=1)}
    others = {i: set().union(*(set(c) for j, c in table.items() if j != i)) for i in table}

    def holds(i: int, c: tuple[str, ...]) -> bool:  # all of this entry's words, and none that only others have
        return bool(c) and set(c) <= set(words) and not (set(words) - set(c)) & others[i]

    for test in (
        lambda i, c: c == words,
        holds,
        lambda i, c: set(words) <= set(c),
        lambda i, c: _initials(c) == "".join(words),
    ):
        found = [i for i, c in table.items() if test(i, c)]
        if len(found) == 1:
            return Match(found[0], choices[found[0] - 1])
        if len(found) > 1:
            break
    squashed = {"".join(c): i for i, c in table.items()}
    close = difflib.get_close_matches("".join(words), list(squashed), n=2, cutoff=0.85)
    if len(close) == 1:
        return Match(squashed[close[0]], choices[squashed[close[0]] - 1])
    return Match(None, (text or "").strip(), tuple(choices[squashed[c] - 1] for c in close))


def _initials(words: tuple[str, ...]) -> str:
    return "".join(w[0] for w in words) if len(words) > 1 else ""


def _suggest(norm: str, table: dict[str, int], choices: Sequence[str]) -> tuple[str, ...]:
    squashed = {name.replace(" ", ""): i for name, i in table.items()}
    found: list[str] = []
    for key in difflib.get_close_matches(norm.replace(" ", ""), list(squashed), n=3, cutoff=0.6):
        name = choices[squashed[key] - 1]
        if name not in found:
            found.append(name)
    return tuple(found)


def theme_code(name: str, themes: Sequence[str]) -> str:
    """Two letters for File Nos: 'Care Homes / ...' -> 'CH', 'Workforce' -> 'WO'. Unique within the list."""
    codes = [_code(t) for t in themes]
    code = _code(name)
    if codes.count(code) > 1 and name in themes:
        return f"{code}{themes.index(name) + 1}"
    return code


def _code(name: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name.split("/")[0]) if w]
    if not words:
        return "XX"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[1][0]).upper()
