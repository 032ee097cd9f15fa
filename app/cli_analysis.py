"""`flask --app app analysis backfill`: re-run the analysis of answers scored by an older version."""
from __future__ import annotations

import click

from app.queue import ANALYZE_BATCH, enqueue
from app.services.analysis import BATCH_SIZE, analyze_responses, count_stale, stale_batches


@click.group(help="Analysis of survey comments.")
def analysis() -> None:
    pass


@analysis.command("backfill")
@click.option("--workspace", "workspace_id", type=int, help="Only this workspace's answers.")
@click.option("--batch-size", type=click.IntRange(1, 5000), default=BATCH_SIZE, show_default=True,
              help="Answers per batch (one transaction, or one task with --enqueue).")
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
