"""The [smtp] section and its `[[smtp.route]]` profiles: how mail leaves, at what pace.

The [smtp] section is the default route. Each `[[smtp.route]]` is another server
(or the same one with other limits), chosen for the lists (audiences) it names or
for the sender domains it names; everything else goes the default way
(pipeline/outbound/routes.py). A route has the connection keys of [smtp], a
per-minute rate, a rolling 24-hour recipient cap and, optionally, a DKIM key to
sign with. A preset fills in the limits of a known service; keys given win.

Read by pipeline/config.py, the one module that reads configuration.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.errors import ConfigError

DEFAULT_ROUTE = "default"
# Exchange Online (and NHSmail on it): 30 messages a minute over SMTP, 10,000 recipients
# in any rolling 24 hours per mailbox. A relay of one's own has no limits of ours.
PRESETS: dict[str, dict[str, int]] = {
    "exchange-online": {"rate_per_minute": 30, "daily_limit": 10_000},
    "relay": {"rate_per_minute": 0, "daily_limit": 0},
}


class Secret(str):
    """A string that never shows itself in repr, logs or JSON dumps of settings."""

    def __repr__(self) -> str:
        return "Secret('***')" if self else "Secret('')"


@dataclass(frozen=True)
class SmtpSettings:
    url: str = "smtp://127.0.0.1:25"
    starttls: bool = False
    user: str = ""
    password_env: str = "MLN_SMTP_PASSWORD"
    password: Secret = Secret("")
    from_address: str = "bulletin@example.org"
    reply_to: str = "mln@example.org"
    rate_per_minute: int = 0
    daily_limit: int = 0  # recipients in any rolling 24 hours (0: no cap)
    max_connections: int = 1  # a sending run uses one connection per route
    preset: str = ""  # exchange-online | relay: fills rate_per_minute and daily_limit unless given
    timeout: float = 30.0
    tls_verify: bool = True
    ca_file: str = ""
    max_attempts: int = 8
    auth: str = "password"  # password | oauth2 (AUTH XOAUTH2 as smtp.user with a token from [oauth2])
    # DKIM: the selector and domain of the key receivers look up; with dkim_key_file, we sign
    # what this route sends (for a server that does not sign), else the server signs.
    dkim_selector: str = ""
    dkim_domain: str = ""
    dkim_key_file: str = ""  # PEM RSA private key, relative to the config file's folder


@dataclass(frozen=True)
class RouteSettings:
    """One way out: its name, its server and limits, and what is sent this way."""

    name: str
    smtp: SmtpSettings
    lists: tuple[str, ...] = ()  # audiences (internal, external) sent this way
    domains: tuple[str, ...] = ()  # sender domains sent this way


# Keys of a route beyond [smtp]'s; the From and Reply-To stay the network's.
ROUTE_ONLY_KEYS = ("name", "lists", "domains")
NOT_PER_ROUTE = ("from_address", "reply_to", "password")

Coerce = Callable[[Any, Any, str, bool], Any]


def apply_preset(smtp: SmtpSettings, given: set[str], where: str) -> SmtpSettings:
    """The preset's limits for the keys not given; ConfigError for an unknown preset."""
    if not smtp.preset:
        return smtp
    if smtp.preset not in PRESETS:
        raise ConfigError(f"{where}: unknown preset {smtp.preset!r} (known: {', '.join(PRESETS)})")
    limits: dict[str, Any] = {key: value for key, value in PRESETS[smtp.preset].items() if key not in given}
    return dataclasses.replace(smtp, **limits)


def split_route_tables(data: dict[str, Any]) -> tuple[Any, Any]:
    """The [smtp] table without its [[smtp.route]] tables, and those tables."""
    table = data.get("smtp", {})
    return table, table.pop("route", []) if isinstance(table, dict) else []


