"""The README's first command, `make demo`, from a fresh clone: it installs and runs.

(The second command, `make test`, is what CI runs from a fresh clone.)
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.config import REPO_ROOT


@pytest.mark.skipif(
    not (REPO_ROOT / ".git").exists() or not shutil.which("make"), reason="needs a git checkout and make"
)
def test_make_demo_from_a_fresh_clone(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(clone)], check=True)

    result = subprocess.run(["make", "demo"], cwd=clone, capture_output=True, text=True, timeout=900)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "seeded" in result.stdout and "fetched" in result.stdout
    assert "Messages:" in result.stdout
    assert (clone / "demo" / "mln.db").exists()
    assert any(Path(clone / "demo" / "mailbox").glob(".Processed*"))
