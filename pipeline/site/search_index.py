"""The client-side search index: for each File No, the distinct words of the fields a reader searches.

Words are lower-cased and stripped of accents, in first-seen order, joined by
spaces with a leading space, so the page's script finds a word by its start
(" audit" matches "audits"). Duplicates are dropped, which keeps the index a
fraction of the size of the text it covers.

At national scale the whole index is tens of megabytes, so it is split into
shards: an item's shard is fixed by a hash of its File No, so a new or changed
item rewrites one shard only. The shard count is a power of two chosen so that
shards average at most SHARD_TARGET bytes; the page loads a small map
(search-index.js) and then the shards one at a time, searching each as it comes.
Shards are scripts, not JSON files, so the search also works from a file share
(file:// cannot fetch, but it can load a script).
"""

from __future__ import annotations

import json
import re
import unicodedata
import zlib

from pipeline import urls
from pipeline.site.data import SiteItem

SEARCHED = ("title", "summary", "outcomes", "learning", "locality", "organisation")
SHARD_TARGET = 256 * 1024  # average; hashing keeps every shard well under the 1 MB a reader should wait for
SHARD_FOLDER = "practice/search"
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
    """The whole index in one object (what the shards hold between them)."""
    return {"v": 1, "fields": list(SEARCHED), "items": {item.file_no: item_words(item) for item in items}}


def shard_count(total_bytes: int) -> int:
    count = 1
    while count * SHARD_TARGET < total_bytes:
        count *= 2
    return count


def shard_of(file_no: str, count: int) -> int:
    return zlib.crc32(file_no.encode("utf-8")) % count


def shard_path(number: int) -> str:
    return f"{SHARD_FOLDER}/{number}.js"


def search_files(items: list[SiteItem]) -> dict[str, str]:
    """Site path -> script: the map (urls.SEARCH_SCRIPT) and every shard it names."""
    found = {item.file_no: item_words(item) for item in items}
    count = shard_count(sum(len(k) + len(v) + 6 for k, v in found.items()))
    shards: list[dict[str, str]] = [{} for _ in range(count)]
    for file_no, text in found.items():
        shards[shard_of(file_no, count)][file_no] = text
    files = {urls.SEARCH_SCRIPT: _script("window.MLN_SEARCH_INDEX=", _index_map(count))}
    for number, shard in enumerate(shards):
        files[shard_path(number)] = _script(f"window.MLN_SEARCH_SHARD({number},", {"items": shard}, ")")
    return files


def _index_map(count: int) -> dict:
    # Relative to the Information Index page, which loads this map.
    paths = [urls.relative(urls.INDEX, shard_path(n)) for n in range(count)]
    return {"v": 2, "fields": list(SEARCHED), "shards": paths}  # no counts: a new item leaves the map alone


def _script(head: str, data: dict, tail: str = "") -> str:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # JSON is valid JavaScript; "<" is escaped anyway, should anyone ever inline this file.
    payload = payload.replace("<", "\\u003c")
    return f"{head}{payload}{tail};\n"
