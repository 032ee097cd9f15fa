"""A workspace's reporting settings, with the defaults of docs/kpis.md where it set nothing."""

from __future__ import annotations

import copy

from app.extensions import db
from app.models import WorkspaceSettings
from app.scoring.kinds import good_threshold

DEFAULTS: dict = {
    # How many top points of the scale count as good; None keeps docs/kpis.md's rule.
    "thresholds": {"csat": {"good_points": None}, "ces": {"easy_points": None}},
    # Targets shown beside a score; None means no target. Benchmarks (bands) are always shown.
    "targets": {"csat": None, "nps": None, "ces": None, "response_rate": None, "fcr": None, "sla": None},
    # SLA targets (seed 004: email < 4 h, live chat < 2 min; resolution > 48 h needs improvement).
    "sla": {"first_response_minutes": 240, "resolution_hours": 48, "channels": {"chat": {"first_response_minutes": 2}}},
    # The fewest answers an agent or team needs to be ranked; smaller rows are shown, unranked.
    # 30 is where docs/kpis.md stops calling a sample low.
    "ranking": {"min_sample": 30},
}


def load_settings(workspace_id: int) -> dict:
    """The effective settings: the defaults overlaid with what the workspace saved."""
    row = db.session.get(WorkspaceSettings, workspace_id)
    return _overlay(copy.deepcopy(DEFAULTS), row.settings if row else {})


SETTING_KEYS = ("thresholds", "targets", "sla", "ranking")


def save_settings(workspace_id: int, changes: dict) -> None:
    """Overlay reporting-setting changes on the workspace's saved ones; the caller commits."""
    if not changes:
        return
    row = db.session.get(WorkspaceSettings, workspace_id)
    if row is None:
        row = WorkspaceSettings(workspace_id=workspace_id, settings={})
        db.session.add(row)
    row.settings = _overlay(copy.deepcopy(row.settings or {}), changes)


def good_at(kind: str, scale_min: int, scale_max: int, settings: dict) -> int:
    """The lowest good score for a survey: the workspace's threshold if set, else docs/kpis.md's."""
    thresholds = settings.get("thresholds", {})
    points = None
    if kind == "csat":
        points = (thresholds.get("csat") or {}).get("good_points")
    elif kind == "ces":
        points = (thresholds.get("ces") or {}).get("easy_points")
    if points:
        # At least the top point and never the whole scale.
        return max(scale_min + 1, min(scale_max, scale_max - points + 1))
    return good_threshold(kind, scale_min, scale_max)


def min_sample(settings: dict) -> int:
    """The fewest answers a row needs to be ranked against others (agents, teams)."""
    return int((settings.get("ranking") or {}).get("min_sample") or DEFAULTS["ranking"]["min_sample"])


def sla_targets(settings: dict, channel: str | None) -> tuple[int | None, int | None]:
    """(first response seconds, resolution seconds) for a channel, None where there is no target."""
    sla = settings.get("sla", {})
    own = (sla.get("channels") or {}).get(channel or "", {}) or {}
    frt = own.get("first_response_minutes", sla.get("first_response_minutes"))
    res = own.get("resolution_hours", sla.get("resolution_hours"))
    return (frt * 60 if frt is not None else None, res * 3600 if res is not None else None)


def _overlay(base: dict, changes: dict) -> dict:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = _overlay(base[key], value)
        else:
            base[key] = value
    return base
