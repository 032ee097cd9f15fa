"""Every model, imported here so Alembic and the app see the whole schema."""

from app.models.account import AccountToken, Membership, User, UserSession
from app.models.alert import AlertMatch, AlertNotification, AlertRule
from app.models.annotation import Annotation
from app.models.api_key import ApiKey
from app.models.audit import AuditEvent
from app.models.case import Case, CaseEvent
from app.models.digest import DigestSubscription
from app.models.driver_rollup import DriverDuration, DriverDurationMonthly, DriverRollup, DriverRollupMonthly
from app.models.integration import Integration, WebhookDelivery
from app.models.invite import Invite, InviteEvent
from app.models.outbound_webhook import WebhookAttempt, WebhookEndpoint, WebhookEvent, WebhookMessage
from app.models.privacy import PrivacyPolicy
from app.models.response import Response, ResponseTheme
from app.models.rollup import MetricRollup, MetricRollupHourly
from app.models.suppression import Suppression
from app.models.survey import Survey
from app.models.theme import Theme
from app.models.theme_rollup import ThemeMention, ThemeRollup
from app.models.workspace import Workspace
from app.models.workspace_settings import WorkspaceSettings
from app.models.writeback import HelpdeskNote, HelpdeskWriteback

__all__ = [
    "AccountToken",
    "Membership",
    "User",
    "UserSession",
    "AlertMatch",
    "AlertNotification",
    "AlertRule",
    "Annotation",
    "ApiKey",
    "AuditEvent",
    "Case",
    "CaseEvent",
    "HelpdeskNote",
    "HelpdeskWriteback",
    "DigestSubscription",
    "DriverDuration",
    "DriverDurationMonthly",
    "DriverRollup",
    "DriverRollupMonthly",
    "Integration",
    "Invite",
    "InviteEvent",
    "MetricRollup",
    "MetricRollupHourly",
    "PrivacyPolicy",
    "Response",
    "ResponseTheme",
    "Survey",
    "Suppression",
    "Theme",
    "ThemeMention",
    "ThemeRollup",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookMessage",
    "Workspace",
    "WorkspaceSettings",
]
