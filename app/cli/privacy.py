"""`flask --app app privacy erase|export|purge`: data-subject requests and retention, for operators."""

from __future__ import annotations

import json

import click

from app.errors import APIError
from app.extensions import db
from app.models import Workspace
from app.services.privacy.erasure import erase_person
from app.services.privacy.retention import purge_all
from app.services.privacy.subject_export import export_person


@click.group(help="Erase or export a customer's data; run the retention purge.")
def privacy() -> None:
    pass


def _workspace(workspace_id: int) -> int:
    if db.session.get(Workspace, workspace_id) is None:
        raise click.ClickException(f"No workspace {workspace_id}.")
    return workspace_id


@privacy.command("erase")
@click.argument("email")
@click.option("--workspace", "workspace_id", type=int, required=True, help="The workspace's id.")
def privacy_erase(email: str, workspace_id: int) -> None:
    """Erase EMAIL's identity and free text (scores stay, anonymous); suppress the address."""
    try:
        counts = erase_person(_workspace(workspace_id), email)
    except APIError as refused:
        raise click.ClickException(refused.message) from None
    click.echo("Erased. Rows changed: " + ", ".join(f"{name} {n}" for name, n in counts.items()))


@privacy.command("export")
@click.argument("email")
@click.option("--workspace", "workspace_id", type=int, required=True, help="The workspace's id.")
def privacy_export(email: str, workspace_id: int) -> None:
    """Print everything held about EMAIL as JSON."""
    try:
        data = export_person(_workspace(workspace_id), email)
    except APIError as refused:
        raise click.ClickException(refused.message) from None
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@privacy.command("purge")
def privacy_purge() -> None:
    """Run the retention purge now (the worker's beat runs it hourly)."""
    results = purge_all()
    if not results:
        click.echo("Nothing past its retention window.")
    for workspace_id, removed in results.items():
        click.echo(f"workspace {workspace_id}: " + ", ".join(f"{kind} {n}" for kind, n in removed.items()))
