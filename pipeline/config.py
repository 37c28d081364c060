"""Settings, read once: the TOML file, then `MLN_<SECTION>_<KEY>` environment overrides.

This is the only module that reads the environment. Everything else receives a
frozen `Settings` object.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config_files import config_not_found, find_config_path, read_secrets_file, secrets_path
from pipeline.config_smtp import RouteSettings, Secret, SmtpSettings, build_routes, smtp_section, split_route_tables
from pipeline.errors import ConfigError, ConfigNotFound

DEFAULT_THEMES = (
    "Liaison / General Hospital",
    "Commissioning",
    "Workforce",
    "Culturally Appropriate Services",
    "In Patient Services",
    "Care Homes / Housing / Home Care / Day Services",
    "Specialist CMHT / Intermediate Care",
    "Service User Engagement",
    "Health Promotion",
    "Primary Care",
)
DEFAULT_REGIONS = ("North East", "Yorkshire & Humber", "North West", "East Midlands")
REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///mln.db"


@dataclass(frozen=True)
class MailboxSettings:
    url: str = "maildir://./mailbox"
    password_env: str = "MLN_IMAP_PASSWORD"
    password: Secret = Secret("")
    processed_folder: str = "Processed"
    failed_folder: str = "Quarantine"
    held_folder: str = "Held"
    batch_size: int = 50
    batch_bytes: int = 20_000_000
    timeout: float = 30.0
    tls_verify: bool = True
    ca_file: str = ""
    poll_interval: float = 60.0
    use_idle: bool = True
    auth: str = "password"  # password | oauth2 (SASL XOAUTH2 with a token from [oauth2])


@dataclass(frozen=True)
class NetworkSettings:
    name: str = "Older People's Mental Health Managed Learning Network"
    short_name: str = "MLN"
    themes: tuple[str, ...] = DEFAULT_THEMES
    regions: tuple[str, ...] = DEFAULT_REGIONS
    organisation_types: tuple[str, ...] = (
        "Mental Health Trust",
        "Primary Care Trust",
        "Acute Trust",
        "Social Care",
        "3rd Sector",
        "Other",
    )
    shared_address: str = "mln@example.org"
    organisation_line: str = "A managed learning network of NHS trusts, councils and voluntary organisations."
    timezone: str = "Europe/London"
    file_no_prefix: str = ""
    months_per_issue: int = 2  # 2: Jan–Feb, Mar–Apr, ...; must divide 12


@dataclass(frozen=True)
class PathSettings:
    outbox_dir: str = "outbox"
    rules_dir: str = ""
    templates_dir: str = ""
    data_dir: str = "data"


@dataclass(frozen=True)
class LimitSettings:
    max_attachment_bytes: int = 20 * 1024 * 1024
    max_message_bytes: int = 30 * 1024 * 1024
    auto_replies_per_day: int = 10
    zip_max_entries: int = 2000
    zip_max_total_bytes: int = 200 * 1024 * 1024
    zip_max_ratio: int = 100


@dataclass(frozen=True)
class DebugSettings:
    # A named point where the process kills itself with SIGKILL, for crash tests:
    # "NAME" or "NAME:N" (the Nth time the point is reached).
    crash_at: str = ""


@dataclass(frozen=True)
class DnsSettings:
    # The resolver `mln doctor mail` asks ("HOST" or "HOST:PORT"); empty: the system's.
    # MLN_DNS_SERVER=127.0.0.1:5353 points it at a test server.
    server: str = ""
    timeout: float = 5.0


@dataclass(frozen=True)
class SecuritySettings:
    # The key that signs confirm / unsubscribe / bounce tokens comes only from this
    # environment variable, never from the file.
    token_secret_env: str = "MLN_TOKEN_SECRET"
    token_secret: Secret = Secret("")
    confirm_days: int = 7
    unsubscribe_days: int = 400  # the links in a bulletin's List-Unsubscribe
    bounce_days: int = 30  # the VERP envelope sender of a bulletin copy: real bounces come within days
    # Leave by email from an address (no token) acts at once only when the Authentication-Results
    # header added by one of these receiving servers (RFC 8601 authserv-id, e.g. "mx.example.org")
    # says DMARC passed (or DKIM passed for the From domain); otherwise a reply confirms it first.
    trusted_authserv_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListSettings:
    names: tuple[str, ...] = ("internal", "external")
    default_list: str = "external"
    approval_required: bool = False  # a confirmed join then waits for `mln subscribers approve`
    joins_per_sender_per_day: int = 5
    # Not read since [bounces] soft_editions replaced them; kept so older mln.toml files still load.
    bounce_threshold: int = 5
    bounce_window_days: int = 30


@dataclass(frozen=True)
class BounceSettings:
    # A failure that names the mailbox as gone (5.1.1 user unknown, 5.1.10, 5.1.6 moved, 5.2.1
    # disabled, ...) disables the address at once. Any other failure (full, blocked, unknown
    # format) disables it only when this many editions in a row failed: a list mailed every
    # two months never sees five failures within a month.
    soft_editions: int = 3


@dataclass(frozen=True)
class WebSettings:
    # The public address of the static site (mln site build); bulletins link items to it when set.
    base_url: str = ""
    site_dir: str = "site"  # what `mln web` serves by default
    host: str = "127.0.0.1"
    port: int = 8080
    # The edition `mln web` serves: a site folder holding another (the internal one) is refused.
    site_audience: str = "external"
    # Limits of `mln web`'s server (waitress): an idle or slow connection is closed after
    # `timeout` seconds; at most `max_connections` at once, `threads` requests at a time.
    timeout: int = 30
    threads: int = 4
    max_connections: int = 100
    max_body_bytes: int = 16_384  # a one-click POST is 26 bytes
    max_header_bytes: int = 16_384


@dataclass(frozen=True)
class WorkerSettings:
    # How often the worker looks at the mailbox when IDLE is not offered (or mailbox.use_idle
    # is false) is mailbox.poll_interval; these say how it waits and recovers.
    idle_seconds: float = 300.0  # renew IDLE this often (servers drop it after ~30 min)
    backoff_max: float = 300.0  # longest wait between reconnection attempts
    schedule_interval: float = 60.0  # how often scheduled jobs are checked
    send_batch: int = 20  # deliveries per step; a stop request is honoured between steps
    lock_file: str = ""  # SQLite only; default: the database file + ".worker.lock"


@dataclass(frozen=True)
class ScheduleSettings:
    communications_lead: str = ""  # previews and notices go here (default: network.shared_address)
    draft_on_close: bool = True  # draft the closed period's bulletin and email a preview
    auto_send: bool = False  # approve and send the drafted bulletin without waiting for a person
    send_approved: bool = True  # the worker sends an approved bulletin to the lists
    reminders: bool = True
    reminder_days_before: int = 14
    digest: bool = False  # a weekly digest of new submissions to each theme lead
    digest_weekday: str = "Monday"


@dataclass(frozen=True)
class BulletinSettings:
    # Different people who must approve an edition before it goes (2: four eyes).
    approvals: int = 1
    # Each audience's introduction (Markdown with {{ count.new }}, {{ count.updated }},
    # {{ highlights }}); a draft's own --intro replaces it. Empty: the draft's intro for both.
    intro_internal: str = ""
    intro_external: str = ""
    # Where each edition's links point (its own site); empty: web.base_url.
    base_url_internal: str = ""
    base_url_external: str = ""


@dataclass(frozen=True)
class MeetingSettings:
    # Network meetings: the rule gives the dates (exceptions: `mln meetings`), in network.timezone.
    rule: str = "last_working_day"  # last_working_day | none (only meetings added by hand)
    time: str = "14:00"  # HH:MM, local time
    duration_minutes: int = 120
    title: str = "Network meeting"
    venue: str = ""
    join_url: str = ""  # e.g. the Teams link, shown and put in each calendar file


@dataclass(frozen=True)
class OAuth2Settings:
    # Used when mailbox.auth or smtp.auth is "oauth2"; see docs/nhsmail-oauth.md.
    provider: str = "microsoft"  # microsoft (MSAL) | google | generic (authlib)
    flow: str = "client_credentials"  # client_credentials (unattended) | device_code (`mln auth login`)
    tenant: str = ""  # Entra ID tenant id or domain (microsoft)
    client_id: str = ""
    client_secret_env: str = "MLN_OAUTH2_CLIENT_SECRET"  # the secret itself only from the environment
    client_secret: Secret = Secret("")
    certificate_file: str = ""  # PEM certificate instead of a secret (microsoft)
    private_key_file: str = ""  # its PEM private key
    service_account_file: str = ""  # google: a service account's JSON key (domain-wide delegation)
    subject: str = ""  # google service account: the mailbox address it acts as
    scopes: tuple[str, ...] = ()  # empty: the provider's defaults for the flow
    authority: str = ""  # microsoft: default https://login.microsoftonline.com/{tenant}
    token_url: str = ""  # google / generic: the token endpoint
    device_authorization_url: str = ""  # google / generic: the device authorization endpoint
    token_cache: str = "oauth2-token.json"  # written 0600, relative to the config file's folder
    ca_file: str = ""  # extra trust root for the token endpoint
    refresh_margin: float = 300.0  # seconds before expiry at which a token is renewed
    timeout: float = 30.0


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    mailbox: MailboxSettings = field(default_factory=MailboxSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    network: NetworkSettings = field(default_factory=NetworkSettings)
    paths: PathSettings = field(default_factory=PathSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    debug: DebugSettings = field(default_factory=DebugSettings)
    dns: DnsSettings = field(default_factory=DnsSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    lists: ListSettings = field(default_factory=ListSettings)
    bounces: BounceSettings = field(default_factory=BounceSettings)
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    web: WebSettings = field(default_factory=WebSettings)
    bulletin: BulletinSettings = field(default_factory=BulletinSettings)
    oauth2: OAuth2Settings = field(default_factory=OAuth2Settings)
    meetings: MeetingSettings = field(default_factory=MeetingSettings)
    routes: tuple[RouteSettings, ...] = ()  # [[smtp.route]]; [smtp] itself is the default route
    source: str = "(built-in defaults)"
    base_dir: str = "."

    @property
    def outbox_path(self) -> Path:
        return Path(self.base_dir, self.paths.outbox_dir)

    @property
    def rules_path(self) -> Path:
        return Path(self.base_dir, self.paths.rules_dir) if self.paths.rules_dir else REPO_ROOT / "inbox_rules"

    @property
    def templates_path(self) -> Path:
        return Path(self.base_dir, self.paths.templates_dir) if self.paths.templates_dir else REPO_ROOT / "templates"

    @property
    def data_path(self) -> Path:
        return Path(self.base_dir, self.paths.data_dir)


SECTIONS: dict[str, Any] = {  # section name -> its settings dataclass
    name: hint for name, hint in typing.get_type_hints(Settings).items() if dataclasses.is_dataclass(hint)
}
_SECRET_FIELDS = {"password", "token_secret", "client_secret"}


def load_settings(
    path: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None, *, required: bool = True
) -> Settings:
    """Read settings from the config file (see `find_config_path`), its secrets file and the environment.

    With no config file found, raise ConfigNotFound unless `required` is false (then
    built-in defaults: for commands that touch no database, mailbox or server).
    """
    environ = dict(os.environ if environ is None else environ)
    config_path = find_config_path(path, environ)
    if config_path is None and required:
        raise config_not_found()
    data: dict[str, Any] = {}
    source = "(built-in defaults)"
    if config_path is not None:
        if not config_path.is_file():
            raise ConfigNotFound(f"config file {config_path} not found; run `mln init` to write one")
        source = str(config_path)
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_path}: not valid TOML: {exc}") from None
        environ = {**read_secrets_file(secrets_path(config_path)), **environ}
    base_dir = config_path.resolve().parent if config_path else Path.cwd()
    smtp_table, route_tables = split_route_tables(data)
    sections = {name: _build_section(name, cls, data.get(name, {}), environ, source) for name, cls in SECTIONS.items()}
    unknown = set(data) - set(SECTIONS)
    if unknown:
        raise ConfigError(f"{source}: unknown section [{sorted(unknown)[0]}] (known: {', '.join(SECTIONS)})")
    sections["database"] = _absolute_sqlite(sections["database"], base_dir)
    sections["mailbox"] = _with_secret(sections["mailbox"], environ)
    sections["smtp"] = smtp_section(sections["smtp"], smtp_table, environ, source)
    routes = build_routes(route_tables, sections["smtp"], environ, source, _coerce)
    security = sections["security"]
    sections["security"] = dataclasses.replace(
        security, token_secret=Secret(environ.get(security.token_secret_env, ""))
    )
    oauth2 = sections["oauth2"]
    sections["oauth2"] = dataclasses.replace(
        oauth2, client_secret=Secret(environ.get(oauth2.client_secret_env, "") if oauth2.client_secret_env else "")
    )
    if 12 % sections["network"].months_per_issue:
        raise ConfigError(
            f"network.months_per_issue in {source}: must divide 12 (1, 2, 3, 4, 6 or 12), "
            f"got {sections['network'].months_per_issue}"
        )
    return Settings(**sections, routes=routes, source=source, base_dir=str(base_dir))


def _build_section(name: str, cls: type, table: Any, environ: Mapping[str, str], source: str) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: [{name}] must be a table")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.name not in _SECRET_FIELDS}
    for key in table:
        if key not in known:
            raise ConfigError(f"{source}: unknown key {name}.{key} (known: {', '.join(sorted(known))})")
    values: dict[str, Any] = {}
    for key in known:
        env_name = f"MLN_{name.upper()}_{key.upper()}"
        if env_name in environ:
            values[key] = _coerce(hints[key], environ[env_name], f"{env_name} (environment)", from_env=True)
        elif key in table:
            values[key] = _coerce(hints[key], table[key], f"{name}.{key} in {source}", from_env=False)
    return cls(**values)


def _coerce(hint: Any, value: Any, where: str, from_env: bool) -> Any:
    origin = typing.get_origin(hint)
    try:
        if hint is bool:
            if isinstance(value, bool):
                return value
            if from_env and str(value).lower() in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
                return str(value).lower() in {"1", "true", "yes", "on"}
            raise ValueError("expected true or false")
        if hint is int:
            if isinstance(value, bool) or not str(value).strip().lstrip("-").isdigit():
                raise ValueError("expected a whole number")
            return int(value)
        if hint is float:
            try:
                if isinstance(value, bool):
                    raise ValueError
                return float(value)
            except ValueError:
                raise ValueError("expected a number") from None
        if hint is str:
            if not isinstance(value, str) and not from_env:
                raise ValueError("expected a string")
            return str(value)
        if origin is tuple:
            if from_env:
                value = [part.strip() for part in str(value).split(",") if part.strip()]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError("expected a list of strings")
            return tuple(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc} (got {value!r})") from None
    raise ConfigError(f"{where}: unsupported setting type {hint!r}")


def _absolute_sqlite(db: DatabaseSettings, base_dir: Path) -> DatabaseSettings:
    prefix = "sqlite:///"
    if db.url.startswith(prefix) and not db.url.startswith(prefix + "/") and ":memory:" not in db.url:
        return DatabaseSettings(url=prefix + str(base_dir / db.url[len(prefix) :]))
    return db


def _with_secret(section: Any, environ: Mapping[str, str]) -> Any:
    secret = environ.get(section.password_env, "") if section.password_env else ""
    return dataclasses.replace(section, password=Secret(secret))


def resolve_local_path(settings: Settings, path: str) -> Path:
    """A path from the config, relative to the config file's folder."""
    return Path(settings.base_dir, path).resolve()
