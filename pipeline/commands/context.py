"""What every command is given (`@click.pass_obj`): the settings, read when first asked for."""

from __future__ import annotations

from pipeline.config import Settings, load_settings


class AppContext:
    """Settings are read lazily, so `mln --help` and `mln init` work without a config file."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings
