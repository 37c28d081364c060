"""Only the member's words: where an answer stops and the mail around it begins.

A form typed into an email, or the last box of a form, runs on into what the
mail client or the mail server adds: a sign-off and signature, the quoted
earlier message, a legal disclaimer. Those would otherwise appear on the web
archive and in its search index. Reply headers are found with
mail-parser-reply's patterns ("On ... wrote:", Outlook's "From: / Sent:" block,
"Original Message"); sign-offs, disclaimers and signature blocks by the lists
below, which are kept as samples of what members' mail really carries.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mailparser_reply import EmailMessage

# A line that is only a sign-off, perhaps with a comma and a first name ("Many thanks, Priya").
_SIGN_OFF = re.compile(
    r"^(?:many thanks|thanks(?: again| very much| so much)?|thank you(?: very much)?|thanks in advance|"
    r"(?:kind|kindest|best|warm|warmest|many|with best|with kind)\s+(?:regards|wishes)|regards|best|"
    r"all the best|cheers|ta|speak soon|take care|yours (?:sincerely|faithfully)|sincerely|"
    r"with thanks|many thanks in advance|bw|kr)"
    r"[\s,.!]*(?-i:[A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*){0,2})?[\s,.!]*$",
    re.I,
)
# Lines a mail client writes under the member's text.
_CLIENT_LINE = re.compile(
    r"^(?:sent from my \w+|sent from (?:outlook|mail|yahoo)\b|get outlook for \w+|sent from samsung|"
    r"sent via \w+|-- ?|_{5,}|-{5,}\s*(?:original|forwarded) message\s*-{5,}|begin forwarded message:)",
    re.I,
)
# The openings of legal disclaimers and banners added by mail servers.
NHSMAIL_DISCLAIMER = (
    "This message may contain confidential information. If you are not the intended recipient please inform the "
    "sender that you have received the message in error before deleting it. Please do not disclose, copy or "
    "distribute information in this e-mail or take any action in relation to its contents. To do so is strictly "
    "prohibited and may be unlawful. Thank you for your co-operation."
)
_DISCLAIMER = re.compile(
    r"^(?:\*{8,}|={8,}|#{8,}|"
    r"this (?:e-?mail|message|communication)(?: and any (?:attachments?|files?)[^.]{0,40})? "
    r"(?:may contain|contains|is (?:strictly )?(?:confidential|private|intended)|and its attachments)|"
    r"this (?:e-?mail|message) (?:is|was) (?:sent|scanned|intended)|"
    r"the information (?:contained )?in this (?:e-?mail|message)|"
    r"(?:e-?mail )?disclaimer\b|confidentiality (?:notice|statement)|"
    r"if you are not the intended recipient|"
    r"caution: this (?:e-?mail|message) originated|external email:|\[?external\]? this email|"
    r"nhsmail is the secure email|please consider the environment|"
    r"this e-?mail has been scanned|"
    # NHS Wales and other Welsh bodies: the Welsh Language Standards line and Welsh disclaimers, often first.
    r"(?:we welcome|we are happy to receive) correspondence in welsh|rydym yn croesawu gohebiaeth|"
    r"croesewir gohebiaeth yn gymraeg|mae'?r (?:neges|e-?bost)(?: hon| hwn)?(?: ac unrhyw atodiadau)? (?:yn|wedi)|"
    r"gall y (?:neges|e-?bost) hon|rhybudd(?: cyfrinachedd)?\s*:|ymwadiad\b|"
    r"(?:caution|warning|attention|notice)\s*:\s*(?:this|external)|this email originated from outside)",
    re.I,
)
# A lone first name or initials signing off: "Helen", "HJ", "H.", "Jo x".
_LONE_NAME = re.compile(r"^(?:[A-Z][a-z'\u2019-]{1,14}|[A-Z]{1,3}|(?:[A-Z]\.\s?){1,3})(?:\s*x{1,3})?[\s,.!]*$")
# Lines that mark a short trailing paragraph as a signature block, not an answer.
_CONTACT = re.compile(
    r"(?:^|\b)(?:tel|telephone|phone|mob|mobile|ext|fax|direct line|switchboard)\b\.?\s*:?\s*[+(\d]|"
    r"(?:\+44\s?\(?0?\)?|\b0)\d{2,4}[\s-]?\d{3}[\s-]?\d{3,4}\b|"
    r"^\S+@\S+\.\w+$|^(?:https?://|www\.)\S+$|"
    r"\b(?:nhs (?:foundation )?trust|integrated care board|(?:borough|county|city) council)\s*$|"
    r"^(?:pronouns|my working days|working hours)\b",
    re.I,
)
_HEADERS = EmailMessage(text="", languages=["en"]).HEADER_REGEX
_FROM_LINE = re.compile(r"^[>\s*]*from:", re.I | re.M)


def is_sign_off(line: str) -> bool:
    """'Kind regards', 'Many thanks, Priya', 'Sent from my iPhone', '-- ': the member's text has ended."""
    line = line.strip()
    return bool(line) and len(line) <= 60 and bool(_SIGN_OFF.match(line) or _CLIENT_LINE.match(line))


