"""Choice boxes read as the member meant them: tick marks and options left as printed.

The two kinds of box built on this: Yes/No consent (consent.py) and status (status.py).

A choice box is three-state: an option was chosen, nothing was chosen (left blank or
left as printed, "Yes / No"), or what was written is unclear and must be asked about,
never guessed. Tick marks come in many sets:

    ☐ Yes ☒ No      Yes ☐ No ☑      [x] No      Yes ✓ No ✗      ( ) Planned (*) Being implemented

A mark belongs to the option beside it; which side is found from the line itself.
Ticks and filled boxes choose; crosses choose only where nothing is ticked and
another option is left unmarked (a ballot paper's X), and a lone cross on the only
option is unclear.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

CHOSEN, BLANK, UNCLEAR = "chosen", "blank", "unclear"

_ON = "\u2612\u2611\u22a0\u25a3\u25a0\u25fc\u2b1b\u25cf\u25c9\u29bf\u2705\u2713\u2714\u221a\U0001f5f8"  # ☒☑⊠▣■◼⬛●◉⦿✅✓✔√🗸
_OFF = "\u2610\u25a1\u25fb\u25a2\u274f\u2751\u25cb\u25ef\u2b1c\u25fd"  # ☐□◻▢❏❑○◯⬜◽
_CROSS = "\u2717\u2718\u2715\u2716\u274c\u274e\u2573"  # ✗✘✕✖❌❎╳
_MARK = re.compile(
    rf"(?P<on>[{_ON}]\ufe0f?|[\[(]\s*(?:[xX*\u2022\u25cf\u25a0{_ON}]|[{_CROSS}])\s*[\])])"
    rf"|(?P<off>[{_OFF}]|\[\s*\]|\(\s*\))"
    rf"|(?P<cross>[{_CROSS}]\ufe0f?|(?<![A-Za-z0-9'\u2019])[xX](?![A-Za-z0-9'\u2019]))"
)


@dataclass(frozen=True)
class Reading:
    """What a choice box says: `value` when `state` is CHOSEN; `written` as the member wrote it."""

    state: str
    value: object = None
    written: str = ""

    @property
    def chosen(self) -> bool:
        return self.state == CHOSEN


Classify = Callable[[str], "object | None"]  # segment text -> the option it names, or None


def normalise(text: str) -> str:
    text = (text or "").lower().replace("&", " and ").replace("\u2019", "'")
    text = re.sub(r"[^a-z0-9']+", " ", text)
    return re.sub(r"\s+", " ", text.replace("'", "")).strip()


# ---------------------------------------------------------------- tick marks


@dataclass(frozen=True)
class _Mark:
    kind: str  # on | off | cross
    start: int
    end: int


def find_marks(text: str) -> list[_Mark]:
    return [_Mark(m.lastgroup or "", m.start(), m.end()) for m in _MARK.finditer(text)]


def _segments(text: str, marks: Sequence[_Mark], mark_first: bool) -> list[tuple[_Mark, str]]:
    """Each mark with the option it labels: the text just after it (`mark_first`, "☒ Yes") or just before it ("Yes ☒")."""
    found = []
    for i, mark in enumerate(marks):
        if mark_first:
            end = marks[i + 1].start if i + 1 < len(marks) else len(text)
            found.append((mark, _CHUNKS.split(text[mark.end : end].strip())[0]))
        else:
            start = marks[i - 1].end if i else 0
            found.append((mark, _CHUNKS.split(text[start : mark.start].strip())[-1]))
    return found


_CHUNKS = re.compile(r"\s{2,}|\t|\s*[/|;,]\s*")  # what separates one printed option from the next


def read_ticks(text: str, classify: Classify, options_in: Callable[[str], set]) -> Reading | None:
    """The option ticked on a line of marks and options, or None when the line has no tick marks at all.

    `classify` names the option a piece of text is; `options_in` finds every option a text mentions.
    """
    marks = find_marks(text)
    if not marks:
        return None
    letters_only = all(text[m.start : m.end] in "xX" for m in marks)
    if letters_only and not options_in(_without(text, marks)):
        return None  # an "x" among words, with no option named: not a line of ticks
    segments = _pick_side(text, marks, classify)
    if segments is None:
        return Reading(UNCLEAR, written=text)
    return _chosen(text, marks, segments, classify, options_in)


def _without(text: str, marks: Sequence[_Mark]) -> str:
    out, last = [], 0
    for m in marks:
        out.append(text[last : m.start])
        last = m.end
    out.append(text[last:])
    return " ".join(out)


def _pick_side(text: str, marks: Sequence[_Mark], classify: Classify) -> list[tuple[_Mark, str]] | None:
    """The reading (marks before or after their options) in which more marks label an option; None if it cannot be told."""
    first = _segments(text, marks, mark_first=True)
    last = _segments(text, marks, mark_first=False)
    score_first = sum(1 for _, seg in first if classify(seg) is not None)
    score_last = sum(1 for _, seg in last if classify(seg) is not None)
    if score_first != score_last:
        return first if score_first > score_last else last
    if score_first == 0 or _picked(first, classify) == _picked(last, classify):
        return first
    if not text[: marks[0].start].strip():  # the line starts with a mark: "☐ Yes ☒ No"
        return first
    if not text[marks[-1].end :].strip():  # the line ends with one: "Yes ☐ No ☒"
        return last
    return _nearer(text, marks, first, last)


def _picked(segments: Sequence[tuple[_Mark, str]], classify: Classify) -> set:
    kinds = {mark.kind for mark, _ in segments}
    kind = "on" if "on" in kinds else "cross"
    return {classify(seg) for mark, seg in segments if mark.kind == kind}


def _nearer(text: str, marks: Sequence[_Mark], first: list, last: list) -> list[tuple[_Mark, str]] | None:
    """'Yes ✓      No' belongs to Yes, 'Yes      ✓ No' to No; 'Yes ✓ No' cannot be told."""
    gaps_before = [len(text[: m.start]) - len(text[: m.start].rstrip()) for m in marks]
    gaps_after = [len(text[m.end :]) - len(text[m.end :].lstrip()) for m in marks]
    if all(b < a for b, a in zip(gaps_before, gaps_after)):
        return last
    if all(a < b for b, a in zip(gaps_before, gaps_after)):
        return first
    return None


def _chosen(
    text: str,
    marks: Sequence[_Mark],
    segments: Sequence[tuple[_Mark, str]],
    classify: Classify,
    options_in: Callable[[str], set],
) -> Reading:
    on = [seg for mark, seg in segments if mark.kind == "on"]
    crosses = [seg for mark, seg in segments if mark.kind == "cross"]
    offs = [seg for mark, seg in segments if mark.kind == "off"]
    if on:
        picked = on
    elif crosses:
        named = options_in(_without(text, marks))
        crossed = {classify(seg) for seg in crosses} - {None}
        if not offs and not (named - crossed):
            return Reading(UNCLEAR, written=text)  # "Yes ✗": chosen, or crossed out?
        picked = crosses
    else:
        return Reading(BLANK, written=text)
    values = {classify(seg) for seg in picked}
    if len(values) == 1 and None not in values:
        return Reading(CHOSEN, values.pop(), text)
    if values == {None} and len(picked) == 1 and not options_in(_without(text, marks)):
        return Reading(CHOSEN, True, text)  # one box, ticked, with no options beside it: "☒"
    return Reading(UNCLEAR, written=text)


# ---------------------------------------------------------------- options as printed

PRINTED_HINTS = re.compile(
    r"[(\[]?\s*\b(?:please\s+)?(?:delete|circle|tick|select|choose|highlight|underline)\s+(?:one|as appropriate|"
    r"as applicable|which applies|whichever applies|one option|the one that applies)\b[.!]?\s*[)\]]?",
    re.IGNORECASE,
)

PLACEHOLDERS = re.compile(
    r"^(choose an item|click or tap here to enter text|click here to enter text|please select|select|"
    r"select one|select an option|choose one|choose|please choose|tick one|tick|delete as appropriate)$"
)

BARE_OPTIONS = {"yes", "no", "y", "n", "ydw", "na", "ie", "nac"}


def options_list(text: str, commas: bool = True) -> list[str]:
    """'Yes / Ydw' -> ['Yes', 'Ydw']: the parts of a line of short options, or [] for a sentence."""
    separators = r"\s*(?:/|\||;|\bor\b|\bneu\b" + (r"|," if commas else "") + r")\s*"
    parts = [p.strip() for p in re.split(separators, text, flags=re.IGNORECASE) if p.strip()]
    return parts if len(parts) >= 2 and all(len(normalise(p).split()) <= 3 for p in parts) else []


def as_printed(text: str, classify: Classify, commas: bool = True, words: bool = False) -> bool:
    """'Yes / No', 'Yes  No', 'Planned, Being implemented or Implemented': every option, none picked out."""
    splits = [text.split()] if words else [options_list(text, commas), re.split(r"\s{2,}|\t", text)]
    if words and not all(normalise(w) in BARE_OPTIONS for w in text.split()):
        return False
    for parts in splits:
        parts = [p for p in parts if p.strip()]
        values = [classify(p) for p in parts]
        if len(parts) >= 2 and None not in values and len(set(values)) == len(values):
            return True
    return False
