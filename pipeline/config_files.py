"""Where the settings come from: the config file's path, and the secrets file beside it.

Read by pipeline/config.py, the one module that reads configuration.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from pipeline.errors import ConfigError, ConfigNotFound

# Beside the config file: NAME=value lines for the variables that hold secrets
# (MLN_TOKEN_SECRET, MLN_IMAP_PASSWORD ...), readable by its owner only. The real
# environment wins over it; systemd's EnvironmentFile= reads the same format.
SECRETS_FILE = "mln.secrets.env"
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def find_config_path(explicit: str | os.PathLike | None, environ: Mapping[str, str] | None = None) -> Path | None:
    """--config PATH, else $MLN_CONFIG, else ./mln.toml if present, else None (built-in defaults)."""
    environ = os.environ if environ is None else environ
    if explicit:
        return Path(explicit)
    if environ.get("MLN_CONFIG"):
        return Path(environ["MLN_CONFIG"])
    local = Path("mln.toml")
    return local if local.exists() else None


def config_not_found() -> ConfigNotFound:
    """Where we looked, and what to do: never silent defaults and a new empty database."""
    return ConfigNotFound(
        f"no config file: no --config given, $MLN_CONFIG not set, and no {Path.cwd() / 'mln.toml'}; "
        "run `mln init` to write one, or pass --config PATH"
    )


def secrets_path(config_path: str | os.PathLike) -> Path:
    return Path(config_path).resolve().parent / SECRETS_FILE


def read_secrets_file(path: Path) -> dict[str, str]:
    """NAME=value lines (# comments, optional `export ` and quotes); {} when there is no file."""
    if not path.is_file():
        return {}
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise ConfigError(f"{path} can be read by other users; run `chmod 600 {path}`")
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.removeprefix("export ").partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not _ENV_NAME.fullmatch(name):
            raise ConfigError(f"{path}:{number}: expected NAME=value, e.g. MLN_TOKEN_SECRET=...")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name] = value
    return values
