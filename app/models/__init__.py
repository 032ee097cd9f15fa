"""Every model, imported here so Alembic and the app see the whole schema."""
from app.models.integration import Integration, WebhookDelivery
from app.models.invite import Invite, InviteEvent
from app.models.response import Response, ResponseTheme
from app.models.survey import Survey
from app.models.suppression import Suppression
from app.models.theme import Theme
from app.models.workspace import Workspace

__all__ = [
    "Integration", "Invite", "InviteEvent", "Response", "ResponseTheme", "Survey", "Suppression", "Theme",
    "WebhookDelivery", "Workspace",
]
