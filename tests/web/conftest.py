"""`mln web` as it runs in production: the real command in a subprocess on a loopback port.

`start_web(world, *args)` runs `mln --config ... web ARGS --host 127.0.0.1 --port 0`,
waits for its "Serving ... at URL" line and returns a `RunningWeb`; the fixture stops
every server it started. web_helpers.py has the ways to talk to it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import pytest
from resilience.harness import TOKEN_SECRET_ENV, World
from subscribers.subscriber_helpers import SECRET
from web.web_helpers import RunningWeb, serving_url


@pytest.fixture
def web_world(sqlite_url, tmp_path) -> World:
    """A config file and database for `mln web`, with a token secret."""
    return World(tmp_path / "world", sqlite_url, environ={TOKEN_SECRET_ENV: str(SECRET)})


@pytest.fixture
def start_web() -> Callable[..., RunningWeb]:
    started: list[RunningWeb] = []

    def start(
        world: World, *args: str, extra_env: dict[str, str] | None = None, preexec_fn: Callable[[], None] | None = None
    ) -> RunningWeb:
        stderr_path = world.root / f"web-{len(started)}.stderr"
        with open(stderr_path, "wb") as stderr:
            process = subprocess.Popen(
                world.command("web", *args, "--host", "127.0.0.1", "--port", "0"),
                env=world.env(extra_env),
                stdout=subprocess.PIPE,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                preexec_fn=preexec_fn,
            )  # noqa: PLW1509 - a lower ulimit, no threads here
        running = RunningWeb(process, "", stderr_path)
        started.append(running)
        running.url = serving_url(running)
        return running

    yield start
    for running in started:
        running.stop()
