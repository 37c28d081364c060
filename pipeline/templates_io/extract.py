"""Turn what a reader found (tables of cells, lines of text) into forms: field key -> text as written.

Works the same for every format: a table row pairs a label cell with the cell
after it; a table whose first row is all labels holds one form per later row;
text lines are "Label: value" (or "Label<TAB>value"), with the value on the
next line when the label line has none. Free-text fields run on over several
lines. A second, different title starts a second form.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.templates_io.fields import EXTRA_LABELS, FIELDS_BY_KEY, is_guidance, match_label, normalise_label
from pipeline.templates_io.member_text import is_disclaimer, is_sign_off, member_words, reply_header_lines

# Beyond these, a "form" is a data dump or an attack; what comes first is read, the rest ignored.
MAX_LINES = 5000
MAX_ROWS = 2000
MAX_CELLS = 60
_QUOTE = re.compile(r"^\s*((?:>\s?)+)")
# Where a reply's copy of the earlier message begins when it is not '>'-quoted (Outlook and others).
_ORIGINAL = re.compile(
    r"^(-{2,}\s*original message\s*-{2,}|_{10,}|on .{4,200} wrote:|begin forwarded message:|"
    r"-{5,}\s*forwarded message\s*-{5,})$",
    re.I,
)
CORE_FIELDS = {"title", "theme", "summary", "locality"}
CHOICE_FIELDS = {"share_externally", "status"}  # answered by ticking one of several options, maybe one per cell
_TICK = re.compile(
    r"[\u2610-\u2612\u2713-\u2718\u25a0-\u25a3\u25cb\u25cf\u25c9\u221a\u2705\u274c\u274e]|[\[(]\s*[xX*]?\s*[\])]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DASH = re.compile(r"^([^-\u2013\u2014]{2,50}?)\s+[-\u2013\u2014]\s+(\S.*)$")
EXTRA = "further_information"
_EXTRA_LABELS = {normalise_label(label) for label in EXTRA_LABELS}
_EXTRA_LINE = re.compile(r"^([A-Za-z][\w &/()'-]{1,40}?)\s*[:\t]\s*(\S.*)$")
# Column headings of a form's table, not boxes of it.
_HEADINGS = {
    "field",
    "value",
    "box",
    "your answer",
    "answer",
    "guidance",
    "question",
    "label",
    "response",
    "item",
    "details",
    "section",
    "notes guidance",
    "guidance notes",
    "help",
    "example",
    "number",
    "no",
}
# How guidance beside a box often begins, when it is not our own wording.
_INSTRUCTION = re.compile(
    r"^(please|e\.?g\.?|for example|give|describe|enter|write|list|state|include|insert|type|tell us|"
    r"one of|optional|if (?:this|you)|the (?:name|lead|person|town|date|title)|what|how|when|who|where)\b",
    re.I,
)


@dataclass
class RawForm:
    """One completed form as found: canonical field key -> the text written in it."""

    fields: dict[str, str]
    source: str = "message body"
    macros: bool = False

    def get(self, key: str) -> str:
        return self.fields.get(key, "")


def clean_text(value: object) -> str:
    """Text as stored: no control characters (NUL breaks PostgreSQL), '\\n' line ends, no trailing blank lines."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\xa0", " ")
    text = _CONTROL.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip()


@dataclass
class _Value:
    text: str
    quoted: bool


