"""CSV files people exchange with spreadsheets: reading rows for imports, the import
report, and cells that must never run as formulas."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import InvalidInput

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Spreadsheet programs run a cell starting with = + - @ as a formula; a leading apostrophe keeps it text."""
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS:
        return "'" + value
    return value


def read_csv_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row keyed by lower-case heading); a file with no `email` heading is refused."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        headings = [h.strip().lower() for h in (reader.fieldnames or [])]
        if "email" not in headings:
            raise InvalidInput(f"{path}: needs a heading row with an `email` column (also: name, organisation)")
        reader.fieldnames = headings
        return [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}) for row in reader]


@dataclass
class ImportReport:
    """What an import did: counts, and each skipped row with its reason."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (line, address, reason)

    def as_dict(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": [{"line": line, "email": email, "reason": why} for line, email, why in self.skipped],
        }
