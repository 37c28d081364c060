"""The client-side search index: for each File No, the distinct words of the fields a reader searches.

Words are lower-cased and stripped of accents, in first-seen order, joined by
spaces with a leading space, so the page's script finds a word by its start
(" audit" matches "audits"). Duplicates are dropped, and so are the words too
common to search for (pipeline.search.STOP_WORDS, which the page leaves out of a
query as `mln search` does), which keeps the index a fraction of the size of
the text it covers. Beside its words, each entry holds
what the Information Index page lists of a found item (ENTRY), so a search
answers from the index alone: the page itself is small.

At national scale the whole index is tens of megabytes, so it is split into
shards: an item's shard is fixed by a hash of its File No, so a new or changed
item changes one shard only. The shard count is a power of two chosen from the
items' text as stored (an upper bound on their entries' size, known before any
entry is made) so that shards average at most SHARD_TARGET bytes; the page loads
a small map (search-index.js) and then the shards one at a time, searching each
as it comes. Shards are scripts, not JSON files, so the search also works from a
file share (file:// cannot fetch, but it can load a script).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import zlib
from collections.abc import Sequence

from pipeline import urls
from pipeline.outbound.bulletin.view import STATUS_SLUGS
from pipeline.search import STOP_WORDS
from pipeline.site.data import SEARCHED, ItemStamp, SiteItem

# One entry: [words, title, theme anchor, location, region, status, date, page].
ENTRY = ("words", "title", "theme", "location", "region", "status", "date", "path")
SHARD_TARGET = 256 * 1024  # average; hashing keeps every shard well under the 1 MB a reader should wait for
SHARD_FOLDER = "practice/search"
_ENTRY_OVERHEAD = 96  # quotes, commas, the anchor, status, date and the page's path beside the File No
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """What the browser's `terms()` in search.js yields for the same text."""
    folded = text.lower()
    if not folded.isascii():  # most text is plain ASCII: skip the slow per-character pass
        folded = "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))
    return _WORD.findall(folded)


def item_words(item: SiteItem) -> str:
    """The item's distinct searched words, less those too common to search for (no query keeps them)."""
    texts = (item.row.title, item.summary, item.outcomes, item.learning, item.locality, item.organisation)
    seen: dict[str, None] = {}
    for text in texts:
        for word in words(text):
            seen.setdefault(word, None)
    return " " + " ".join(word for word in seen if word not in STOP_WORDS)


def entry(item: SiteItem, anchor: str) -> list[str]:
    row = item.row
    return [
        item_words(item),
        row.title,
        anchor,
        row.location,
        item.region,
        STATUS_SLUGS.get(row.status, "planned"),
        item.sort_date,
        urls.item_path(row.file_no),
    ]


def shard_count(total_bytes: int) -> int:
    count = 1
    while count * SHARD_TARGET < total_bytes:
        count *= 2
    return count


def shard_of(file_no: str, count: int) -> int:
    return zlib.crc32(file_no.encode("utf-8")) % count


def shard_path(number: int) -> str:
    return f"{SHARD_FOLDER}/{number}.js"


def shards(stamps: list[ItemStamp]) -> list[list[ItemStamp]]:
    """The items of each shard, in File No order; how many shards depends only on the items' stored text."""
    count = shard_count(sum(2 * len(s.file_no) + s.size + _ENTRY_OVERHEAD for s in stamps))
    found: list[list[ItemStamp]] = [[] for _ in range(count)]
    for stamp in stamps:
        found[shard_of(stamp.file_no, count)].append(stamp)
    return found


def shard_inputs(number: int, members: Sequence[ItemStamp]) -> str:
    """What a shard is made from: its number and its items' digests (with the templates, in the build key)."""
    text = "\n".join(f"{s.file_no} {s.version}" for s in members)
    return hashlib.sha256(f"shard {number}\n{text}".encode()).hexdigest()


def shard_script(number: int, entries: dict[str, list[str]]) -> str:
    return _script(f"window.MLN_SEARCH_SHARD({number},", {"items": entries}, ")")


def map_script(count: int) -> str:
    """The map the Information Index page loads first (urls.SEARCH_SCRIPT): where the shards are."""
    # Relative to the Information Index page, which loads this map; no counts: a new item leaves the map alone.
    paths = [urls.relative(urls.INDEX, shard_path(n)) for n in range(count)]
    # The words too common to search for, as `mln search` leaves them out: the page leaves them out too.
    index = {"v": 3, "fields": list(SEARCHED), "entry": list(ENTRY), "shards": paths, "stop": sorted(STOP_WORDS)}
    return _script("window.MLN_SEARCH_INDEX=", index)


def _script(head: str, data: dict, tail: str = "") -> str:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # JSON is valid JavaScript; "<" is escaped anyway, should anyone ever inline this file.
    payload = payload.replace("<", "\\u003c")
    return f"{head}{payload}{tail};\n"
