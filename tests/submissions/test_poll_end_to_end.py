"""From a real IMAP mailbox (Dovecot) through `mln poll` to a filed submission and a spooled acknowledgement."""

from __future__ import annotations

import email
import json
import os
import subprocess
import sys
from email.policy import default
from pathlib import Path

from sqlalchemy import select

from pipeline.store import db
from pipeline.store.models import Message, Submission

from .conftest import build_mail


def _mln(config: Path, environ: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLN_")}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_forms_and_a_template_request_through_mln_poll(imap_account, db_url, tmp_path):
    config = tmp_path / "mln.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n'
        f'[mailbox]\nurl = "{imap_account.url}"\npassword_env = "TEST_IMAP_PASSWORD"\n'
        f'[paths]\noutbox_dir = "{tmp_path}/outbox"\n'
    )
    environ = {"TEST_IMAP_PASSWORD": imap_account.password}
    imap_account.append(build_mail(attachments=["template_filled.docx", "lo_paragraphs.odt"]))
    imap_account.append(build_mail(subject="Please send template", body="Could you send me the template?"))
    imap_account.append(build_mail(subject="Our plan", attachments=["hostile_encrypted.docx"]))

    result = _mln(config, environ, "poll", "--json")
    assert result.returncode == 0, result.stderr
    json.loads(result.stdout)

    with db.transaction(db_url, readonly=True) as session:
        outcomes = {m.subject: (m.handler, m.outcome) for m in session.scalars(select(Message))}
        subs = list(session.scalars(select(Submission).order_by(Submission.id)))
        assert [s.status for s in subs] == ["pending", "pending"]
        file_nos = [s.file_no for s in subs]
    assert outcomes == {
        "Improvement plan": ("submission", "processed"),
        "Please send template": ("template_request", "processed"),
        "Our plan": ("submission", "held"),
    }
    assert imap_account.uids("INBOX") == []
    spooled = [
        email.message_from_bytes(p.read_bytes(), policy=default) for p in sorted((tmp_path / "outbox").rglob("*.eml"))
    ]
    subjects = sorted(m["Subject"] for m in spooled)
    assert len(spooled) == 3
    assert any(file_nos[0] in s and file_nos[1] in s for s in subjects)
    assert "Reporting template: MLN" in subjects
    assert "We could not read your improvement plan" in subjects
    assert all(m["Auto-Submitted"] == "auto-replied" and m["In-Reply-To"] for m in spooled)
