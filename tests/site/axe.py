"""axe-core, installed at test time from the npm registry into a cache folder (never committed), and a runner."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

AXE_VERSION = "4"
CACHE = Path.home() / ".cache" / "mln-tests" / "axe"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_source() -> str:
    script = CACHE / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        if npm is None:
            message = "npm is missing (apt-get install -y npm): axe-core comes from the npm registry"
            pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), f"axe-core@{AXE_VERSION}"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return script.read_text(encoding="utf-8")


def axe_violations(page, source: str) -> list[dict]:
    """Run axe in the page (through the debugging protocol, so the site's CSP does not stop it)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(source + "\n;0")
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_22_AA
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def describe(violations: list[dict]) -> str:
    return json.dumps(violations, indent=1)