@dataclass
class FormCollector:
    source: str
    forms: list[dict[str, _Value]] = field(default_factory=lambda: [{}])
    last_key: str | None = None  # the box last written, for answers that run on into the next row

    @property
    def current(self) -> dict[str, _Value]:
        return self.forms[-1]

    def new_form(self) -> None:
        if self.current:
            self.forms.append({})

    def put(self, key: str, text: str, quoted: bool = False) -> None:
        self.last_key = key
        text = clean_text(text)
        old = self.current.get(key)
        if old is None or not old.text:
            self.current[key] = _Value(text, quoted if text or old is None else old.quoted)
        elif not text:
            return
        elif key == "title" and old.quoted == quoted and text != old.text:
            self.new_form()
            self.current[key] = _Value(text, quoted)
        elif old.quoted and not quoted:
            self.current[key] = _Value(text, quoted)

    def append(self, key: str, line: str) -> None:
        value = self.current.setdefault(key, _Value("", False))
        value.text = f"{value.text}\n{line}" if value.text else line

    def results(self, min_filled: int, macros: bool = False) -> list[RawForm]:
        found = []
        for form in self.forms:
            fields = {key: answer_text(key, v.text) for key, v in form.items()}
            filled = sum(1 for v in fields.values() if v)
            # A letter's "Name: ... / Email: ..." lines are not a form: one of the core boxes must be there.
            if len(fields) >= 2 and filled >= min_filled and CORE_FIELDS & fields.keys():
                found.append(RawForm(fields, self.source, macros))
        return found


def answer_text(key: str, text: str) -> str:
    """What the member wrote in a box: no guidance copied from the blank form, nothing after their words."""
    text = clean_text(text)
    if not text:
        return text
    guidance = FIELDS_BY_KEY[key].guidance.lower() if key in FIELDS_BY_KEY else ""
    lines = []
    for line in text.split("\n"):
        if line.strip() and is_guidance(line.strip()):
            continue
        if guidance and line.lower().startswith(guidance) and len(line) > len(guidance):
            line = line[len(guidance) :].strip()  # "The lead organisation. X Trust": guidance left in the cell
        lines.append(line)
    return clean_text(member_words("\n".join(lines)))


def guidance_only(form: RawForm) -> bool:
    """A 'form' whose every answer is guidance (a sheet of notes beside the real form), not a plan."""
    filled = [(key, value.split("\n", 1)[0]) for key, value in form.fields.items() if value.strip()]
    return len(filled) >= 3 and all(_guidance_like(key, value) for key, value in filled)


def _guidance_like(key: str, text: str) -> bool:
    guidance = FIELDS_BY_KEY[key].guidance if key in FIELDS_BY_KEY else ""
    similar = bool(guidance) and difflib.SequenceMatcher(None, text.lower(), guidance.lower()).ratio() >= 0.75
    return similar or is_guidance(text) or bool(_INSTRUCTION.match(text)) or text.rstrip().endswith("?")


def split_label(line: str) -> tuple[str, str] | None:
    """('field key', 'value') when the line starts with a known label, else None. The longest label wins."""
    separators = list(re.finditer(r"[:\t]|\s{3,}", line[:120]))[:4]  # a label ends at one of the first few
    for match in reversed(separators):
        key = match_label(line[: match.start()])
        if key:
            return key, line[match.end() :].strip()
    tick = _TICK.search(line[:120])  # "Share externally? ☐ Yes ☒ No": the label ends where the boxes begin
    if tick and tick.start() and (key := match_label(line[: tick.start()])) in CHOICE_FIELDS:
        return key, line[tick.start() :].strip()
    dash = _DASH.match(line) if not separators else None  # "Title - Singing for the brain", exact labels only
    if dash and (key := exact_label(dash.group(1))):
        return key, dash.group(2).strip()
    key = exact_label(line)
    return (key, "") if key else None


def exact_label(text: str) -> str | None:
    """A label with no fuzzy matching: for deciding whether a cell is a label or a value."""
    from pipeline.templates_io.fields import _INDEX  # the same index match_label uses, without its close-spelling step

    return _INDEX.get(normalise_label(text))


def label_of_cell(text: str, fuzzy: bool = True) -> str | None:
    """A table cell holding a label, possibly with guidance on the lines below it.

    Close misspellings are tried only when `fuzzy`: for the first columns, where labels live,
    so a large table costs little.
    """
    text = clean_text(text)
    if not text:
        return None
    match = match_label if fuzzy else exact_label
    key = match(text.rstrip(":")) if len(text) <= 90 else None
    if key:
        return key
    first = text.split("\n", 1)[0].strip().rstrip(":")
    return match(first) if first != text else None


