"""Yes/No boxes, above all Share externally: yes, no, not answered, or unclear (asked, never guessed)."""

from __future__ import annotations

import re
from collections.abc import Sequence

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
    options_list,
    read_ticks,
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
    # "Yes - within the network", "Yes, staff only": a yes to some readers is not a yes to everyone.
    "within",
    "inside",
    "network",
    "staff",
    "colleagues",
    "members",
    "intranet",
    "bulletin",
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


def _yes_no_options(text: str) -> set:
    words = set(normalise(text).split())
    return ({True} if words & {"yes", "y", "ydw", "ie", "oes"} else set()) | (
        {False} if words & {"no", "n", "na", "nac"} else set()
    )


def read_consent(text: str) -> Reading:
    """A Yes/No box, three-state. CHOSEN with True only for a clear yes; `Yes / No` as printed is BLANK."""
    written = (text or "").strip()
    cleaned = PRINTED_HINTS.sub(" ", written.replace("\n", " ")).strip()
    norm = normalise(cleaned)
    if (
        (not norm and not find_marks(cleaned))
        or PLACEHOLDERS.match(norm)
        or _NOT_APPLICABLE.match(cleaned.strip(" .()"))
    ):
        return Reading(BLANK, written=written)
    ticked = read_ticks(cleaned, yes_no, _yes_no_options)
    if ticked is not None:
        return Reading(ticked.state, ticked.value, written)
    if as_printed(cleaned, yes_no, commas=False):
        return Reading(BLANK, written=written)
    answer = yes_no(cleaned)
    if answer is None:
        if re.fullmatch(r"[A-Za-z\s]+", cleaned) and as_printed(cleaned, yes_no, words=True):  # "Yes No"
            return Reading(BLANK, written=written)
        answers = {yes_no(part) for part in options_list(cleaned)}  # "Yes / Ydw": the same answer twice
        if len(answers) == 1 and None not in answers:
            answer = answers.pop()
    return Reading(UNCLEAR, written=written) if answer is None else Reading(CHOSEN, answer, written)
