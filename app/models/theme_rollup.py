"""Theme mentions beside their answer's facts, and their daily rollup (PostgreSQL, kept by triggers).

/themes counts a survey's theme rows by theme, side and score; read from the rows, that grew with
the range (~250 ms for 30 days and ~700 ms for 90 at 1 M answers: benchmarks/README.md). Here:
- theme_rollups: per workspace, survey, local day (the workspace's zone), theme, side and score,
  the mentions with the sums the report needs (answers' polarity, the theme's polarity); theme ''
  (side '') counts every answer by score, and how many have a comment. A range of whole days
  reads its days' rows, so the report grows with days, not answers.
- theme_mentions: a copy of each theme row with its answer's survey, time, score and polarity,
  and its side; its index hands the report a theme's few lowest or highest-scored answers in a
  range, newest first, without reading the range (see app/services/insights/theme_rollups.py).
Triggers keep both exact (app/models/theme_rollup_sql.py); SQLite reads the raw rows, as the
metrics do.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import DDL, Date, Float, Index, Integer, Numeric, PrimaryKeyConstraint, String, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.theme_rollup_sql import THEME_ROLLUP_SQL
from app.models.types import UTCDateTime


class ThemeMention(db.Model):
    """One theme row (response_themes) with its answer's facts. No foreign keys: the theme row's
    trigger deletes its copy, and a key would cost a lookup per row in every write."""

    __tablename__ = "theme_mentions"
    __table_args__ = (
        PrimaryKeyConstraint("response_id", "theme", name="pk_theme_mentions"),
        # A theme's answers of one score in a range, newest first: one short index range per
        # (theme, side, score), read backwards (app/services/insights/theme_rollups.py).
        Index("ix_theme_mentions_examples", "survey_id", "theme", "side", "score", "answered_at", "response_id"),
    )

    response_id: Mapped[int] = mapped_column(Integer)
    theme: Mapped[str] = mapped_column(String(100))
    workspace_id: Mapped[int] = mapped_column(Integer)
    survey_id: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[int] = mapped_column(Integer)
    polarity: Mapped[float | None] = mapped_column(Float)  # the answer's
    theme_polarity: Mapped[float | None] = mapped_column(Float)  # of the clauses that mention the theme
    side: Mapped[str] = mapped_column(String(16))  # praise, complaint or neutral


class ThemeRollup(db.Model):
    """Mentions (or, under theme '', answers) per local day, survey, theme, side and score."""

    __tablename__ = "theme_rollups"
    __table_args__ = (
        PrimaryKeyConstraint("workspace_id", "survey_id", "day", "theme", "side", "score", name="pk_theme_rollups"),
    )

    workspace_id: Mapped[int] = mapped_column(Integer, sort_order=-3)
    survey_id: Mapped[int] = mapped_column(Integer, sort_order=-2)
    day: Mapped[date] = mapped_column(Date, sort_order=-1)
    theme: Mapped[str] = mapped_column(String(100))
    side: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer, default=0)
    commented: Mapped[int] = mapped_column(Integer, default=0)  # theme '' only: answers with a comment
    # Exact sums (numeric): adding and taking out doubles would drift, and a mean on a rounding
    # tie would then round the other way than the raw rows' (which sum as numeric too).
    polarity_sum: Mapped[Decimal] = mapped_column(Numeric, default=0)
    polarity_n: Mapped[int] = mapped_column(Integer, default=0)
    theme_sum: Mapped[Decimal] = mapped_column(Numeric, default=0)
    theme_n: Mapped[int] = mapped_column(Integer, default=0)


@event.listens_for(db.metadata, "after_create")
def create_theme_rollup_triggers(target, connection, **kw) -> None:
    """`db.create_all()` on PostgreSQL gets the triggers too (as app/models/rollup.py does)."""
    if connection.dialect.name != "postgresql":
        return
    connection.execute(DDL(THEME_ROLLUP_SQL))