def feed_lines(collector: FormCollector, lines: Iterable[str]) -> None:
    """'Label: value' lines; quoted lines count too, at lower priority than the sender's own.

    Quoted means '> '-prefixed, or anywhere below an "Original Message" / "On ... wrote:" line.
    """
    lines = list(lines)[:MAX_LINES]
    headers = reply_header_lines(lines)  # an Outlook "From: / Sent:" block or "On ... wrote:"
    key: str | None = None
    awaiting = False  # a label line with no value: the value may be on the next line
    key_quoted = False
    earlier = False  # past an "Original Message" line: the rest is the earlier mail, counted as quoted
    for count, raw in enumerate(lines):
        quote = _QUOTE.match(raw)
        line = raw[quote.end() :] if quote else raw
        line = line.rstrip()
        stripped = line.strip()
        starts_earlier = count in headers or bool(_ORIGINAL.match(stripped))
        earlier = earlier or starts_earlier
        quoted = bool(quote) or earlier
        if stripped.startswith("#") or starts_earlier or is_sign_off(stripped) or is_disclaimer(stripped):
            key, awaiting = None, False
            continue
        if stripped and is_guidance(stripped):  # the blank form's small print, copied along with it
            continue
        found = split_label(stripped) if stripped else None
        if found:
            key, value = found
            collector.put(key, value, quoted)
            awaiting, key_quoted = not value, quoted
            continue
        extra = _EXTRA_LINE.match(stripped) if not quoted else None
        if extra and normalise_label(extra.group(1)) in _EXTRA_LABELS and collector.current:
            collector.append(EXTRA, f"{extra.group(1).strip()}: {extra.group(2).strip()}")  # "Partners: Age UK"
            key, awaiting, key_quoted = EXTRA, False, quoted
            continue
        if key is None:
            continue
        if awaiting:
            if stripped:
                collector.put(key, stripped, quoted)
                awaiting, key_quoted = False, quoted
                if not FIELDS_BY_KEY[key].multiline and key not in CHOICE_FIELDS:
                    key = None
            continue
        if FIELDS_BY_KEY[key].multiline and quoted == key_quoted:
            collector.append(key, stripped)
        elif key in CHOICE_FIELDS and quoted == key_quoted and _TICK.match(stripped):
            collector.append(key, stripped)  # one tick box per line: "☐ Yes" then "☒ No"
        else:
            key = None


def feed_table(collector: FormCollector, rows: Sequence[Sequence[str]]) -> None:
    """A table of cell texts, in either layout (label|value rows, or a header row of labels)."""
    rows = [list(r[:MAX_CELLS]) for r in rows[: MAX_ROWS * 2] if any(c.strip() for c in r)][:MAX_ROWS]
    collector.last_key = None  # an answer runs on within its own table only
    if not rows:
        return
    header = [label_of_cell(c) if c.strip() else None for c in rows[0]]
    if sum(1 for k in header if k) >= 3 and len(rows) > 1 and _is_header_row(rows[0], header):
        for row in rows[1:]:
            collector.new_form()
            for key, cell in zip(header, row):
                if key:
                    collector.put(key, cell)
        collector.new_form()
        return
    # Unknown rows are kept as further information only in a table that is clearly the form.
    form_like = sum(1 for row in rows if any(exact_label(clean_text(c).split("\n", 1)[0]) for c in row[:3])) >= 3
    for row in rows:
        extra = _feed_row(collector, row)
        if extra and form_like:
            collector.append(EXTRA, f"{extra[0]}: {extra[1]}")


