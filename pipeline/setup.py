"""`mln init`: a starter config, the shipped inbox rules to edit, and the database."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import REPO_ROOT, load_settings
from pipeline.store import db

STARTER_CONFIG = """\
# MLN Bulletin settings. Every key can also come from the environment as
# MLN_<SECTION>_<KEY>, e.g. MLN_DATABASE_URL. Secrets come only from the environment.

[database]
url = "sqlite:///mln.db"                  # or "postgresql+psycopg://user@host:5432/mln"

[mailbox]
url = "{mailbox_url}"                     # imap://user@host:143/INBOX, imaps://user@host/INBOX, maildir:///path
password_env = "MLN_IMAP_PASSWORD"        # the name of the variable holding the password
processed_folder = "Processed"            # created if missing
failed_folder = "Quarantine"              # messages whose handling failed
held_folder = "Held"                      # messages waiting for a person
# batch_size = 50
# tls_verify = true

[smtp]
url = "smtp://127.0.0.1:25"               # smtps://host:465, or smtp://host:587 with starttls = true
starttls = false
user = ""
password_env = "MLN_SMTP_PASSWORD"
from_address = "bulletin@example.org"
reply_to = "mln@example.org"
# rate_per_minute = 0                      # 0: as fast as the server takes them

[network]
name = "Older People's Mental Health Managed Learning Network"
shared_address = "mln@example.org"
# themes = ["Liaison / General Hospital", "Commissioning", ...]   # default: the ten key themes
# regions = ["North East", "Yorkshire & Humber", "North West", "East Midlands"]
timezone = "Europe/London"

[paths]
outbox_dir = "outbox"
rules_dir = "inbox_rules"                 # edit these rules; check them with `mln rules check`

[security]
token_secret_env = "MLN_TOKEN_SECRET"     # set this variable to a long random string before accepting joins
# trusted_authserv_ids = ["mx.example.org"]  # whose Authentication-Results may make a leave by email act at once

[lists]
names = ["internal", "external"]
approval_required = false                 # true: a confirmed join waits for `mln subscribers approve`
bounce_threshold = 5                      # hard-bounce days within 30 days that disable an address

[schedule]
communications_lead = ""                  # previews go here (default: network.shared_address)
auto_send = false                         # true: send the period's bulletin without `mln bulletin approve`
reminder_days_before = 14

[web]
base_url = ""                             # e.g. "https://mln.example.org": item links, one-click unsubscribe
# site_audience = "external"              # the only edition `mln web` serves; on the internet: `mln web --only lists` (docs/web.md)

# For NHSmail / Microsoft 365 or Google mailboxes that refuse passwords
# (see docs/nhsmail-oauth.md): set [mailbox] auth = "oauth2" and
# [oauth2]
# provider = "microsoft"
# tenant = "example.nhs.uk"
# client_id = "00000000-0000-0000-0000-000000000000"
# client_secret_env = "MLN_OAUTH2_CLIENT_SECRET"

[limits]
max_attachment_bytes = 20971520           # 20 MB
auto_replies_per_day = 10
"""


def upgrade_database(url: str) -> None:
    """Migrations, then the search index (an FTS5 table on SQLite, a GIN index on PostgreSQL)."""
    from pipeline.search import ensure_search_schema

    db.upgrade(url)
    ensure_search_schema(url)


@dataclass(frozen=True)
class InitReport:
    config_path: str
    config_written: bool
    rules_dir: str
    rules_copied: int
    database: str


def init_project(directory: Path, mailbox_url: str = "maildir://./mailbox", force: bool = False) -> InitReport:
    """Write mln.toml (unless present), copy the shipped inbox rules, create the database."""
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "mln.toml"
    written = force or not config_path.exists()
    if written:
        config_path.write_text(STARTER_CONFIG.format(mailbox_url=mailbox_url), encoding="utf-8")
    rules_dir = directory / "inbox_rules"
    copied = 0
    if not rules_dir.exists():
        rules_dir.mkdir()
        for path in sorted((REPO_ROOT / "inbox_rules").glob("*.toml")):
            shutil.copy2(path, rules_dir / path.name)
            copied += 1
    settings = load_settings(config_path)
    settings.outbox_path.mkdir(parents=True, exist_ok=True)
    upgrade_database(settings.database.url)
    return InitReport(str(config_path), written, str(rules_dir), copied, db.redact_url(settings.database.url))
