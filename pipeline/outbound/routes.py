"""Which way each queued message leaves: the `[[smtp.route]]` it is sent by.

Routing is data: the routes in the config, in order. A message goes by the first
route whose `lists` name its audience (a bulletin copy's internal or external
edition), else by the first whose `domains` name its sender's domain, else by
[smtp] itself, the route called "default". The choice is written on the row
before it is claimed (`assign_routes`), and stays on it once sent: the rolling
24-hour count of a route is what the database says it sent (pipeline/outbound/quota.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import ColumnElement, false, func, or_, update
from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.config_smtp import DEFAULT_ROUTE, RouteSettings
from pipeline.store.models import Outgoing


def all_routes(settings: Settings) -> list[RouteSettings]:
    """The configured routes, then the default one ([smtp])."""
    return [*settings.routes, RouteSettings(DEFAULT_ROUTE, settings.smtp)]


def route_named(settings: Settings, name: str) -> RouteSettings:
    for route in all_routes(settings):
        if route.name == name:
            return route
    return all_routes(settings)[-1]


def settings_for(settings: Settings, route: RouteSettings) -> Settings:
    """The settings with [smtp] replaced by the route's: what an SMTP connection reads."""
    return settings if route.smtp is settings.smtp else dataclasses.replace(settings, smtp=route.smtp)


def route_for(settings: Settings, audience: str, envelope_from: str) -> str:
    """The route a message of `audience` from `envelope_from` goes by (the rule `assign_routes` writes)."""
    domain = _domain(envelope_from or settings.smtp.from_address)
    for route in settings.routes:
        if audience and audience in route.lists:
            return route.name
    for route in settings.routes:
        if domain in route.domains:
            return route.name
    return DEFAULT_ROUTE


# (database, route names) whose queued rows were checked for routes no longer configured.
_CHECKED: set[tuple[str, tuple[str, ...]]] = set()


def assign_routes(session: Session, settings: Settings) -> None:
    """Name the route of every queued row that has none (or names a route no longer configured)."""
    names = [r.name for r in all_routes(settings)]
    queued = Outgoing.status == "queued"
    if (settings.database.url, tuple(names)) not in _CHECKED:  # routes change only with the config
        stale = update(Outgoing).where(queued, Outgoing.route != "", Outgoing.route.not_in(names))
        session.execute(stale.values(route=""))
        _CHECKED.add((settings.database.url, tuple(names)))
    unrouted = queued & (Outgoing.route == "")
    for route in settings.routes:
        if route.lists:
            session.execute(
                update(Outgoing).where(unrouted, Outgoing.audience.in_(route.lists)).values(route=route.name)
            )
    for route in settings.routes:
        if route.domains:
            matches = _from_domains(settings, route.domains)
            session.execute(update(Outgoing).where(unrouted, matches).values(route=route.name))
    session.execute(update(Outgoing).where(unrouted).values(route=DEFAULT_ROUTE))


def _from_domains(settings: Settings, domains: Sequence[str]) -> ColumnElement[bool]:
    sender = func.lower(Outgoing.envelope_from)
    tests: list[ColumnElement[bool]] = [sender.like(f"%@{domain}") for domain in domains]
    if _domain(settings.smtp.from_address) in domains:  # no envelope sender of its own: the From's
        tests.append(Outgoing.envelope_from == "")
    return or_(false(), *tests)


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().strip(">").lower()


__all__ = ["all_routes", "assign_routes", "route_for", "route_named", "settings_for"]
