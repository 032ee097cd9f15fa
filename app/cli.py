"""Operator commands: `flask --app app workspace create NAME --json`, `demo`, `analyze FILE`."""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import select

from app.cli_analysis import analysis
from app.cli_import import import_group
from app.extensions import db
from app.models import Survey, Workspace
from app.services.surveys import create_survey
from app.services.workspaces import create_workspace

DEMO_NAME = "Demo workspace"


def register_cli(app: Flask) -> None:
    app.cli.add_command(workspace)
    app.cli.add_command(demo)
    app.cli.add_command(analyze)
    app.cli.add_command(analysis)
    app.cli.add_command(translations)
    app.cli.add_command(invites)
    app.cli.add_command(import_group)


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


@click.command(help="Create the demo workspace and surveys on first start, and show how to try them.")
def demo() -> None:
    key_file = Path(current_app.instance_path) / "demo_api_key"
    existing = db.session.scalar(select(Workspace).where(Workspace.name == DEMO_NAME))
    if existing is None:
        ws, key = create_workspace(DEMO_NAME)
        for kind, name in (("csat", "Support CSAT"), ("nps", "Relationship NPS"), ("ces", "Effort (CES)")):
            create_survey(ws.id, {"name": name, "kind": kind})
        # Development convenience only: `make run` shows the key again on later starts.
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(key)
        key_file.chmod(0o600)
    else:
        ws = existing
        key = key_file.read_text().strip() if key_file.exists() else "<shown on first start; see instance/demo_api_key>"
    surveys = list(db.session.scalars(select(Survey).where(Survey.workspace_id == ws.id).order_by(Survey.id)))
    click.echo(_walkthrough(current_app.config["PUBLIC_URL"], key, surveys))


def _walkthrough(base: str, key: str, surveys: list[Survey]) -> str:
    csat = next((s for s in surveys if s.kind == "csat"), surveys[0] if surveys else None)
    sid = csat.id if csat else 1
    lines = [
        "",
        f"Afterword demo workspace. API key: {key}",
        "Surveys: " + ", ".join(f"{s.id}={s.kind}" for s in surveys),
        "",
        "Try it (copy and paste):",
        f"  export AW={base} KEY={key}",
        '  curl -s -X POST $AW/api/v1/invites -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \\',
        f"    -d '{{\"survey_id\": {sid}, \"customer\": {{\"email\": \"ada@example.com\", \"name\": \"Ada\"}}, "
        '"ticket": {"id": "T-1", "agent": {"name": "Sam"}, "channel": "email"}}\'',
        "  ls instance/outbox/            # the invite email, as an .eml file",
        "  # open a score link from the email, confirm, then:",
        '  curl -s "$AW/api/v1/responses" -H "Authorization: Bearer $KEY"',
        f'  curl -s "$AW/api/v1/metrics?survey_id={sid}" -H "Authorization: Bearer $KEY"',
        "  (README.md shows the signed-webhook path too.)",
        "",
    ]
    return "\n".join(lines)


@click.command(help="Analyse comments: one per line (- for stdin), or a .csv's `comment` column.")
@click.argument("file")
def analyze(file: str) -> None:
    from app.analysis import analyze_comments

    texts = list(_read_comments(file))
    for text, result in zip(texts, analyze_comments(texts)):
        row = {"text": text, "polarity": result.polarity, "subjectivity": result.subjectivity,
               "label": result.label, "themes": result.themes, "language": result.language}
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


@click.group(help="Translation catalogues under app/translations.")
def translations() -> None:
    pass


@translations.command("compile")
@click.option("--force", is_flag=True, help="Recompile even if the .mo files are newer.")
def translations_compile(force: bool) -> None:
    """Compile the .po catalogues to the .mo files Flask-Babel reads."""
    from app.i18n import compile_catalogs

    for path in compile_catalogs(force=force):
        click.echo(f"compiled {path}")


@click.group(help="Operate on invites.")
def invites() -> None:
    pass


@invites.command("stale")
def invites_stale() -> None:
    """List invites claimed for sending with no recorded outcome (never resent automatically)."""
    from app.models import Invite

    rows = db.session.scalars(select(Invite).where(Invite.status == "sending").order_by(Invite.send_claimed_at))
    for invite in rows:
        click.echo(f"{invite.id}\t{invite.customer_email}\tclaimed {invite.send_claimed_at.isoformat()}\t{invite.reason or ''}")


@invites.command("release")
@click.argument("invite_id", type=int)
@click.option("--yes", is_flag=True, help="Confirm you checked the mail server's log: the email did not go out.")
def invites_release(invite_id: int, yes: bool) -> None:
    """Put a `sending` invite back in the queue: only after checking it was not delivered."""
    from app.services.delivery import release_claim

    if not yes:
        raise click.UsageError("Check the mail server's log first, then pass --yes: a release may send a second email.")
    if not release_claim(invite_id):
        raise click.ClickException(f"Invite {invite_id} is not in status 'sending'.")
    click.echo(f"Invite {invite_id} released; the next sweep sends it.")
