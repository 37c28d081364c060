"""The key that signs confirm, unsubscribe and bounce tokens: without it every join is held."""

from __future__ import annotations

from pipeline.config import Settings
from pipeline.config_files import SECRETS_FILE
from pipeline.doctor.checks import Check, failed, passed
from pipeline.people.subscribers.tokens import MIN_SECRET_CHARS

NAME = "token secret"


def check_token_secret(settings: Settings) -> Check:
    env = settings.security.token_secret_env
    secret = str(settings.security.token_secret)
    how = (
        f"put `{env}=<random>` in {SECRETS_FILE} beside the config file (chmod 600), e.g. "
        "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"
    )
    if not secret:
        return failed(NAME, f"${env} is not set: joins and leaves by email are held, bulletins cannot go out", how)
    if len(secret) < MIN_SECRET_CHARS:
        return failed(NAME, f"${env} is shorter than {MIN_SECRET_CHARS} characters", how)
    return passed(NAME, f"${env} is set ({len(secret)} characters)")
