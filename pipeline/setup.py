"""`mln init`: a starter config, the shipped inbox rules to edit, and the database."""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.config import REPO_ROOT, load_settings, secrets_path
from pipeline.errors import InvalidInput
from pipeline.store import db

STARTER_CONFIG = """\
# MLN Bulletin settings. Every key can also come from the environment as
# MLN_<SECTION>_<KEY>, e.g. MLN_DATABASE_URL. Secrets come only from the environment,
# or from mln.secrets.env beside this file (NAME=value lines, chmod 600).
# Check everything with `mln doctor`.

[database]
url = "{database_url}"                  # or "postgresql+psycopg://user@host:5432/mln"

[mailbox]
url = "{mailbox_url}"                     # imap://user@host:143/INBOX, imaps://user@host/INBOX, maildir:///path
password_env = "MLN_IMAP_PASSWORD"        # the name of the variable holding the password
processed_folder = "Processed"            # created if missing
failed_folder = "Quarantine"              # messages whose handling failed
held_folder = "Held"                      # messages waiting for a person
# batch_size = 50
# tls_verify = true

[smtp]
url = "{smtp_url}"               # smtps://host:465, or smtp://host:587 with starttls = true
starttls = {starttls}
user = "{smtp_user}"
password_env = "MLN_SMTP_PASSWORD"
# The shared mailbox itself: replies, confirmations (+confirm-), mailto unsubscribes
# (+unsubscribe-) and bounces (+bounce-) come back to it, into the polled mailbox.
from_address = "{shared_address}"
reply_to = "{shared_address}"
# rate_per_minute = 0                      # 0: as fast as the server takes them

[network]
name = "{network_name}"
shared_address = "{shared_address}"
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

[bounces]
soft_editions = 3                         # editions in a row that failed (full, blocked...) before an address is disabled;
                                          # "user unknown" and other failures naming the mailbox disable it at once

[schedule]
communications_lead = ""                  # previews go here (default: network.shared_address)
auto_send = false                         # true: send the period's bulletin without `mln bulletin approve`
reminder_days_before = 14

[web]
base_url = ""                             # e.g. "https://mln.example.org": item links, one-click unsubscribe
# site_audience = "external"              # the only edition `mln web` serves; on the internet: `mln web --only lists` (docs/web.md)

[meetings]
rule = "last_working_day"                 # the networks' rule; "none": only meetings added with `mln meetings add`
time = "14:00"                            # local time; move, cancel or add one meeting with `mln meetings`
duration_minutes = 120
venue = ""                                # e.g. "Leeds Civic Hall, LS1 1UR" or "Online"
join_url = ""                             # e.g. the Teams link: shown in bulletins and calendar files

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


DEFAULT_NETWORK_NAME = "Older People's Mental Health Managed Learning Network"
_ADDRESS = re.compile(r"[^@\s+]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


@dataclass(frozen=True)
class InitChoices:
    """What `mln init` asks: the shared mailbox, and where mail comes from and goes out."""

    shared_address: str = "mln@example.org"  # the polled mailbox; bulletins go out From it
    mailbox_url: str = "maildir://./mailbox"
    smtp_url: str = "smtp://127.0.0.1:25"
    smtp_user: str = ""
    database_url: str = "sqlite:///mln.db"
    network_name: str = DEFAULT_NETWORK_NAME


@dataclass(frozen=True)
class InitReport:
    config_path: str
    config_written: bool
    rules_dir: str
    rules_copied: int
    database: str
    from_address: str = ""
    secrets_file: str = ""
    secret_written: bool = False  # False: the file already held one (kept: tokens in the wild stay valid)


def init_project(
    directory: Path,
    mailbox_url: str | None = None,
    force: bool = False,
    choices: InitChoices | None = None,
) -> InitReport:
    """Write mln.toml (unless present), a token secret, the inbox rules to edit, and the database."""
    choices = choices or InitChoices()
    if mailbox_url is not None:
        choices = dataclasses.replace(choices, mailbox_url=mailbox_url)
    if not _ADDRESS.fullmatch(choices.shared_address):
        raise InvalidInput(
            f"{choices.shared_address!r} is not a plain mailbox address; give the shared mailbox's own "
            "address, e.g. mln@trust.nhs.uk (no +tag: the tags are added to it)"
        )
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "mln.toml"
    written = force or not config_path.exists()
    if written:
        config_path.write_text(starter_config(choices), encoding="utf-8")
    rules_dir = directory / "inbox_rules"
    copied = 0
    if not rules_dir.exists():
        rules_dir.mkdir()
        for path in sorted((REPO_ROOT / "inbox_rules").glob("*.toml")):
            shutil.copy2(path, rules_dir / path.name)
            copied += 1
    secret_written = write_token_secret(secrets_path(config_path), "MLN_TOKEN_SECRET")
    settings = load_settings(config_path)
    settings.outbox_path.mkdir(parents=True, exist_ok=True)
    upgrade_database(settings.database.url)
    return InitReport(
        str(config_path),
        written,
        str(rules_dir),
        copied,
        db.redact_url(settings.database.url),
        settings.smtp.from_address,
        str(secrets_path(config_path)),
        secret_written,
    )


def starter_config(choices: InitChoices) -> str:
    port = urlsplit(choices.smtp_url).port
    values = {
        "shared_address": choices.shared_address,
        "mailbox_url": choices.mailbox_url,
        "smtp_url": choices.smtp_url,
        "smtp_user": choices.smtp_user,
        "database_url": choices.database_url,
        "network_name": choices.network_name,
    }
    escaped = {key: value.replace("\\", "\\\\").replace('"', '\\"') for key, value in values.items()}
    return STARTER_CONFIG.format(**escaped, starttls="true" if port == 587 else "false")


def write_token_secret(path: Path, name: str) -> bool:
    """Add NAME=<random> to the secrets file (created 0600) unless it already holds NAME."""
    if path.exists() and any(line.strip().startswith(f"{name}=") for line in path.read_text().splitlines()):
        return False
    line = (
        "# Signs confirm, unsubscribe and bounce tokens; keep it, or links already sent stop working.\n"
        f"{name}={secrets.token_urlsafe(32)}\n"
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(line)
    return True
