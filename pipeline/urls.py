"""Where each page of the static site lives, relative to the site's root.

One module, so the bulletin (which links to item pages when `[web] base_url` is
set) and the site builder always agree on the addresses.
"""

from __future__ import annotations

import re

HOME = "index.html"
INDEX = "practice/index.html"
BULLETINS = "bulletins/index.html"
FEED = "feed.atom"
SEARCH_JSON = "practice/search.json"
SEARCH_SCRIPT = "practice/search-index.js"


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def slug(text: str) -> str:
    """A File No as a file name: letters, digits, '.', '_' and '-' only, never empty, never hidden."""
    cleaned = _UNSAFE.sub("-", text).strip(".-") or "item"
    return cleaned[:100]


def item_path(file_no: str) -> str:
    return f"items/{slug(file_no)}.html"


def bulletin_path(number: int) -> str:
    return f"bulletins/{int(number)}.html"


def meeting_path(key: str) -> str:
    """A network meeting's calendar file (.ics), named by its calendar key."""
    return f"meetings/{slug(key)}.ics"


def absolute(base_url: str, path: str) -> str:
    """`path` under the configured base URL, or "" when there is none."""
    return f"{base_url.rstrip('/')}/{path}" if base_url else ""


def relative(from_path: str, to_path: str) -> str:
    """A link from one page to another that works on any host, sub-folder or file share."""
    depth = from_path.count("/")
    return "../" * depth + to_path
