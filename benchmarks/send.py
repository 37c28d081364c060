"""3. Send: a bulletin to N subscribers through an SMTP sink on loopback, versus a bare smtplib loop.

Ours: `mln bulletin send ID --list all` run in this process (and `mln outbox
flush` after it, if the send only queued): one personalised copy per
subscriber, spooled, sent over one reused connection, each delivery recorded.
Baseline: the same bulletin rendered once, sent N times by smtplib over one
connection to the same sink, before ours and again after it (the mean is
used). The CSS inliner's calls are counted from approval to the end of the
send: once per audience, never per recipient.
"""

from __future__ import annotations

import contextlib
import io
import os
import smtplib
from pathlib import Path
from urllib.parse import urlsplit

from pipeline.compose import build_message
from pipeline.config import Settings
from pipeline.outbound.bulletin import PREVIEW_VALUES, inline_css_calls, personalise
from pipeline.outbound.bulletin.drafts import preview_bulletin

from . import bulletin_data, servers
from .common import Result, check, median_trial, profiled, rate, settings_for, timed, write_settings

TARGET = ">= 0.8"


class FeatureMissing(RuntimeError):
    """The product has no bulletin send command yet."""


def has_send_command() -> bool:
    from pipeline.cli import cli

    return "send" in getattr(cli.get_command(None, "bulletin"), "commands", {})


def mln_in_process(config: Path, environ: dict[str, str], *args: str) -> tuple[int, str]:
    """`mln --config CONFIG ARGS` run in this process (so the inliner's counter sees it): exit code and output."""
    from pipeline.cli import cli

    saved = {k: os.environ.get(k) for k in environ}
    os.environ.update(environ)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = cli.main(args=["--config", str(config), *args], prog_name="mln", standalone_mode=False)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return int(code or 0), out.getvalue()


def our_send(config: Path, environ: dict[str, str], bulletin_id: int, sink: servers.CountingSink, count: int) -> dict:
    """`mln bulletin send ID --list all`, then `mln outbox flush` if copies are still waiting: what each said."""
    code, said = mln_in_process(config, environ, "bulletin", "send", str(bulletin_id), "--list", "all")
    if code:
        raise RuntimeError(f"mln bulletin send exited {code}: {said[-2000:]}")
    steps = {"bulletin_send": said[-500:], "sink_after_send": sink.messages}
    if sink.messages < count:
        code, said = mln_in_process(config, environ, "outbox", "flush")
        if code:
            raise RuntimeError(f"mln outbox flush exited {code}: {said[-2000:]}")
        steps["outbox_flush"] = said[-500:]
    return steps


def prerendered(settings: Settings, bulletin_id: int) -> bytes:
    """The external copy, personalised once, as the bytes the baseline sends every time."""
    rendered = preview_bulletin(settings, bulletin_id, "external", fill_placeholders=False)
    html = personalise(rendered.html, PREVIEW_VALUES, html=True)
    text = personalise(rendered.text, PREVIEW_VALUES, html=False)
    return build_message(settings, PREVIEW_VALUES["recipient"], rendered.subject, text, html=html).as_bytes()


def bare_loop(smtp_url: str, data: bytes, count: int) -> int:
    """smtplib over one connection: the same bytes to `count` recipients, one transaction each."""
    parts = urlsplit(smtp_url)
    with smtplib.SMTP(parts.hostname, parts.port, timeout=60) as smtp:
        for n in range(count):
            smtp.sendmail("bulletin@example.org", [f"reader{n}@example.org"], data)
    return count


