"""Alert rules: who hears at once about which answers, and the log of what was sent."""

from __future__ import annotations

from sqlalchemy import select

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.contract import accepts, paginated, responds
from app.models.alert import AlertNotification, AlertRule
from app.schemas.alert import AlertRuleInSchema, AlertRuleOutSchema, NotificationOutSchema, NotificationsQuery
from app.schemas.common import list_schema
from app.services.alerts import rules
from app.services.pagination import fetch_page


def own_rule(rule_id: int) -> AlertRule:
    return rules.get_rule(current_workspace().id, rule_id)


@bp.post("/alert-rules")
@accepts(AlertRuleInSchema)
@responds(201, AlertRuleOutSchema)
def create_alert_rule(body: dict):
    """Create a rule: conditions, destinations, debounce, cooldown, quiet hours, batching, cases."""
    return rules.create_rule(current_workspace().id, body)


@bp.get("/alert-rules")
@responds(200, list_schema(AlertRuleOutSchema))
def list_alert_rules():
    """The workspace's alert rules (chat webhook URLs are never shown)."""
    return {"items": [rules.rule_view(r) for r in rules.list_rules(current_workspace().id)]}


@bp.get("/alert-rules/<id:rule_id>")
@responds(200, AlertRuleOutSchema)
def get_alert_rule(rule_id: int):
    """One alert rule."""
    return rules.rule_view(own_rule(rule_id))


@bp.patch("/alert-rules/<id:rule_id>")
@accepts(AlertRuleInSchema, partial=True, lookup=own_rule)
@responds(200, AlertRuleOutSchema)
def update_alert_rule(rule_id: int, body: dict, found: AlertRule):
    """Change some of a rule's fields."""
    return rules.update_rule(found, body)


@bp.delete("/alert-rules/<id:rule_id>")
@responds(204)
def delete_alert_rule(rule_id: int):
    """Remove the rule and its log."""
    rules.delete_rule(own_rule(rule_id))


@bp.get("/alert-rules/<id:rule_id>/notifications")
@accepts(NotificationsQuery, location="query")
@paginated(NotificationOutSchema, description="The rule's messages, newest first")
def list_alert_notifications(rule_id: int, query: dict):
    """What the rule sent (or failed to send), to whom, and when."""
    rule = own_rule(rule_id)
    stmt = select(AlertNotification).where(AlertNotification.rule_id == rule.id).order_by(AlertNotification.id.desc())
    if query.get("cursor"):
        stmt = stmt.where(AlertNotification.id < query["cursor"])
    return fetch_page(stmt, query["limit"])
