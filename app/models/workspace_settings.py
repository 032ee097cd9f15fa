"""A workspace's reporting settings: score thresholds, score targets and SLA targets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class WorkspaceSettings(db.Model):
    """One row per workspace that changed a default; absent means every default applies."""

    __tablename__ = "workspace_settings"

    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    # {"thresholds": {"csat": {"good_points": 2}, ...}, "targets": {"csat": 85, ...},
    #  "sla": {"first_response_minutes": 240, "resolution_hours": 24, "channels": {"chat": {...}}}}
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
