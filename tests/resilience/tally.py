"""Figures for tests/RESILIENCE.md: each resilience test says what it tried.

`tally` (a fixture in conftest.py) collects per test: trials run, faults
injected, inputs tried, and anything lost or done twice. When the environment
variable MLN_RESILIENCE_TALLY names a file, each test appends one JSON line
there; scripts/resilience_report.py adds them up. Otherwise nothing is written.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

TALLY_ENV = "MLN_RESILIENCE_TALLY"


@dataclass
class Tally:
    test: str
    area: str = ""
    trials: int = 0  # crash/restart trials run
    kills: int = 0  # processes killed with SIGKILL
    faults: int = 0  # faults injected (dropped connections, error replies, full disk ...)
    inputs: int = 0  # generated or hostile inputs tried
    lost: int = 0  # messages or deliveries lost (must stay 0)
    duplicates: int = 0  # repeats seen at the sink (bounded by kills)
    notes: list[str] = field(default_factory=list)

    def add(self, **counts: int) -> None:
        for key, value in counts.items():
            setattr(self, key, getattr(self, key) + value)

    def write(self, outcome: str) -> None:
        path = os.environ.get(TALLY_ENV)
        if not path:
            return
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({**asdict(self), "outcome": outcome}) + "\n")
