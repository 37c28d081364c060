"""The Status box: Planned, Being implemented or Implemented, read through negations and qualifiers."""

from __future__ import annotations

import re

from pipeline.templates_io.choices import (
    BLANK,
    CHOSEN,
    PLACEHOLDERS,
    PRINTED_HINTS,
    UNCLEAR,
    Reading,
    as_printed,
    find_marks,
    normalise,
    read_ticks,
)

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
    cleaned = PRINTED_HINTS.sub(" ", written.replace("\n", " ")).strip()
    norm = normalise(cleaned)
    if (not norm and not find_marks(cleaned)) or PLACEHOLDERS.match(norm):
        return Reading(BLANK, written=written)
    ticked = read_ticks(cleaned, one_status, _statuses_in)
    if ticked is not None:
        if ticked.chosen and not isinstance(ticked.value, str):  # a lone ticked box names no status
            return Reading(UNCLEAR, written=written)
        return Reading(ticked.state, ticked.value, written)
    if as_printed(cleaned, one_status):
        return Reading(BLANK, written=written)
    found = one_status(cleaned)
    return Reading(CHOSEN, found, written) if found else Reading(UNCLEAR, written=written)
