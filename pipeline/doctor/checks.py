"""One line of a checklist: what was checked, how it went, and what to do about it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PASS, FAIL, WARN, SKIP = "pass", "fail", "warn", "skip"


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # pass | fail | warn (worth knowing, not a failure) | skip (not set, or nothing to check yet)
    detail: str
    fix: str = ""

    @property
    def failed(self) -> bool:
        return self.status == FAIL


def passed(name: str, detail: str) -> Check:
    return Check(name, PASS, detail)


def failed(name: str, detail: str, fix: str) -> Check:
    return Check(name, FAIL, detail, fix)


def warned(name: str, detail: str, fix: str = "") -> Check:
    return Check(name, WARN, detail, fix)


def skipped(name: str, detail: str) -> Check:
    return Check(name, SKIP, detail)


def from_error(name: str, error: Exception) -> Check:
    """A failed check from one of our errors, whose messages read "what went wrong; what to do"."""
    detail, _, fix = str(error).rpartition("; ")
    return failed(name, detail or fix, fix if detail else "see the line above")


@dataclass
class Report:
    """What `mln doctor` (or `mln doctor mail`) found, in the order it looked."""

    config: str
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(check.failed for check in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "config": self.config, "checks": [asdict(check) for check in self.checks]}
