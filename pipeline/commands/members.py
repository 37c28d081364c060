"""mln members list | add | remove | import: the team leaders who report each period."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json, print_table
from pipeline.people.members import MemberInput, add_member, as_dict, import_csv, list_members, remove_member
from pipeline.store.db import transaction

COLUMNS = [
    ("email", "Email"),
    ("name", "Name"),
    ("organisation", "Organisation"),
    ("region", "Region"),
    ("themes", "Theme lead of"),
]


def register(cli: click.Group) -> None:
    cli.add_command(members)


@click.group()
def members() -> None:
    """Team leaders: each should send an improvement plan every period; some lead a theme.

    \b
    Examples:
      mln members import leaders.csv
      mln members add ann@example.nhs.test --name "Ann Lee" --region "North East" --theme 6
      mln members list --json
    """


@members.command(name="list")
@click.option("--theme", help="Only leads of this theme (name or number).")
@click.option("--all", "include_inactive", is_flag=True, help="Include removed members.")
@click.option(
    "--json", "as_json", is_flag=True, help="JSON list with keys email, name, organisation, region, themes, active."
)
@click.pass_obj
def list_command(app: AppContext, theme: str | None, include_inactive: bool, as_json: bool) -> None:
    """List members, by region.

    \b
    Examples:
      mln members list
      mln members list --theme "Care homes" --json
    """
    from pipeline.people.members import resolve_themes

    wanted = resolve_themes(app.settings, [theme])[0] if theme else None
    with transaction(app.settings.database.url, readonly=True) as session:
        rows = [as_dict(m) for m in list_members(session, include_inactive, wanted)]
    if as_json:
        print_json(rows)
    else:
        print_table([r | {"themes": "; ".join(r["themes"])} for r in rows], COLUMNS)


@members.command()
@click.argument("email")
@click.option("--name", default="", help="Full name.")
@click.option("--organisation", default="", help="Their organisation.")
@click.option("--region", default="", help="Their region (one of network.regions).")
@click.option("--theme", "themes", multiple=True, help="A theme they lead (name or number); repeat for several.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON (keys outcome, email, themes).")
@click.pass_obj
def add(
    app: AppContext, email: str, name: str, organisation: str, region: str, themes: tuple[str, ...], as_json: bool
) -> None:
    """Add a member, or update one (blank options keep what is stored).

    \b
    Examples:
      mln members add ann@example.nhs.test --name "Ann Lee" --organisation "Tees Trust" --region "North East" --theme 6
      mln members add ann@example.nhs.test --theme 2 --json
    """
    with transaction(app.settings.database.url) as session:
        member, outcome = add_member(session, app.settings, MemberInput(email, name, organisation, region, themes))
        result = {"outcome": outcome, "email": member.email, "themes": list(member.themes)}
    if as_json:
        print_json(result)
        return
    lead = f" (theme lead: {'; '.join(result['themes'])})" if result["themes"] else ""
    click.echo(f"{outcome}: {result['email']}{lead}")


@members.command()
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON (keys outcome, email).")
@click.pass_obj
def remove(app: AppContext, email: str, as_json: bool) -> None:
    """Stop reminding a member; what they sent stays in the reports.

    \b
    Examples:
      mln members remove ann@example.nhs.test
      mln members remove ann@example.nhs.test --json
    """
    with transaction(app.settings.database.url) as session:
        removed = remove_member(session, email).email
    if as_json:
        print_json({"outcome": "removed", "email": removed})
    else:
        click.echo(f"removed: {removed}")


@members.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def import_command(app: AppContext, file: Path, as_json: bool) -> None:
    """Add or update members from a CSV file with a heading row.

    Columns: email (required), name, organisation, region, themes (theme names
    or numbers separated by ';'). Rows with a bad address or an unknown theme
    are skipped and listed.

    \b
    Example:
      mln members import leaders.csv
    """
    report = import_csv(app.settings, file)
    if as_json:
        print_json(report.as_dict())
        return
    click.echo(
        f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, skipped {len(report.skipped)}"
    )
    for line, email, why in report.skipped:
        click.echo(f"  line {line} {email or '(no address)'}: {why}", err=True)