def smtp_section(smtp: SmtpSettings, table: Any, environ: Mapping[str, str], source: str) -> SmtpSettings:
    """[smtp] as read, with its password, its preset's limits for the keys not given, checked."""
    given = set(table if isinstance(table, dict) else ()) | {
        key for key in ("rate_per_minute", "daily_limit") if f"MLN_SMTP_{key.upper()}" in environ
    }
    secret = environ.get(smtp.password_env, "") if smtp.password_env else ""
    smtp = apply_preset(dataclasses.replace(smtp, password=Secret(secret)), given, f"smtp.preset in {source}")
    check_route_settings(smtp, f"[smtp] in {source}")
    return smtp


def build_routes(
    tables: Any, default: SmtpSettings, environ: Mapping[str, str], source: str, coerce: Coerce
) -> tuple[RouteSettings, ...]:
    """The `[[smtp.route]]` tables as routes, checked; the default [smtp] is not among them."""
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(f"{source}: smtp.route must be written as [[smtp.route]] tables")
    routes = tuple(_build_route(i, table, default, environ, source, coerce) for i, table in enumerate(tables))
    names = [r.name for r in routes]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f"{source}: two [[smtp.route]] tables are named {name!r}")
    return routes


def _build_route(
    index: int, table: dict[str, Any], default: SmtpSettings, environ: Mapping[str, str], source: str, coerce: Coerce
) -> RouteSettings:
    name = table.get("name")
    where = f"smtp.route[{index}] in {source}"
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f'{where}: give the route a name (name = "nhsmail")')
    if name == DEFAULT_ROUTE:
        raise ConfigError(f"{where}: {DEFAULT_ROUTE!r} is the [smtp] section itself; choose another name")
    where = f"smtp.route {name!r} in {source}"
    hints = typing.get_type_hints(SmtpSettings)
    known = [f.name for f in dataclasses.fields(SmtpSettings) if f.name not in NOT_PER_ROUTE]
    for key in table:
        if key not in known and key not in ROUTE_ONLY_KEYS:
            raise ConfigError(f"{where}: unknown key {key} (known: {', '.join(sorted([*known, *ROUTE_ONLY_KEYS]))})")
    if "url" not in table:
        raise ConfigError(f"{where}: url is required (smtp://HOST[:PORT] or smtps://HOST[:PORT])")
    values = {key: coerce(hints[key], table[key], f"{where}: {key}", False) for key in table if key in known}
    smtp = SmtpSettings(from_address=default.from_address, reply_to=default.reply_to, **values)
    smtp = apply_preset(smtp, set(table), where)
    secret = environ.get(smtp.password_env, "") if smtp.password_env else ""
    smtp = dataclasses.replace(smtp, password=Secret(secret))
    lists = coerce(tuple[str, ...], table.get("lists", []), f"{where}: lists", False)
    domains = coerce(tuple[str, ...], table.get("domains", []), f"{where}: domains", False)
    check_route_settings(smtp, where)
    return RouteSettings(name, smtp, lists, tuple(d.lower() for d in domains))


def check_route_settings(smtp: SmtpSettings, where: str) -> None:
    """Limits that make sense, and DKIM all or nothing."""
    if smtp.rate_per_minute < 0 or smtp.daily_limit < 0:
        raise ConfigError(f"{where}: rate_per_minute and daily_limit must be 0 (no limit) or more")
    if smtp.max_connections < 1:
        raise ConfigError(f"{where}: max_connections must be at least 1")
    # A selector and domain alone name the key of a server that signs for us (`mln doctor mail`
    # checks it); a key file as well means we sign, and needs both.
    if smtp.dkim_key_file and not (smtp.dkim_selector and smtp.dkim_domain):
        raise ConfigError(f"{where}: dkim_key_file needs dkim_selector and dkim_domain too (we sign with them)")
    if bool(smtp.dkim_selector) != bool(smtp.dkim_domain):
        raise ConfigError(f"{where}: give dkim_selector and dkim_domain together")


__all__ = [
    "DEFAULT_ROUTE",
    "PRESETS",
    "RouteSettings",
    "Secret",
    "SmtpSettings",
    "apply_preset",
    "build_routes",
    "check_route_settings",
    "smtp_section",
    "split_route_tables",
]
