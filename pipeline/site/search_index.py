"""The client-side search index: for each File No, the distinct words of the fields a reader searches.

Words are lower-cased and stripped of accents, in first-seen order, joined by
spaces with a leading space, so the page's script finds a word by its start
(" audit" matches "audits"). Duplicates are dropped, which keeps the index a
fraction of the size of the text it covers.
"""

from __future__ import annotations

import json
import re
import unicodedata

from pipeline.site.data import SiteItem

SEARCHED = ("title", "summary", "outcomes", "learning", "locality", "organisation")
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """What the browser's `terms()` in search.js yields for the same text."""
    folded = text.lower()
    if not folded.isascii():  # most text is plain ASCII: skip the slow per-character pass
        folded = "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))
    return _WORD.findall(folded)


def item_words(item: SiteItem) -> str:
    texts = (item.row.title, item.summary, item.outcomes, item.learning, item.locality, item.organisation)
    seen: dict[str, None] = {}
    for text in texts:
        for word in words(text):
            seen.setdefault(word, None)
    return " " + " ".join(seen)


def search_index(items: list[SiteItem]) -> dict:
    return {"v": 1, "fields": list(SEARCHED), "items": {item.file_no: item_words(item) for item in items}}


def search_json(items: list[SiteItem]) -> str:
    return json.dumps(search_index(items), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def search_script(index_json: str) -> str:
    """The same index (from `search_json`) as a script, so the search also works from a file share (file:// cannot fetch)."""
    # JSON is valid JavaScript; "<" is escaped anyway, should anyone ever inline this file.
    payload = index_json.replace("<", "\\u003c")
    return f"window.MLN_SEARCH_INDEX={payload};\n"
