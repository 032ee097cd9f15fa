"""`flask --app app users create|list|set-role|reset-password`: people who sign in, by an operator."""

from __future__ import annotations

import sys

import click
from flask import current_app

from app.extensions import db
from app.models import Workspace
from app.models.account import Role
from app.services.accounts import people
from app.services.accounts.passwords import password_problem
from app.services.accounts.team import team_names

ROLES = click.Choice([role.value for role in Role])


@click.group(help="People who sign in to the pages.")
def users() -> None:
    pass


def _workspace(workspace_id: int) -> Workspace:
    workspace = db.session.get(Workspace, workspace_id)
    if workspace is None:
        raise click.BadParameter(f"no workspace {workspace_id}", param_hint="--workspace")
    return workspace


def _password_from_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if problem := password_problem(password):
        raise click.BadParameter(problem, param_hint="--password-stdin")
    return password


@users.command("create")
@click.argument("email")
@click.option("--workspace", "workspace_id", type=int, required=True, help="The workspace's id.")
@click.option("--role", type=ROLES, required=True)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (else email an invitation)."
)
@click.option("--name", default=None, help="The person's name, shown to teammates.")
def users_create(email: str, workspace_id: int, role: str, password_stdin: bool, name: str | None) -> None:
    """Give EMAIL a role in a workspace: with a password read from stdin, or by an emailed invitation."""
    workspace = _workspace(workspace_id)
    if not password_stdin:
        people.invite(workspace.id, email, Role(role))
        click.echo(f"Invitation to {workspace.name} emailed to {people.normal_email(email)} (valid 7 days).")
        return
    password = _password_from_stdin()
    user = people.find_user(email) or people.create_user(email, password, name)
    people.set_membership(user, workspace.id, Role(role))
    db.session.commit()
    click.echo(f"{user.email} is {role} of {workspace.name}.")


@users.command("list")
@click.option("--workspace", "workspace_id", type=int, help="Only this workspace's people.")
def users_list(workspace_id: int | None) -> None:
    """Every person, their workspaces and roles (tab-separated)."""
    rows = people.directory(workspace_id)
    if not rows:
        click.echo("No people yet.")
    for user, membership, workspace in rows:
        where = f"{workspace.id}\t{workspace.name}\t{membership.role}" if membership else "-\t-\t-"
        click.echo(f"{user.id}\t{user.email}\t{where}")


@users.command("set-role")
@click.argument("email")
@click.option("--workspace", "workspace_id", type=int, required=True)
@click.option("--role", type=ROLES, required=True)
@click.option("--teams", default=None, help="A manager's teams, comma-separated (empty: every team).")
def users_set_role(email: str, workspace_id: int, role: str, teams: str | None) -> None:
    """Change EMAIL's role in a workspace (they must belong to it)."""
    user = people.find_user(email)
    if user is None or people.membership_of(user.id, _workspace(workspace_id).id) is None:
        raise click.ClickException(f"{email} does not belong to workspace {workspace_id}.")
    membership = people.set_membership(user, workspace_id, Role(role))
    if teams is not None:
        membership.teams = team_names(teams)
    db.session.commit()
    limited = f" (teams: {', '.join(membership.teams)})" if Role(role) is Role.MANAGER and membership.teams else ""
    click.echo(f"{user.email} is now {role} of workspace {workspace_id}{limited}.")


@users.command("reset-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Set the password read from stdin (else email a reset link).")
def users_reset_password(email: str, password_stdin: bool) -> None:
    """Email EMAIL a reset link, or set a new password from stdin; either way every session ends."""
    user = people.find_user(email)
    if user is None:
        raise click.ClickException(f"No account uses {email}.")
    if password_stdin:
        people.change_password(user, _password_from_stdin())
        click.echo(f"Password of {user.email} changed; every session ended.")
    else:
        people.request_reset(user.email)
        where = current_app.config.get("SMTP_URL") and "by SMTP" or f"to {current_app.config['OUTBOX_DIR']}"
        click.echo(f"Reset link emailed to {user.email} ({where}); valid for an hour.")
