"""Choice boxes read as the member meant them: ticked options, Yes/No consent, status words.

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


def _marks(text: str) -> list[_Mark]:
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
    marks = _marks(text)
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


# ---------------------------------------------------------------- yes / no

_PLACEHOLDERS = re.compile(
    r"^(choose an item|click or tap here to enter text|click here to enter text|please select|select|"
    r"select one|select an option|choose one|choose|please choose|tick one|tick|delete as appropriate)$"
)
_PRINTED_HINTS = re.compile(
    r"[(\[]?\s*\b(?:please\s+)?(?:delete|circle|tick|select|choose|highlight|underline)\s+(?:one|as appropriate|"
    r"as applicable|which applies|whichever applies|one option|the one that applies)\b[.!]?\s*[)\]]?",
    re.IGNORECASE,
)
_YES_WORDS = {
    "yes",
    "y",
    "yep",
    "yeah",
    "yea",
    "aye",
    "ok",
    "okay",
    "sure",
    "agreed",
    "agree",
    "true",
    "1",
    "consent",
    "consented",
    "share",
    "ydw",
    "ie",
    "oes",
    "cewch",
    "gallwch",
    "gellir",
    "caniateir",
    "iawn",
}
_YES_PHRASES = (
    "happy to share",
    "happy for",
    "happy to",
    "happy",
    "i agree",
    "we agree",
    "i consent",
    "we consent",
    "consent given",
    "please share",
    "please do",
    "by all means",
    "of course",
    "certainly",
    "absolutely",
    "definitely",
    "fine to share",
    "fine",
    "willing to share",
    "permission given",
    "go ahead",
    "share externally",
    "can be shared",
    "may be shared",
    "can share",
    "ok to share",
    "okay to share",
    "that is fine",
    "thats fine",
)
_NO_WORDS = {
    "no",
    "n",
    "nope",
    "nah",
    "not",
    "dont",
    "never",
    "false",
    "0",
    "declined",
    "decline",
    "refused",
    "na",
    "nac",
    "naddo",
    "nage",
    "dim",
    "internal",
    "internally",
    "private",
    "confidential",
    "restricted",
}
_NO_PHRASES = (
    "do not",
    "please do not",
    "please dont",
    "prefer not",
    "rather not",
    "would rather not",
    "not happy",
    "no thanks",
    "no thank you",
    "internal only",
    "for internal use",
    "network only",
    "members only",
    "nac ydw",
    "nac oes",
    "ddim",
)
# Words that make a yes conditional, partial or unsure: then it is not a clear yes.
_HEDGES = {
    "but",
    "except",
    "excluding",
    "without",
    "if",
    "once",
    "after",
    "when",
    "unless",
    "subject",
    "provided",
    "providing",
    "pending",
    "check",
    "ask",
    "first",
    "only",
    "later",
    "maybe",
    "perhaps",
    "possibly",
    "probably",
    "tbc",
    "tba",
    "unsure",
    "unknown",
    "not",
    "dont",
    "no",
    "nor",
    "never",
    "internal",
    "internally",
    "partly",
    "partially",
    "some",
    "anonymised",
    "anonymized",
    "anonymous",
    "condition",
    "conditions",
    "until",
    "yet",
    "future",
    "eventually",
    "discuss",
    "depends",
    "depending",
    "principle",
    "think",
    "guess",
    "suppose",
    "hopefully",
    "presumably",
    "na",
    "dim",
    "or",
    "neu",
    "ond",
}
_HEDGE_PHRASES = re.compile(r"\b(to be (confirmed|agreed|decided|discussed)|in due course|at a later date|not sure)\b")
# Phrases with a "no" in them that mean yes, and "both editions" said outright.
_FRIENDLY = re.compile(
    r"\b(no problems?|no objections?|no issues?|no worries|not a problem|no reason not to|no concerns|"
    r"no restrictions|internally and externally|internal and external|externally and internally|"
    r"external and internal|both internally and externally|both)\b"
)
_UNDECIDED = re.compile(
    r"\b(not sure|unsure|dont know|do not know|undecided|not decided|to be decided|tbc|tbd|maybe|"
    r"possibly|perhaps|ask me|check with)\b"
)
_NOT_APPLICABLE = re.compile(r"^(n ?/ ?a|n\.a\.?|not applicable|none|nil|-+|\?+|tbc|tba|tbd)$", re.IGNORECASE)


def yes_no(text: str) -> bool | None:
    """True or False when `text` (without tick marks) is a clear yes or a clear no; None otherwise."""
    norm = _FRIENDLY.sub("fine", normalise(text))
    words = norm.split()
    if not words or _UNDECIDED.search(norm):
        return None
    said_no = next((p for p in _NO_PHRASES if norm == p or norm.startswith(p + " ")), None)
    if said_no or words[0] in _NO_WORDS:
        rest = norm[len(said_no) :].split() if said_no else words[1:]  # "Nac ydw" is Welsh for "no, I do not"
        return None if set(rest) & (_YES_WORDS - {"share", "ok", "okay", "1"}) else False
    if words[0] in _YES_WORDS or _starts_with(norm, _YES_PHRASES):
        hedged = set(words[1:]) & _HEDGES or _HEDGE_PHRASES.search(norm) or "?" in text
        return None if hedged else True
    return None


def _starts_with(norm: str, phrases: Sequence[str]) -> bool:
    return any(norm == p or norm.startswith(p + " ") for p in phrases)


_BARE_OPTIONS = {"yes", "no", "y", "n", "ydw", "na", "ie", "nac"}


def _yes_no_options(text: str) -> set:
    words = set(normalise(text).split())
    return ({True} if words & {"yes", "y", "ydw", "ie", "oes"} else set()) | (
        {False} if words & {"no", "n", "na", "nac"} else set()
    )


def read_consent(text: str) -> Reading:
    """A Yes/No box, three-state. CHOSEN with True only for a clear yes; `Yes / No` as printed is BLANK."""
    written = (text or "").strip()
    cleaned = _PRINTED_HINTS.sub(" ", written.replace("\n", " ")).strip()
    norm = normalise(cleaned)
    if (not norm and not _marks(cleaned)) or _PLACEHOLDERS.match(norm) or _NOT_APPLICABLE.match(cleaned.strip(" .()")):
        return Reading(BLANK, written=written)
    ticked = read_ticks(cleaned, yes_no, _yes_no_options)
    if ticked is not None:
        return Reading(ticked.state, ticked.value, written)
    if _as_printed(cleaned, yes_no, commas=False):
        return Reading(BLANK, written=written)
    answer = yes_no(cleaned)
    if answer is None:
        if re.fullmatch(r"[A-Za-z\s]+", cleaned) and _as_printed(cleaned, yes_no, words=True):  # "Yes No"
            return Reading(BLANK, written=written)
        answers = {yes_no(part) for part in _options_list(cleaned)}  # "Yes / Ydw": the same answer twice
        if len(answers) == 1 and None not in answers:
            answer = answers.pop()
    return Reading(UNCLEAR, written=written) if answer is None else Reading(CHOSEN, answer, written)


def _options_list(text: str, commas: bool = True) -> list[str]:
    """'Yes / Ydw' -> ['Yes', 'Ydw']: the parts of a line of short options, or [] for a sentence."""
    separators = r"\s*(?:/|\||;|\bor\b|\bneu\b" + (r"|," if commas else "") + r")\s*"
    parts = [p.strip() for p in re.split(separators, text, flags=re.IGNORECASE) if p.strip()]
    return parts if len(parts) >= 2 and all(len(normalise(p).split()) <= 3 for p in parts) else []


def _as_printed(text: str, classify: Classify, commas: bool = True, words: bool = False) -> bool:
    """'Yes / No', 'Yes  No', 'Planned, Being implemented or Implemented': every option, none picked out."""
    splits = [text.split()] if words else [_options_list(text, commas), re.split(r"\s{2,}|\t", text)]
    if words and not all(normalise(w) in _BARE_OPTIONS for w in text.split()):
        return False
    for parts in splits:
        parts = [p for p in parts if p.strip()]
        values = [classify(p) for p in parts]
        if len(parts) >= 2 and None not in values and len(set(values)) == len(values):
            return True
    return False


# ---------------------------------------------------------------- status

STATUSES = ("Planned", "Being implemented", "Implemented")
PLANNED, BEING, DONE = STATUSES
_UNSURE, _NEUTRAL = "unsure", ""
# Tried longest first, each consuming its words: "not yet implemented" never reads as "implemented".
_STATUS_PHRASES: dict[str, str] = {
    # qualified or negated completion: still under way
    "not yet fully implemented": BEING,
    "not fully implemented": BEING,
    "not yet complete": BEING,
    "not yet completed": BEING,
    "not complete yet": BEING,
    "not completed yet": BEING,
    "not finished yet": BEING,
    "not yet finished": BEING,
    "partially implemented": BEING,
    "partly implemented": BEING,
    "part implemented": BEING,
    "partially complete": BEING,
    "partially completed": BEING,
    "partly complete": BEING,
    "part complete": BEING,
    "nearly complete": BEING,
    "almost complete": BEING,
    "nearly completed": BEING,
    "almost completed": BEING,
    "mostly implemented": BEING,
    "largely implemented": BEING,
    "half implemented": BEING,
    "partially in place": BEING,
    "partly in place": BEING,
    "being implemented": BEING,
    "being piloted": BEING,
    "being trialled": BEING,
    "being trialed": BEING,
    "being tested": BEING,
    "being rolled out": BEING,
    "rolling out": BEING,
    "roll out": BEING,
    "in progress": BEING,
    "in hand": BEING,
    "up and running": BEING,
    "under way": BEING,
    "on going": BEING,
    "pilot phase": BEING,
    "in development": BEING,
    "being developed": BEING,
    "implementation phase": BEING,
    "implementation stage": BEING,
    "in implementation": BEING,
    "implementation underway": BEING,
    "yn cael ei weithredu": BEING,
    "ar waith": BEING,
    "ar y gweill": BEING,
    "wedi dechrau": BEING,
    # not started
    "not yet implemented": PLANNED,
    "not implemented yet": PLANNED,
    "not yet started": PLANNED,
    "not started yet": PLANNED,
    "not started": PLANNED,
    "not yet begun": PLANNED,
    "not begun": PLANNED,
    "not yet commenced": PLANNED,
    "not commenced": PLANNED,
    "yet to start": PLANNED,
    "yet to begin": PLANNED,
    "yet to commence": PLANNED,
    "yet to be implemented": PLANNED,
    "yet to be started": PLANNED,
    "to be implemented": PLANNED,
    "due to start": PLANNED,
    "due to begin": PLANNED,
    "due to commence": PLANNED,
    "to commence": PLANNED,
    "to start": PLANNED,
    "not implemented": PLANNED,
    "about to start": PLANNED,
    "in planning": PLANNED,
    "planning stage": PLANNED,
    "awaiting approval": PLANNED,
    "awaiting funding": PLANNED,
    "awaiting sign off": PLANNED,
    "heb ddechrau": PLANNED,
    "wedi ei gynllunio": PLANNED,
    "wedii gynllunio": PLANNED,
    # done
    "fully implemented": DONE,
    "implemented and evaluated": DONE,
    "completed and evaluated": DONE,
    "in place": DONE,
    "business as usual": DONE,
    "rolled out": DONE,
    "being evaluated": DONE,
    "under evaluation": DONE,
    "awaiting evaluation": DONE,
    "evaluation in progress": DONE,
    "evaluation underway": DONE,
    "evaluation under way": DONE,
    "wedi ei gwblhau": DONE,
    "wedii gwblhau": DONE,
    "wedi ei weithredu": DONE,
    "wedii weithredu": DONE,
    # what comes next, not the status itself
    "evaluation planned": _NEUTRAL,
    "evaluation pending": _NEUTRAL,
    "evaluation due": _NEUTRAL,
    "evaluation to follow": _NEUTRAL,
    "review planned": _NEUTRAL,
    "review due": _NEUTRAL,
    "to be evaluated": _NEUTRAL,
    "to be reviewed": _NEUTRAL,
    # not a status: ask
    "on hold": _UNSURE,
    "not sure": _UNSURE,
    "dont know": _UNSURE,
    "do not know": _UNSURE,
}
_STATUS_WORDS: dict[str, str] = {
    "planned": PLANNED,
    "planning": PLANNED,
    "plan": PLANNED,
    "proposed": PLANNED,
    "proposal": PLANNED,
    "future": PLANNED,
    "pending": PLANNED,
    "scoping": PLANNED,
    "cynlluniedig": PLANNED,
    "arfaethedig": PLANNED,
    "ongoing": BEING,
    "underway": BEING,
    "started": BEING,
    "implementing": BEING,
    "live": BEING,
    "current": BEING,
    "active": BEING,
    "piloting": BEING,
    "pilot": BEING,
    "piloted": BEING,
    "trialling": BEING,
    "trial": BEING,
    "testing": BEING,
    "developing": BEING,
    "commenced": BEING,
    "begun": BEING,
    "progressing": BEING,
    "launched": BEING,
    "implemented": DONE,
    "complete": DONE,
    "completed": DONE,
    "done": DONE,
    "finished": DONE,
    "achieved": DONE,
    "evaluated": DONE,
    "embedded": DONE,
    "mainstreamed": DONE,
    "delivered": DONE,
    "bau": DONE,
    "cwblhawyd": DONE,
    "paused": _UNSURE,
    "stopped": _UNSURE,
    "abandoned": _UNSURE,
    "withdrawn": _UNSURE,
    "cancelled": _UNSURE,
    "canceled": _UNSURE,
    "suspended": _UNSURE,
    "unknown": _UNSURE,
    "tbc": _UNSURE,
    "unsure": _UNSURE,
}
# "Phase 1 complete", "PDSA cycle 2 done", "pilot completed": one part done, the work still under way.
_PART_DONE = re.compile(
    r"\b(phase|stage|step|cycle|part|wave|pilot)\s+(\w+\s+)?(complete|completed|implemented|done|finished)\b"
)
_LONGEST_FIRST = sorted(_STATUS_PHRASES, key=len, reverse=True)


# "Implemented (partially)", "completed in part": done, but only partly.
_PARTLY = re.compile(r"\b(partially|partly|partial|in part|mostly|largely|nearly|almost|not fully|half)\b")


def status_words(text: str) -> set[str]:
    """Every status a text names, plus 'unsure' for words such as on hold or abandoned."""
    found = _status_words(text)
    if DONE in found and _PARTLY.search(normalise(text)):
        found = (found - {DONE}) | {BEING}
    return found


def _status_words(text: str) -> set[str]:
    norm = " " + _PART_DONE.sub(" in progress ", normalise(text)) + " "
    found: set[str] = set()
    for phrase in _LONGEST_FIRST:
        if f" {phrase} " in norm:
            found.add(_STATUS_PHRASES[phrase])
            norm = norm.replace(f" {phrase} ", " | ")
    words = norm.split()
    for i, word in enumerate(words):
        if word in _STATUS_WORDS:  # "not completed", "never started": a negation no phrase above explains
            found.add(_UNSURE if i and words[i - 1] in _NEGATIONS else _STATUS_WORDS[word])
    return found - {_NEUTRAL}


_NEGATIONS = {"not", "never", "no", "dont", "isnt", "wasnt", "hasnt", "havent", "nt"}


def one_status(text: str) -> str | None:
    """The one status a text names, or None when it names none, several, or something to ask about."""
    found = status_words(text)
    return found.pop() if len(found) == 1 and _UNSURE not in found else None


def _statuses_in(text: str) -> set:
    return status_words(text) - {_UNSURE}


def read_status(text: str) -> Reading:
    """Planned / Being implemented / Implemented from words or ticks; UNCLEAR when it must be asked about."""
    written = (text or "").strip()
    cleaned = _PRINTED_HINTS.sub(" ", written.replace("\n", " ")).strip()
    norm = normalise(cleaned)
    if (not norm and not _marks(cleaned)) or _PLACEHOLDERS.match(norm):
        return Reading(BLANK, written=written)
    ticked = read_ticks(cleaned, one_status, _statuses_in)
    if ticked is not None:
        if ticked.chosen and not isinstance(ticked.value, str):  # a lone ticked box names no status
            return Reading(UNCLEAR, written=written)
        return Reading(ticked.state, ticked.value, written)
    if _as_printed(cleaned, one_status):
        return Reading(BLANK, written=written)
    found = one_status(cleaned)
    return Reading(CHOSEN, found, written) if found else Reading(UNCLEAR, written=written)
