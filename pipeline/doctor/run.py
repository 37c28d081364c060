"""`mln doctor`: every check of a configuration, in the order a new set-up meets them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pipeline.config import Settings, find_config_path, load_settings
from pipeline.doctor.checks import Check, Report, failed, passed, skipped
from pipeline.doctor.database import check_database
from pipeline.doctor.mailbox import check_mailbox
from pipeline.doctor.probe import NAME as PROBE
from pipeline.doctor.probe import check_probe
from pipeline.doctor.secret import check_token_secret
from pipeline.doctor.smtp import check_smtp
from pipeline.doctor.web import check_web
from pipeline.errors import ConfigError, ConfigNotFound

DEFAULT_PROBE_TIMEOUT = 60.0


def run_doctor(
    config_path: str | os.PathLike | None,
    environ: Mapping[str, str] | None = None,
    probe: bool = True,
    probe_timeout: float = DEFAULT_PROBE_TIMEOUT,
) -> Report:
    """Check the configuration end to end; ConfigNotFound when there is none to check."""
    try:
        settings = load_settings(config_path, environ)
    except ConfigNotFound:
        raise
    except ConfigError as exc:
        where = str(find_config_path(config_path, environ) or "")
        return Report(where, [failed("config", str(exc), "correct the setting named, then run `mln doctor` again")])
    source = str(Path(settings.source).resolve())
    return Report(source, [passed("config", f"{source} read"), *run_checks(settings, probe, probe_timeout)])


def run_checks(settings: Settings, probe: bool = True, probe_timeout: float = DEFAULT_PROBE_TIMEOUT) -> list[Check]:
    checks = [check_database(settings), check_mailbox(settings)]
    smtp = check_smtp(settings)
    checks += smtp
    checks.append(check_token_secret(settings))
    if not probe:
        checks.append(skipped(PROBE, "not sent here; `mln doctor` sends one"))
    elif checks[1].failed or any(check.failed for check in smtp):
        checks.append(skipped(PROBE, "not tried: it needs the mailbox and SMTP logins above"))
    else:
        checks.append(check_probe(settings, probe_timeout))
    checks.append(check_web(settings))
    return checks