def is_disclaimer(line: str) -> bool:
    """The first line of a disclaimer or a mail server's banner."""
    return bool(_DISCLAIMER.match(line.strip()))


def reply_header_lines(lines: Sequence[str]) -> set[int]:
    """Where a quoted earlier message begins: 'On ... wrote:', an Outlook 'From: ... Sent: ...' block."""
    stripped = [line.strip().lstrip("> ").strip() for line in lines]
    text = "\n".join(stripped)
    if "wrote:" not in text.lower() and "from:" not in text.lower() and "original message" not in text.lower():
        return set()
    found = set()
    for match in _HEADERS.finditer(text):
        block = match.group(0)
        if "wrote:" not in block.lower() and "original message" not in block.lower() and not _FROM_LINE.search(block):
            continue  # "Date: ... / To: ..." lines of a form are not a reply header; Outlook's block starts with From:
        start = match.start() + (len(block) - len(block.lstrip("\n")))
        found.add(text.count("\n", 0, start))
    return found


def member_words(text: str) -> str:
    """An answer without what follows the member's words: sign-off, signature, disclaimer, quoted reply."""
    if not text or "\n" not in text:
        return "" if text and (is_disclaimer(text) or _CLIENT_LINE.match(text.strip())) else text
    lines = text.split("\n")
    cut = len(lines)
    headers = reply_header_lines(lines)
    for index, line in enumerate(lines):
        if index and (index in headers or is_sign_off(line) or is_disclaimer(line)):
            cut = index
            break
    kept = _without_lone_name(_without_signature_block(lines[:cut]))
    return "\n".join(kept).strip()


def _without_lone_name(lines: list[str]) -> list[str]:
    """Drop a last line that is only a first name or initials, when it stands apart from the answer:
    after a blank line, or after a line that ends a sentence. "Nurses in GP surgeries / Doncaster" is kept."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) < 2 or not _LONE_NAME.match(lines[filled[-1]].strip()):
        return lines
    last, before = filled[-1], filled[-2]
    apart = last - before > 1 or lines[before].rstrip().endswith((".", "!", ")", ":", ","))
    return lines[:last] if apart else lines


def _without_signature_block(lines: list[str]) -> list[str]:
    """Drop trailing paragraphs that are a signature (short lines with a phone, address or organisation)."""
    while True:
        blank = max((i for i, line in enumerate(lines) if not line.strip() and i < len(lines) - 1), default=-1)
        if blank <= 0:
            return lines
        block = [line.strip() for line in lines[blank + 1 :] if line.strip()]
        if not block or not _looks_like_signature(block):
            return lines
        lines = lines[:blank]
        while lines and not lines[-1].strip():
            lines.pop()


def _looks_like_signature(block: list[str]) -> bool:
    """Name, role, organisation, phone: short lines, no sentences, one of them a way to reach someone.
    A single line counts only when it is nothing but a number, an address or a link."""
    if len(block) > 8 or any(len(line) > 70 for line in block):
        return False
    if any(line.endswith((".", "?", "!")) and len(line.split()) > 4 for line in block):
        return False  # a sentence: part of the answer
    if len(block) == 1:
        return len(block[0]) <= 40 and bool(_CONTACT.search(block[0])) and len(block[0].split()) <= 4
    return any(_CONTACT.search(line) for line in block)
