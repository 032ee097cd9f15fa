"""`flask --app app demo`: the demo workspace `make run` seeds on first start, and how to try it."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from app.cli.demo_data import DAYS, seed_demo_answers
from app.extensions import db
from app.models import Survey, Workspace
from app.models.account import Role
from app.services.accounts import people
from app.services.surveys import create_survey
from app.services.workspaces import create_workspace

DEMO_NAME = "Demo workspace"
DEMO_OWNER = "demo@afterword.localhost"


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
    made = seed_demo_answers(ws.id, ws.timezone)
    if made:
        click.echo(f"Generated {made} answers over the last {DAYS} days for the demo dashboard.")
    password = _demo_owner(ws.id, Path(current_app.instance_path) / "demo_password")
    surveys = list(db.session.scalars(select(Survey).where(Survey.workspace_id == ws.id).order_by(Survey.id)))
    click.echo(_walkthrough(current_app.config["PUBLIC_URL"], key, surveys))
    click.echo(f"Sign in at {current_app.config['PUBLIC_URL']}/login as {DEMO_OWNER}, password: {password}\n")


def _demo_owner(workspace_id: int, password_file: Path) -> str:
    """The demo workspace's owner, made on first start with a random password kept beside the key."""
    if people.find_user(DEMO_OWNER) is None:
        password = secrets.token_urlsafe(12)
        owner = people.create_user(DEMO_OWNER, password, "Demo owner")
        people.set_membership(owner, workspace_id, Role.OWNER)
        db.session.commit()
        # Development convenience only, like the demo API key.
        password_file.write_text(password)
        password_file.chmod(0o600)
    return password_file.read_text().strip() if password_file.exists() else "<shown on first start>"


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
        f'    -d \'{{"survey_id": {sid}, "customer": {{"email": "ada@example.com", "name": "Ada"}}, '
        '"ticket": {"id": "T-1", "agent": {"name": "Sam"}, "channel": "email"}}\'',
        "  ls instance/outbox/            # the invite email, as an .eml file",
        "  # open a score link from the email, confirm, then:",
        '  curl -s "$AW/api/v1/responses" -H "Authorization: Bearer $KEY"',
        f'  curl -s "$AW/api/v1/metrics?survey_id={sid}" -H "Authorization: Bearer $KEY"',
        "  (README.md shows the signed-webhook path too.)",
        "",
    ]
    return "\n".join(lines)
