"""Fixtures for the bulletin tests: the sample issue, the real templates, a headless Chromium."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import REPO_ROOT
from pipeline.outbound.bulletin import BulletinContent, content_from_dict

SAMPLES = Path(__file__).with_name("samples")
TEMPLATES = REPO_ROOT / "templates"
ARTIFACTS = REPO_ROOT / "test-artifacts" / "bulletin"
# The browser (browser_context) is shared by every test folder: tests/fixtures/browser.py.


def load_sample(name: str = "issue_12.json") -> BulletinContent:
    return content_from_dict(json.loads((SAMPLES / name).read_text(encoding="utf-8")))


@pytest.fixture
def sample_content() -> BulletinContent:
    return load_sample()


@pytest.fixture(scope="session")
def templates_dir() -> Path:
    return TEMPLATES


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
