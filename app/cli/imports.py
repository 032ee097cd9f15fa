"""`flask --app app import responses FILE.csv --survey ID`: answers from another tool (docs/import.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from app.extensions import db
from app.models import Survey


@click.group("import", help="Import data exported from another tool.")
def import_group() -> None:
    pass


@import_group.command("responses")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--survey", "survey_id", type=int, required=True, help="The survey the answers belong to.")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD", help="Read COLUMN as FIELD (repeatable).")
@click.option("--dry-run", is_flag=True, help="Validate every row and write nothing.")
@click.option("--analyze/--no-analyze", default=True, help="Analyse the comments once imported (default on).")
def import_responses_command(file: Path, survey_id: int, maps: tuple[str, ...], dry_run: bool, analyze: bool) -> None:
    """Load answers from FILE.csv: every row or none (errors are listed with their line numbers)."""
    from app.services.answers.analysis import analyze_responses
    from app.services.imports import import_responses

    survey = db.session.scalar(select(Survey).where(Survey.id == survey_id))
    if survey is None:
        raise click.BadParameter(f"no survey {survey_id}", param_hint="--survey")
    overrides = {}
    for item in maps:
        column, sep, target = item.partition("=")
        if not sep or not column or not target:
            raise click.BadParameter(f"{item!r} is not COLUMN=FIELD", param_hint="--map")
        overrides[column] = target.strip()
    if not file.exists():
        raise click.BadParameter(f"{file} does not exist", param_hint="FILE")
    total = max(0, sum(1 for _ in file.open(encoding="utf-8-sig", newline="")) - 1)
    with file.open(encoding="utf-8-sig", newline="") as handle:

        def progress(rows):
            with click.progressbar(rows, length=total, label="Checking rows", file=sys.stderr) as bar:
                yield from bar

        result = import_responses(survey, handle, overrides, progress=progress, dry_run=dry_run)
    if result.errors:
        for error in result.errors:
            click.echo(error, err=True)
        click.echo(f"Nothing imported: {len(result.errors)} error(s) in {result.rows} row(s).", err=True)
        sys.exit(1)
    if dry_run:
        click.echo(f"{result.rows} row(s) are valid; nothing written (--dry-run).")
        return
    click.echo(f"Imported {result.imported} answer(s) into survey {survey.id}.")
    if analyze and result.response_ids:
        batches = [result.response_ids[i : i + 200] for i in range(0, len(result.response_ids), 200)]
        with click.progressbar(batches, label="Analysing comments", file=sys.stderr) as bar:
            for batch in bar:
                analyze_responses(batch)
