"""The JSON API under /api/v1: thin views over the services."""

from app.api import (  # noqa: F401  (register routes)
    alert_rules,
    cases,
    insights,
    integrations,
    invites,
    openapi,
    privacy,
    reports,
    surveys,
    themes,
    webhook_endpoints,
    workspace,
    writeback,
)
from app.api.blueprint import bp

__all__ = ["bp"]
