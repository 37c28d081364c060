"""mln queue, show, approve, reject, request-changes, edit, history: the communications lead's review."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from pipeline import review
from pipeline.commands.context import AppContext
from pipeline.commands.output import human_time, print_json, print_table
from pipeline.commands.submission_fields import field_lines

QUEUE_COLUMNS = [
    ("id", "ID"),
    ("file_no", "File No"),
    ("title", "Title"),
    ("theme", "Theme"),
    ("locality", "Locality"),
    ("from", "Sender"),
    ("received", "Received"),
    ("status", "Status"),
    ("update", "Update"),
    ("notes", "Notes"),
]


def register(cli: click.Group) -> None:
    for command in (queue, show, approve, reject, request_changes, edit, history):
        cli.add_command(command)


def actor_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--as", "actor", metavar="NAME", help="Who to record as doing this (default: your login name)."
    )(func)


def actor_name(actor: str | None) -> str:
    return actor or getpass.getuser()


@click.command()
@click.option(
    "--status",
    type=click.Choice([*review.QUEUE_STATUSES, "all"]),
    default="pending",
    show_default=True,
    help="Which submissions; 'all' lists pending first, then needs_changes, approved, rejected.",
)
@click.option("--theme", metavar="N|NAME", help="Only this key theme, by number or (part of its) name.")
@click.option("--region", metavar="R", help="Only this region.")
@click.option("--since", metavar="DATE", help="Only received on or after this date (2026-11-01, or 'Nov 2026').")
@click.option("--limit", default=100, show_default=True, help="At most this many rows.")
@click.option("--offset", default=0, help="Skip this many rows first (for paging).")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON list with keys id, file_no, title, theme, locality, status, sender, received_at, is_update ...",
)
@click.pass_obj
def queue(
    app: AppContext,
    status: str,
    theme: str | None,
    region: str | None,
    since: str | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """Submissions waiting for a decision, oldest first (or any status with --status).

    \b
    Examples:
      mln queue
      mln queue --status all --theme 6 --since 2026-11-01
      mln queue --region "North East" --json
    """
    flt = review.make_filter(app.settings, status=status, theme=theme, region=region, since=since)
    rows = review.list_queue(app.settings, flt, limit=limit, offset=offset)
    if as_json:
        print_json(rows)
        return
    print_table([for_table(r) for r in rows], QUEUE_COLUMNS, max_width=40)
    echo_duplicates(rows)


def echo_duplicates(rows: list[dict]) -> None:
    """Each possible duplicate in full, with the two commands that settle it."""
    flagged = [r for r in rows if r.get("possible_duplicate_of") or r.get("duplicate_reason")]
    if flagged:
        click.echo("\nPossible duplicates (decide with mln merge / mln keep-separate):")
    for r in flagged:
        other = r["possible_duplicate_of"]
        click.echo(f"  {r['id']}: possible duplicate of {other or 'an earlier submission'} ({r['duplicate_reason']})")
        if other:
            click.echo(f"      mln merge {r['id']} --into {other}    |    mln keep-separate {r['id']}")


def notes(row: dict) -> str:
    """The short column: a possible duplicate, repeats, what a revision changed, a forward."""
    parts = []
    if row.get("possible_duplicate_of") or row.get("duplicate_reason"):
        parts.append(f"possible duplicate of {row.get('possible_duplicate_of') or '?'}")
    if row.get("repeats"):
        parts.append(f"received {row['repeats'] + 1} times")
    if row.get("changes_summary"):
        parts.append(row["changes_summary"])
    if row.get("forwarded_by"):
        parts.append(f"forwarded by {row['forwarded_by']}")
    return "; ".join(parts)


def for_table(row: dict) -> dict:
    sender = row["sender_name"] or row["sender"]
    if row["unknown_sender"]:
        sender = f"{sender} ({'forwarded by an ' if row.get('forwarded_by') else ''}unknown sender)"
    problems = f" ({row['problem_count']} problem(s))" if row["problem_count"] else ""
    return {
        **row,
        "from": sender,
        "received": _minute(row["received_at"]),
        "update": f"rev {row['revision']}" if row["is_update"] else "new",
        "status": row["status"] + problems,
        "notes": notes(row),
    }


@click.command()
@click.argument("submission_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.option(
    "--attachment",
    "attachment_dir",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write the original files (attachments and the message as .eml) into DIR.",
)
@click.pass_obj
def show(app: AppContext, submission_id: int, as_json: bool, attachment_dir: Path | None) -> None:
    """Everything about one submission: fields, problems, source message, revisions, audit trail.

    \b
    Examples:
      mln show 42
      mln show 42 --json
      mln show 42 --attachment ./originals
    """
    detail = review.show_submission(app.settings, submission_id)
    written = review.write_originals(app.settings, submission_id, attachment_dir) if attachment_dir else []
    if as_json:
        print_json({**detail, "written": [str(p) for p in written]} if attachment_dir else detail)
    else:
        _print_detail(detail, app.settings.network.timezone)
        for path in written:
            click.echo(f"wrote {path}")


_SKIP = {
    "id",
    "file_no",
    "status",
    "problems",
    "raw_fields",
    "message",
    "attachment",
    "revisions",
    "history",
    "changes",
    "possible_duplicate_of",
    "duplicate_reason",
    "changes_summary",
    "repeats",
}


def _print_detail(d: dict, zone: str | None = None) -> None:
    click.echo(
        f"Submission {d['id']}  {d['file_no'] or '(no File No)'}  revision {d['revision'] or '-'}  [{d['status']}]"
    )
    for label, text in field_lines(d, _SKIP, zone):
        click.echo(f"  {label:29} {text.replace(chr(10), chr(10) + ' ' * 32)}")
    _print_same_plan(d)
    click.echo("Problems:" if d["problems"] else "Problems: none")
    for problem in d["problems"]:
        click.echo(f"  - {problem}")
    if d["message"]:
        m = d["message"]
        click.echo(
            f"Message {m['id']}: from {m['from']} at {_minute(m['received_at'], zone)}, subject {m['subject']!r}"
        )
        lines = (m["text"] or "").strip().splitlines()
        for line in lines[:12]:
            click.echo(f"  | {line}")
        if len(lines) > 12:
            click.echo(f"  | ... ({len(lines) - 12} more lines: mln show {d['id']} --json)")
    if d["attachment"]:
        a = d["attachment"]
        click.echo(f"Form file: {a['filename']} ({a['size']} bytes)")
    click.echo("Revisions of this File No:")
    print_table(
        [{**r, "received_at": _minute(r["received_at"], zone)} for r in d["revisions"]],
        [("revision", "Rev"), ("id", "ID"), ("status", "Status"), ("received_at", "Received"), ("title", "Title")],
    )
    click.echo("History:")
    _print_history(d["history"], zone)


def _print_same_plan(d: dict) -> None:
    """A possible duplicate and how to settle it; repeats; what changed since the compared revision."""
    if d.get("possible_duplicate_of") or d.get("duplicate_reason"):
        other = d.get("possible_duplicate_of") or "an earlier submission"
        click.echo(f"POSSIBLE DUPLICATE of {other} ({d['duplicate_reason']})")
        if d.get("possible_duplicate_of"):
            click.echo(f"  decide: mln merge {d['id']} --into {other}   or   mln keep-separate {d['id']}")
    if d.get("repeats"):
        click.echo(f"Received again {d['repeats']} time(s) with the same content (see History).")
    changes = d.get("changes")
    if not changes:
        return
    base = changes["compared_with"]
    click.echo(f"Changes since revision {base['revision']} ({base['status']}, submission {base['id']}):")
    if not changes["fields"]:
        click.echo("  no field changed")
    for c in changes["fields"]:
        mark = "  EMPTIED" if c["emptied"] else ""
        click.echo(f"  {c['label']}{mark}: {_quote(c['old'])} -> {_quote(c['new'])}")
    if changes["emptied"]:
        click.echo(f"  WARNING: boxes emptied in this revision: {', '.join(changes['emptied'])}")


def _quote(value: object) -> str:
    text = "(empty)" if value in (None, "") else " ".join(str(value).split())
    return text if len(text) <= 70 else text[:69] + "…"


def _print_history(events: list[dict], zone: str | None = None) -> None:
    print_table(
        [{**e, "at": _minute(e["at"], zone), "detail": _detail(e["detail"])} for e in events],
        [("at", "When"), ("actor", "Who"), ("action", "What"), ("detail", "Detail")],
        max_width=70,
    )


def _minute(stamp: str | None, zone: str | None = None) -> str:
    """'2026-11-24T10:37:39.53+00:00' -> '24 Nov 2026 10:37' (in `zone` when given); JSON keeps the full time."""
    return human_time(stamp, zone)


def _detail(detail: dict) -> str:
    if "earlier" in detail:
        earlier = detail["earlier"]
        return f"a corrected form replaced the one received {_minute(earlier.get('received_at'))} (message {earlier.get('message_pk')})"
    if "changes" in detail:
        return "; ".join(f"{k}: {old!r} -> {new!r}" for k, (old, new) in detail["changes"].items())
    if "same_as_revision" in detail:
        forwarded = f", forwarded for {detail['forwarded']['author']}" if detail.get("forwarded") else ""
        return (
            f"the same plan again ({detail.get('how')}, as revision {detail['same_as_revision']}{forwarded}): "
            f"message {detail.get('message_pk')} {detail.get('subject', '')!r}"
        )
    return "; ".join(f"{k}: {v}" for k, v in detail.items() if v not in (None, ""))


@click.command()
@click.argument("submission_ids", nargs=-1, required=True, type=int)
@actor_option
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_obj
def approve(app: AppContext, submission_ids: tuple[int, ...], actor: str | None, as_json: bool) -> None:
    """Approve submissions for the index and the bulletin (all of them, or none if one cannot be).

    \b
    Examples:
      mln approve 42
      mln approve 42 43 44 --as "Comms lead"
    """
    results = review.approve(app.settings, submission_ids, actor_name(actor))
    if as_json:
        print_json(results)
        return
    for r in results:
        click.echo(f"approved {r['id']} {r['file_no']} {r['title']}")


@click.command()
@click.argument("submission_id", type=int)
@click.option("--reason", required=True, metavar="TEXT", help="Why (kept in the history; sent with --notify).")
@click.option("--notify", is_flag=True, help="Email the sender the reason (queued in the outbox).")
@actor_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def reject(app: AppContext, submission_id: int, reason: str, notify: bool, actor: str | None, as_json: bool) -> None:
    """Reject a submission: it will not appear in the index or the bulletin.

    \b
    Examples:
      mln reject 42 --reason "Duplicate of CH-2026-003"
      mln reject 42 --reason "Not about older people's services" --notify
    """
    r = review.reject(app.settings, submission_id, reason, actor_name(actor), notify=notify)
    if as_json:
        print_json(r)
        return
    told = f"; the reason is queued in the outbox for {r['notified']}" if r["notified"] else ""
    click.echo(f"rejected {r['id']} {r['file_no']} {r['title']}{told}")


@click.command("request-changes")
@click.argument("submission_id", type=int)
@click.option("--message", required=True, metavar="TEXT", help="What should change, in words for the member.")
@actor_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def request_changes(app: AppContext, submission_id: int, message: str, actor: str | None, as_json: bool) -> None:
    """Email the sender what to change (with the form's current problems); status becomes needs_changes.

    \b
    Example:
      mln request-changes 42 --message "Please add the outcomes you measured."
    """
    r = review.request_changes(app.settings, submission_id, message, actor_name(actor))
    if as_json:
        print_json(r)
        return
    click.echo(
        f"{r['id']} {r['file_no']} needs changes; the request to {r['emailed']} is queued in the outbox as {r['outgoing_id']}"
    )


@click.command()
@click.argument("submission_id", type=int)
@click.argument("assignments", nargs=-1, required=True, metavar="FIELD=VALUE...")
@actor_option
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
@click.pass_obj
def edit(app: AppContext, submission_id: int, assignments: tuple[str, ...], actor: str | None, as_json: bool) -> None:
    """Change fields of a submission, checked as a received form would be; the change is recorded.

    FIELD is a form field: title, theme, locality, region, organisation,
    organisation_type, lead_name, lead_email, status (Planned / Being
    implemented / Implemented), date_commenced, date_updated, completion_date,
    summary, actions, outcomes, learning, link, share_externally.

    \b
    Examples:
      mln edit 42 theme=6
      mln edit 42 "title=Education package for care home staff" "date_commenced=June 2006"
    """
    from pipeline.review.edit import parse_assignments

    result = review.edit_submission(app.settings, submission_id, parse_assignments(assignments), actor_name(actor))
    if as_json:
        print_json(result)
        return
    if not result["changes"]:
        click.echo(f"submission {result['id']}: nothing changed (the values were already so)")
    for column, (old, new) in result["changes"].items():
        click.echo(f"{result['id']} {column}: {old!r} -> {new!r}")


@click.command()
@click.argument("submission_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="JSON list with keys at, actor, action, detail.")
@click.pass_obj
def history(app: AppContext, submission_id: int, as_json: bool) -> None:
    """Who did what to a submission, and when, from its arrival on.

    \b
    Examples:
      mln history 42
      mln history 42 --json
    """
    events = review.history(app.settings, submission_id)
    print_json(events) if as_json else _print_history(events, app.settings.network.timezone)
