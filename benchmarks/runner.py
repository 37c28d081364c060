"""Runs the chosen benchmarks in order of value, starting each server once; a failure becomes a row, not a crash."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import corpus, idle, ingest, memory, queue, send, servers, site_build
from .common import Result

BENCHMARKS = ("ingest", "idle", "send", "memory", "queue", "site")


@dataclass(frozen=True)
class Sizes:
    ingest_messages: int = 2000
    ingest_repeats: int = 3  # trials per database; the median trial's ratio is reported
    profile_messages: int = 300  # profiled again on this many when ingest misses its target (0: never)
    idle_small: int = 200
    idle_big: int = 20_000
    idle_repeats: int = 15
    send_subscribers: int = 10_000
    send_repeats: int = 3  # trials per database; the median trial's ratio is reported
    send_profile_subscribers: int = 200  # profiled again on this many when send misses its target (0: never)
    memory_small: int = 1_000
    memory_big: int = 50_000
    queue_submissions: int = 100_000
    queue_repeats: int = 5
    site_items: int = 100_000


def run_all(
    only: list[str], backends: list[str], sizes: Sizes, workdir: Path, progress: Callable[[str], None]
) -> list[Result]:
    results: list[Result] = []
    imap = [name for name in ("ingest", "idle") if name in only]
    if imap:
        try:
            with servers.dovecot() as dovecot:
                results += _imap_benchmarks(dovecot, imap, backends, sizes, workdir, progress)
        except Exception as exc:  # noqa: BLE001 - no Dovecot: say so in the report, go on with the rest
            results += [_not_measured({"idle": "idle_poll"}.get(name, name), ", ".join(backends), exc) for name in imap]
    if "send" in only:
        for backend in backends:
            progress(f"send on {backend}: {sizes.send_subscribers} subscribers")
            results.append(
                _guard(
                    "send",
                    backend,
                    lambda backend=backend: send.run(
                        backend, workdir, sizes.send_subscribers, sizes.send_profile_subscribers, sizes.send_repeats
                    ),
                )
            )
    if "memory" in only:
        backend = backends[0]
        progress(f"memory on {backend}: {sizes.memory_small} and {sizes.memory_big} subscribers")
        results.append(
            _guard("memory", backend, lambda: memory.run(backend, workdir, sizes.memory_small, sizes.memory_big))
        )
    if "queue" in only:
        for backend in backends:
            progress(f"queue and search on {backend}: {sizes.queue_submissions} submissions")
            results.extend(
                _guard_many(
                    "queue_cli",
                    backend,
                    lambda backend=backend: queue.run(backend, workdir, sizes.queue_submissions, sizes.queue_repeats),
                )
            )
    if "site" in only:
        for backend in backends:
            progress(f"site build on {backend}: {sizes.site_items} approved plans, full and after one more")
            results.extend(
                _guard_many(
                    "site_incremental",
                    backend,
                    lambda backend=backend: site_build.results(backend, workdir, sizes.site_items),
                )
            )
    return results


def _imap_benchmarks(
    dovecot, imap: list[str], backends: list[str], sizes: Sizes, workdir: Path, progress: Callable[[str], None]
) -> list[Result]:
    results = []
    if "ingest" in imap:
        progress(f"ingest: building {sizes.ingest_messages} messages")
        samples = corpus.submissions(sizes.ingest_messages)
        for backend in backends:
            progress(f"ingest on {backend}")
            results.append(
                _guard(
                    "ingest",
                    backend,
                    lambda backend=backend: ingest.run(
                        dovecot, backend, workdir, samples, sizes.profile_messages, sizes.ingest_repeats
                    ),
                )
            )
    if "idle" in imap:
        backend = backends[0]
        progress(f"idle poll on {backend}: {sizes.idle_small} and {sizes.idle_big} messages")
        results.append(
            _guard(
                "idle_poll",
                backend,
                lambda: idle.run(dovecot, backend, workdir, sizes.idle_small, sizes.idle_big, sizes.idle_repeats),
            )
        )
    return results


def _guard(name: str, backend: str, fn: Callable[[], Result]) -> Result:
    return _guard_many(name, backend, lambda: [fn()])[0]


def _guard_many(name: str, backend: str, fn: Callable[[], list[Result]]) -> list[Result]:
    """A benchmark that cannot run is reported as not measured, with the reason, never as a number."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others' numbers
        return [_not_measured(name, backend, exc)]


def _not_measured(name: str, backend: str, exc: Exception) -> Result:
    return Result(
        name=name,
        backend=backend,
        ours="-",
        baseline="-",
        ratio=None,
        target="-",
        met=None,
        note=f"not measured: {type(exc).__name__}: {exc}",
        details={"traceback": traceback.format_exc()},
    )
