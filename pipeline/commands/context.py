"""What every command is given (`@click.pass_obj`): the settings, read when first asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # read on first use: `mln --help` does not pay for the settings' dataclasses
    from pipeline.config import Settings

# Commands that read no database, mailbox or server may run on built-in defaults
# (the shipped rules and templates); every other one needs a config file, so a
# typo in a folder name cannot leave a new empty database behind.
RUN_ON_DEFAULTS = {"form", "rules", "template"}


class AppContext:
    """Settings are read lazily, so `mln --help` and `mln init` work without a config file."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from pipeline.config import load_settings

            self._settings = load_settings(self.config_path, required=not _on_defaults())
        return self._settings


def _on_defaults() -> bool:
    ctx = click.get_current_context(silent=True)
    words = ctx.command_path.split() if ctx is not None else []
    return len(words) > 1 and words[1] in RUN_ON_DEFAULTS
