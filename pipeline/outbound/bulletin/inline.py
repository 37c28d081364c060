"""CSS inlining behind one function, so the inliner can be swapped.

`inline_css` counts its calls: the sender renders each audience once and then
personalises copies by substitution, and tests and benchmarks check that the
(slow) inliner ran once per audience, not once per recipient.
"""

from __future__ import annotations

import logging
import threading

import premailer

_lock = threading.Lock()
_calls = 0


def inline_css(html: str, css: str) -> str:
    """Move the stylesheet's rules into style attributes.

    Rules that cannot be inlined (media queries, :hover) stay in one <style>
    block in the head. Nothing is fetched: no network, no external files.
    """
    global _calls
    with _lock:
        _calls += 1
    inliner = premailer.Premailer(
        html,
        css_text=css,
        allow_network=False,
        allow_loading_external_files=False,
        disable_validation=True,
        remove_classes=False,
        # Keep the width attributes the template sets (600 for Outlook); CSS widths stay in style.
        disable_basic_attributes=["width", "height"],
        cssutils_logging_level=logging.CRITICAL,
    )
    return inliner.transform()


def inline_css_calls() -> int:
    """How many times `inline_css` has run in this process."""
    return _calls