def _is_header_row(cells: Sequence[str], keys: Sequence[str | None]) -> bool:
    # A label|value row has a value after each label; a header row has labels side by side.
    return any(keys[i] and keys[i + 1] for i in range(len(keys) - 1))


def _tick_cells(cells: Sequence[str], start: int) -> list[str]:
    """'Yes' | '☒' | 'No' | '☐' after a choice label: the options and boxes in the cells that follow, when boxes are there."""
    run: list[str] = []
    for cell in cells[start : start + 8]:
        text = clean_text(cell)
        if len(text) > 40 or exact_label(text) or is_guidance(text):
            break
        run.append(text)
    return run if any(_TICK.search(c) for c in [*cells[start - 1 : start], *run]) else []


def _feed_row(collector: FormCollector, cells: Sequence[str]) -> tuple[str, str] | None:
    """Read one table row into the collector; an unknown 'label | answer' row is returned for the caller to keep."""
    if _continues_answer(collector, cells):
        return None
    i = 0
    paired = False
    while i < len(cells):
        key = label_of_cell(cells[i], fuzzy=i < 4)
        if key:
            nxt = cells[i + 1] if i + 1 < len(cells) else ""
            if nxt and exact_label(clean_text(nxt).split("\n", 1)[0]):
                collector.put(key, "")
                i += 1
                continue
            if _guidance_beside(key, cells, i + 1):
                i += 1  # "Organisation | The lead organisation. | X Trust": the answer is after the guidance
                nxt = cells[i + 1]
            extra = _tick_cells(cells, i + 2) if key in CHOICE_FIELDS else []
            collector.put(key, " ".join([nxt, *extra]) if extra else nxt)
            i += 2 + len(extra)
            paired = True
            continue
        if not paired and (":" in cells[i] or "\t" in cells[i]):  # "Label: value" typed in one cell
            feed_lines(collector, clean_text(cells[i]).split("\n"))
            paired = paired or bool(collector.current)
        i += 1
    return None if paired else _unknown_row(cells)


def _continues_answer(collector: FormCollector, cells: Sequence[str]) -> bool:
    """A row with an empty label cell under a free-text box: the answer's next lines (a merged label in Word)."""
    filled = [clean_text(c) for c in cells if clean_text(c)]
    key = collector.last_key
    if not cells or clean_text(cells[0]) or len(filled) != 1 or key is None or not FIELDS_BY_KEY[key].multiline:
        return False
    if exact_label(filled[0].split("\n", 1)[0]) or is_guidance(filled[0]):
        return False
    collector.append(key, filled[0])
    return True


def _guidance_beside(key: str, cells: Sequence[str], index: int) -> bool:
    """Whether cells[index] is guidance printed beside the box, with the member's answer in the cell after it."""
    if index + 1 >= len(cells):
        return False
    text, after = clean_text(cells[index]), clean_text(cells[index + 1])
    if not text or not after or is_guidance(after):
        return False
    guidance = FIELDS_BY_KEY[key].guidance
    if is_guidance(text) or difflib.SequenceMatcher(None, text.lower(), guidance.lower()).ratio() >= 0.75:
        return True  # our own guidance: whatever follows is the answer, even "X Trust", which reads as a label
    if exact_label(after.split("\n", 1)[0]):
        return False
    return bool(_INSTRUCTION.match(text)) or text.endswith("?")


def _unknown_row(cells: Sequence[str]) -> tuple[str, str] | None:
    """('Partners', 'Age UK') for a row whose label is not one of the form's, when it has an answer beside it."""
    filled = [clean_text(c) for c in cells if clean_text(c)]
    if len(filled) < 2:
        return None
    label, answer = filled[0], filled[1]
    norm = normalise_label(label)
    if (
        not norm
        or not re.search(r"[a-z]{2}", norm)
        or len(label) > 60
        or "\n" in label
        or norm in _HEADINGS
        or is_guidance(label)
        or is_guidance(answer)
    ):
        return None
    return label.rstrip(" :"), answer
