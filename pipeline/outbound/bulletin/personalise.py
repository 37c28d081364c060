"""Per-recipient values in a rendered bulletin, filled in by plain substitution.

The bulletin is rendered (and its CSS inlined) once per audience with these
placeholders in it; the sender then fills each copy in, which is cheap. The
placeholder spellings survive HTML escaping, CSS inlining and URL attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

RECIPIENT = "__MLN_RECIPIENT__"
UNSUBSCRIBE_ADDRESS = "__MLN_UNSUBSCRIBE_ADDRESS__"
UNSUBSCRIBE_URL = "__MLN_UNSUBSCRIBE_URL__"
PLACEHOLDERS = {"recipient": RECIPIENT, "unsubscribe_address": UNSUBSCRIBE_ADDRESS, "unsubscribe_url": UNSUBSCRIBE_URL}

PREVIEW_VALUES = {
    "recipient": "reader@example.org",
    "unsubscribe_address": "bulletin+unsubscribe-PREVIEW@example.org",
    "unsubscribe_url": "https://bulletin.example.org/unsubscribe/PREVIEW",
}


def personalise(rendered: str, values: Mapping[str, str], html: bool) -> str:
    """Fill the placeholders; values are escaped for HTML when `html` is true.

    `values` keys are those of PLACEHOLDERS; a missing one becomes "".
    """
    unknown = set(values) - set(PLACEHOLDERS)
    if unknown:
        raise KeyError(f"unknown placeholder names: {sorted(unknown)}")
    for name, token in PLACEHOLDERS.items():
        value = values.get(name, "")
        rendered = rendered.replace(token, escape(value, quote=True) if html else value)
    return rendered
