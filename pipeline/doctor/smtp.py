"""Each way out: the SMTP server of every route answers and accepts our login."""

from __future__ import annotations

from pipeline.config import Settings
from pipeline.doctor.checks import Check, failed, from_error, passed
from pipeline.errors import MlnError
from pipeline.outbound.routes import all_routes, settings_for
from pipeline.outbound.smtp import SmtpConnection


def route_settings(settings: Settings) -> list[tuple[str, Settings]]:
    """(label, settings with that route's [smtp]) for every route; one unlabelled when there is only [smtp]."""
    routes = all_routes(settings)
    if len(routes) == 1:
        return [("", settings)]
    return [(route.name, settings_for(settings, route)) for route in routes]


def check_smtp(settings: Settings) -> list[Check]:
    return [
        _check_route(f"SMTP login ({label})" if label else "SMTP login", route)
        for label, route in route_settings(settings)
    ]


def _check_route(name: str, settings: Settings) -> Check:
    smtp = settings.smtp
    if smtp.user and smtp.auth == "password" and not smtp.password:
        return failed(
            name,
            f"${smtp.password_env} is not set (smtp.password_env names it)",
            f"put the password of {smtp.user} in ${smtp.password_env}, or in mln.secrets.env beside the config file",
        )
    try:
        connection = SmtpConnection(settings)
        try:
            connection.open()  # EHLO, STARTTLS and AUTH as a sending run does them
        finally:
            connection.close()
    except MlnError as exc:
        return from_error(name, exc)
    endpoint = connection.endpoint
    who = f"the login of {smtp.user}" if smtp.user else "us without a login (smtp.user is empty)"
    return passed(name, f"{endpoint.host}:{endpoint.port} accepted {who}")
