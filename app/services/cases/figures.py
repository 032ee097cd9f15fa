"""The follow-up figures for a period: cases opened, closed, closed in time, median time to close,
and the recovery rate (won back ÷ closed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import select

from app.extensions import db
from app.models.case import CLOSED, Case, CaseStatus


@dataclass(frozen=True)
class CaseFigures:
    opened: int  # cases opened in the period
    closed: int  # of those, closed (resolved, won back or not recoverable)
    closed_in_time: int  # of those closed, by their due time
    open_overdue: int  # of those opened, still open past their due time
    median_hours_to_close: float | None
    recovery_rate: float | None  # won back ÷ closed; None with nothing closed


def case_figures(workspace_id: int, since: datetime, until: datetime, now: datetime) -> CaseFigures:
    """Over the cases opened in [since, until): each case counts in the period it was opened, so a
    period's figures do not change meaning as its cases are closed later."""
    rows = db.session.execute(
        select(Case.status, Case.opened_at, Case.closed_at, Case.due_at).where(
            Case.workspace_id == workspace_id, Case.opened_at >= since, Case.opened_at < until
        )
    ).all()
    closed = [r for r in rows if r.status in CLOSED and r.closed_at is not None]
    hours = [(r.closed_at - r.opened_at).total_seconds() / 3600 for r in closed]
    won = sum(1 for r in closed if r.status == CaseStatus.WON_BACK)
    return CaseFigures(
        opened=len(rows),
        closed=len(closed),
        closed_in_time=sum(1 for r in closed if r.closed_at <= r.due_at),
        open_overdue=sum(1 for r in rows if r.status not in CLOSED and r.due_at < now),
        median_hours_to_close=round(median(hours), 2) if hours else None,
        recovery_rate=round(won / len(closed), 4) if closed else None,
    )