def run(backend: str, workdir: Path, count: int, profile_count: int = 0, repeats: int = 1) -> Result:
    """`repeats` trials, each with its own database and bulletin; the median one is reported, with every trial's ratio."""
    if not has_send_command():
        raise FeatureMissing("`mln bulletin send` does not exist in this build, so our send cannot be measured")
    trials = [_trial(workdir / f"send-{backend}-{n}", backend, count) for n in range(repeats)]
    chosen, ratios = median_trial(trials)
    ours_received, ratio = chosen["sink_received_ours"], chosen["ratio"]
    result = Result(
        name="send",
        backend=backend,
        ours=rate(ours_received, chosen["ours_seconds"]),
        baseline=rate(chosen["sink_received_baseline"], chosen["baseline_seconds"]),
        ratio=ratio,
        target=TARGET,
        met=check(ratio, TARGET) and all(t["sink_received_ours"] == count for t in trials),
        details={"subscribers": count, "repeats": repeats, "trial_ratios": ratios, **chosen},
    )
    short = [t["sink_received_ours"] for t in trials if t["sink_received_ours"] != count]
    if short:
        result.note = f"the sink received {short[0]} of {count} copies from our send in a trial"
    if not result.met and profile_count:
        result.profile = profile_send(backend, workdir, profile_count)
    return result


def _trial(folder: Path, backend: str, count: int) -> dict:
    """The bare loop, our send, and the bare loop again; the mean of the two brackets ours."""
    with servers.smtp_sink() as (sink, smtp_url), servers.database(backend, folder) as url:
        config, environ = write_settings(folder, url, smtp_url=smtp_url)
        settings = settings_for(folder, url, smtp_url=smtp_url)
        calls_before = inline_css_calls()
        bulletin_id = bulletin_data.approved_bulletin(settings)
        per_list = bulletin_data.subscribers(settings, count)
        calls_at_approval = inline_css_calls() - calls_before
        data = prerendered(settings, bulletin_id)
        bare_loop(smtp_url, data, min(count, 200))  # warm-up
        sink.reset()
        before_s, _ = timed(lambda: bare_loop(smtp_url, data, count))
        baseline_received = sink.messages
        sink.reset()
        calls_before_send = inline_css_calls()
        ours_s, steps = timed(lambda: our_send(config, environ, bulletin_id, sink, count))
        calls_in_send = inline_css_calls() - calls_before_send
        ours_received = sink.messages
        after_s, _ = timed(lambda: bare_loop(smtp_url, data, count))
    baseline_s = (before_s + after_s) / 2  # before and after ours: a neighbour's load weighs on both sides
    audiences = len([n for n in per_list.values() if n])
    return {
        "ratio": round(baseline_s / ours_s, 3),
        "per_list": per_list,
        "message_kb": round(len(data) / 1024, 1),
        "ours_seconds": round(ours_s, 3),
        "baseline_seconds": round(baseline_s, 3),
        "baseline_before_seconds": round(before_s, 3),
        "baseline_after_seconds": round(after_s, 3),
        "sink_received_ours": ours_received,
        "sink_received_baseline": baseline_received,
        "inline_css_calls_at_approval": calls_at_approval,
        "inline_css_calls_during_send": calls_in_send,
        "inline_css_calls_total": calls_at_approval + calls_in_send,
        "audiences": audiences,
        "inline_once_per_audience": calls_at_approval + calls_in_send == audiences,
        "steps": steps,
    }


def profile_send(backend: str, workdir: Path, count: int) -> str:
    """Where our time goes: the library call behind `mln bulletin send` under cProfile, on a fresh database."""
    from pipeline.mailing.sending import send_bulletin

    folder = workdir / f"send-profile-{backend}"
    with servers.smtp_sink() as (_sink, smtp_url), servers.database(backend, folder) as url:
        settings = settings_for(folder, url, smtp_url=smtp_url)
        bulletin_id = bulletin_data.approved_bulletin(settings)
        bulletin_data.subscribers(settings, count)
        table, _ = profiled(lambda: send_bulletin(settings, bulletin_id, "all", flush=True), top=30)
    return f"cProfile of send_bulletin(..., flush=True) to {count} subscribers ({backend}), top by cumulative time:\n{table}"
