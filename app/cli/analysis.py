"""`flask --app app analyze FILE` (comments in, analysis out) and `analysis backfill` (re-run stored answers' analysis)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click

from app.analysis import analyze_comments
from app.platform.queue import ANALYZE_BATCH, enqueue
from app.services.answers.analysis import BATCH_SIZE, analyze_responses, count_stale, stale_batches


@click.group(help="Analysis of survey comments.")
def analysis() -> None:
    pass


@analysis.command("backfill")
@click.option("--workspace", "workspace_id", type=int, help="Only this workspace's answers.")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 5000),
    default=BATCH_SIZE,
    show_default=True,
    help="Answers per batch (one transaction, or one task with --enqueue).",
)
@click.option("--enqueue", "to_queue", is_flag=True, help="Hand the batches to the workers instead of analysing here.")
def backfill(workspace_id: int | None, batch_size: int, to_queue: bool) -> None:
    """Analyse answers never analysed, analysed by an older ANALYSIS_VERSION, or edited since."""
    total = count_stale(workspace_id)
    if not total:
        click.echo("Nothing to analyse: every answer is current.")
        return
    done = batches = 0
    label = "Enqueueing" if to_queue else "Analysing"
    with click.progressbar(length=total, label=f"{label} {total} answers", show_pos=True) as bar:
        for ids in stale_batches(workspace_id, batch_size):
            if to_queue:
                enqueue(ANALYZE_BATCH, ids)
                done += len(ids)
            else:
                done += analyze_responses(ids)
            batches += 1
            bar.update(len(ids))
    if to_queue:
        click.echo(f"Enqueued {done} answers in {batches} batches of up to {batch_size}.")
    else:
        click.echo(f"Analysed {done} answers in {batches} batches.")


@click.command(help="Analyse comments: one per line (- for stdin), or a .csv's `comment` column.")
@click.argument("file")
@click.option(
    "--min-mentions",
    type=click.IntRange(1, 1000),
    default=2,
    show_default=True,
    help="Comments of the file a discovered theme (one the default catalogue lacks) must recur in.",
)
def analyze(file: str, min_mentions: int) -> None:
    texts = list(_read_comments(file))
    for text, result in zip(texts, analyze_comments(texts, min_mentions=min_mentions)):
        row = {
            "text": text,
            "polarity": result.polarity,
            "subjectivity": result.subjectivity,
            "label": result.label,
            "themes": result.themes,
            "theme_sentiment": result.theme_sentiment,
            "language": result.language,
        }
        click.echo(json.dumps(row, ensure_ascii=False))


def _read_comments(file: str):
    if file == "-":
        yield from (line.rstrip("\n") for line in sys.stdin if line.strip())
        return
    path = Path(file)
    if not path.exists():
        raise click.BadParameter(f"{file} does not exist", param_hint="FILE")
    with path.open(newline="", encoding="utf-8") as handle:
        if path.suffix.lower() == ".csv":
            reader = csv.DictReader(handle)
            if "comment" not in (reader.fieldnames or []):
                raise click.BadParameter("the CSV has no 'comment' column", param_hint="FILE")
            yield from (row["comment"] for row in reader if (row["comment"] or "").strip())
        else:
            yield from (line.rstrip("\n") for line in handle if line.strip())
