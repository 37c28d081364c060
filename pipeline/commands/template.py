"""mln template (write the blank form) and mln form (read and check a completed one)."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json
from pipeline.errors import InvalidInput
from pipeline.templates_io import FORMATS, generate_template
from pipeline.templates_io.check import check_form_file, form_summary
from pipeline.templates_io.generate import format_for_path


def register(cli: click.Group) -> None:
    cli.add_command(template)
    cli.add_command(form)


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), help="docx, xlsx, csv or txt (default: from the -o extension)."
)
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="PATH",
    help="Where to write the blank form ('-' for stdout, csv/txt only).",
)
@click.pass_obj
def template(app: AppContext, fmt: str | None, output: str) -> None:
    """Write the blank reporting template, built from the network's name, themes and regions.

    \b
    Examples:
      mln template --format docx -o improvement-plan.docx
      mln template -o improvement-plan.xlsx
      mln template --format txt -o -
    """
    try:
        chosen = format_for_path(output, fmt) if output != "-" else (fmt or "txt")
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    data = generate_template(chosen, app.settings.network)
    if output == "-":
        if chosen not in ("csv", "txt"):
            raise InvalidInput(f"{chosen} is binary; write it to a file with -o PATH")
        click.echo(data.decode("utf-8"), nl=False)
        return
    Path(output).write_bytes(data)
    click.echo(f"wrote {chosen} template to {output} ({len(data)} bytes)")


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def form(app: AppContext, path: Path, as_json: bool) -> None:
    """Read a completed form file as the mail intake would, and show its values and problems.

    Exit 1 when any form in the file has problems or none is found.

    \b
    Examples:
      mln form returned-plan.docx
      mln form index.xlsx --json
    """
    forms = [form_summary(f) for f in check_form_file(path.name, path.read_bytes(), app.settings)]
    if as_json:
        print_json(forms)
    else:
        _print_forms(path, forms)
    if not forms or not all(f["ok"] for f in forms):
        raise click.exceptions.Exit(1)


def _print_forms(path: Path, forms: list[dict]) -> None:
    if not forms:
        click.echo(f"{path}: no completed form found")
    for i, found in enumerate(forms, start=1):
        click.echo(f"Form {i} of {len(forms)} in {path.name}: {'OK' if found['ok'] else 'needs changes'}")
        for key, value in found["values"].items():
            if value not in ("", None):
                shown = (
                    value["date"] + f" ({value['precision']}{', planned' if value['planned'] else ''})"
                    if isinstance(value, dict)
                    else value
                )
                click.echo(f"  {key:18} {str(shown).replace(chr(10), chr(10) + ' ' * 21)}")
        for problem in found["problems"]:
            click.echo(f"  problem: {problem}")
        for note in found["notes"]:
            click.echo(f"  note: {note}")
