"""`flask --app app deliveries list|retry`: stored webhook deliveries, with why any failed."""

from __future__ import annotations

import click

from app.extensions import db
from app.models import Integration
from app.models.integration import DeliveryStatus
from app.services.intake.deliveries import list_deliveries, retry_delivery


@click.group(help="Webhook deliveries received from the helpdesks.")
def deliveries() -> None:
    pass


@deliveries.command("list")
@click.option("--integration", "integration_id", type=int, required=True, help="The integration's id.")
@click.option("--status", type=click.Choice([s.value for s in DeliveryStatus]), help="Only this status.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
def deliveries_list(integration_id: int, status: str | None, limit: int) -> None:
    """The newest deliveries: id, received, status, attempts, ticket, and the reason of a failure."""
    integration = db.session.get(Integration, integration_id)
    if integration is None:
        raise click.ClickException(f"No integration {integration_id}.")
    rows = list_deliveries(integration, limit, DeliveryStatus(status) if status else None).items
    if not rows:
        click.echo("No deliveries" + (f" with status {status}." if status else "."))
    for d in rows:
        reason = (d.error or "").replace("\n", " ")
        click.echo(
            f"{d.id}\t{d.received_at:%Y-%m-%d %H:%M:%S}Z\t{d.status}\t{d.attempts}\t{d.ticket_id or ''}\t{reason}"
        )


@deliveries.command("retry")
@click.argument("delivery_id", type=int)
def deliveries_retry(delivery_id: int) -> None:
    """Put a failed delivery back in the sweep once what failed it is fixed."""
    if retry_delivery(delivery_id) is None:
        raise click.ClickException(f"Delivery {delivery_id} is not failed, or keeps nothing to retry.")
    click.echo(f"Delivery {delivery_id} is pending again; the next sweep completes it.")
