"""`flask --app app workspace create NAME`: a workspace and its API key."""

from __future__ import annotations

import json

import click

from app.services.workspaces import create_workspace


@click.group(help="Manage workspaces.")
def workspace() -> None:
    pass


@workspace.command("create")
@click.argument("name")
@click.option("--timezone", default="UTC", help="IANA zone for reports, e.g. Europe/Paris.")
@click.option("--json", "as_json", is_flag=True, help="Print {id, api_key} as JSON.")
def workspace_create(name: str, timezone: str, as_json: bool) -> None:
    """Create a workspace and print its API key (shown once; only a hash is stored)."""
    ws, key = create_workspace(name, timezone)
    if as_json:
        click.echo(json.dumps({"id": ws.id, "api_key": key}))
    else:
        click.echo(f"Workspace {ws.id} created. API key (shown once): {key}")
