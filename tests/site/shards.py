"""Read a built site's search index back: the map and every shard it names, as the browser loads them."""

from __future__ import annotations

import json
import re
from pathlib import Path

MAP = "practice/search-index.js"
_SHARD = re.compile(r"\Awindow\.MLN_SEARCH_SHARD\((\d+),(.*)\);\n\Z", re.S)


def index_map(out: Path) -> dict:
    text = (out / MAP).read_text(encoding="utf-8")
    return json.loads(text.removeprefix("window.MLN_SEARCH_INDEX=").removesuffix(";\n"))


def shard_files(out: Path) -> list[Path]:
    """The shard scripts the map names, resolved as the Information Index page resolves them."""
    page = out / "practice"
    return [(page / path).resolve() for path in index_map(out)["shards"]]


def shard_items(out: Path) -> dict[str, str]:
    """File No -> searched words, merged from every shard; an item in two shards fails."""
    return {file_no: entry[0] for file_no, entry in shard_entries(out).items()}


def shard_entries(out: Path) -> dict[str, list[str]]:
    """File No -> its whole entry (words, then what the results list shows), merged from every shard."""
    found: dict[str, list[str]] = {}
    for number, path in enumerate(shard_files(out)):
        match = _SHARD.match(path.read_text(encoding="utf-8"))
        assert match and int(match.group(1)) == number, path
        items = json.loads(match.group(2))["items"]
        assert not set(items) & set(found), path
        found.update(items)
    return found
