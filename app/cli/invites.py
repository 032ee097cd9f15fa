"""`flask --app app invites stale|release`: sends a dead worker left unconfirmed."""

from __future__ import annotations

import click
from sqlalchemy import select

from app.extensions import db
from app.models import Invite
from app.models.invite import InviteStatus
from app.services.sending.send import release_claim


@click.group(help="Operate on invites.")
def invites() -> None:
    pass


@invites.command("stale")
def invites_stale() -> None:
    """List invites claimed for sending with no recorded outcome (never resent automatically)."""
    rows = list(
        db.session.scalars(select(Invite).where(Invite.status == InviteStatus.SENDING).order_by(Invite.send_claimed_at))
    )
    if not rows:  # an operator checking after an incident reads that all is well, not silence
        click.echo("No stale sends: every claimed invite has a recorded outcome.")
    for invite in rows:
        click.echo(
            f"{invite.id}\t{invite.customer_email}\tclaimed {invite.send_claimed_at.isoformat()}\t{invite.reason or ''}"
        )


@invites.command("release")
@click.argument("invite_id", type=int)
@click.option("--yes", is_flag=True, help="Confirm you checked the mail server's log: the email did not go out.")
def invites_release(invite_id: int, yes: bool) -> None:
    """Put a `sending` invite back in the queue: only after checking it was not delivered."""
    if not yes:
        raise click.UsageError("Check the mail server's log first, then pass --yes: a release may send a second email.")
    if not release_claim(invite_id):
        raise click.ClickException(f"Invite {invite_id} is not in status '{InviteStatus.SENDING}'.")
    click.echo(f"Invite {invite_id} released; the next sweep sends it.")
