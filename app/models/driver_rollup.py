"""Tickets by every driver's bucket, and their durations by slot, per local day (PostgreSQL, kept
by triggers).

/drivers groups the tickets created in a range by the bucket of every driver at once; read from
the invites, that grew with the range (~235 ms for 30 days at 1 M answers, ~3x for 90). Here:
- driver_rollups: per workspace, survey, local day of creation (the workspace's zone), channel,
  first-response and resolution bucket, reopened, first-contact resolution, each SLA target met,
  missed or '' (no target or no duration), and the answer's score (-1: none), the tickets with the
  sums the KPIs' means need. The grouped rows the report reads are these rows, summed over days.
- driver_rollups_monthly / driver_durations_monthly: the same per local month, for the whole
  months of a long range (all time is ~24 month rows per cell rather than ~730 day rows).
- driver_durations: per day, how many tickets' first response (which 0) or resolution (1) took a
  duration of each slot (eight per doubling). The medians are exact: the slots give which one
  holds the middle ticket(s), and only that slot's durations in the range are read from the
  invites, through ix_invites_frt_slot / ix_invites_resolution_slot (app/services/insights/driver_rollups.py).
Triggers keep both exact (app/models/driver_rollup_sql.py); SQLite reads the raw rows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import (
    DDL,
    BigInteger,
    Date,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.driver_rollup_sql import DRIVER_HELPERS_SQL, DRIVER_ROLLUP_SQL, FRT_SLOT, RESOLUTION_SLOT
from app.models.invite import Invite

_ROLLUP_KEY = (
    "workspace_id",
    "survey_id",
    "day",
    "channel",
    "first_response",
    "resolution",
    "reopened",
    "fcr",
    "frt_met",
    "resolution_met",
    "score",
)


class _TicketCounts:
    """What a driver rollup row is specific to and what it counts (daily and monthly tables)."""

    # No foreign keys, as metric_rollups: each would cost a lookup per row in every write.
    workspace_id: Mapped[int] = mapped_column(Integer, sort_order=-3)
    survey_id: Mapped[int] = mapped_column(Integer, sort_order=-2)
    day: Mapped[date] = mapped_column(Date, sort_order=-1)  # the monthly table: the month's first day
    channel: Mapped[str] = mapped_column(String(50))
    first_response: Mapped[str] = mapped_column(String(20))
    resolution: Mapped[str] = mapped_column(String(20))
    reopened: Mapped[str] = mapped_column(String(8))
    fcr: Mapped[str] = mapped_column(String(8))
    frt_met: Mapped[str] = mapped_column(String(8))  # met, missed, or '' (no target or no duration)
    resolution_met: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)  # -1: not answered
    tickets: Mapped[int] = mapped_column(Integer, default=0)
    # Exact sums (numeric, as the durations are): added and taken out without drift.
    frt_sum: Mapped[Decimal] = mapped_column(Numeric, default=0)
    frt_n: Mapped[int] = mapped_column(Integer, default=0)
    resolution_sum: Mapped[Decimal] = mapped_column(Numeric, default=0)
    resolution_n: Mapped[int] = mapped_column(Integer, default=0)
    handle_sum: Mapped[int] = mapped_column(BigInteger, default=0)
    handle_n: Mapped[int] = mapped_column(Integer, default=0)


class _DurationCounts:
    """How many tickets' first response (which 0) or resolution (1) fell in each duration slot."""

    workspace_id: Mapped[int] = mapped_column(Integer, sort_order=-3)
    survey_id: Mapped[int] = mapped_column(Integer, sort_order=-2)
    day: Mapped[date] = mapped_column(Date, sort_order=-1)
    which: Mapped[int] = mapped_column(SmallInteger)
    slot: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer, default=0)


class DriverRollup(_TicketCounts, db.Model):
    """Tickets per local day of creation, survey, channel, driver buckets and the answer's score."""

    __tablename__ = "driver_rollups"
    __table_args__ = (PrimaryKeyConstraint(*_ROLLUP_KEY, name="pk_driver_rollups"),)


class DriverRollupMonthly(_TicketCounts, db.Model):
    """The same per local month (`day` its first day): a long range reads ~30x fewer rows."""

    __tablename__ = "driver_rollups_monthly"
    __table_args__ = (PrimaryKeyConstraint(*_ROLLUP_KEY, name="pk_driver_rollups_monthly"),)


class DriverDuration(_DurationCounts, db.Model):
    __tablename__ = "driver_durations"
    __table_args__ = (
        PrimaryKeyConstraint("workspace_id", "survey_id", "day", "which", "slot", name="pk_driver_durations"),
    )


class DriverDurationMonthly(_DurationCounts, db.Model):
    __tablename__ = "driver_durations_monthly"
    __table_args__ = (
        PrimaryKeyConstraint("workspace_id", "survey_id", "day", "which", "slot", name="pk_driver_durations_monthly"),
    )


# The medians' exact read of one slot's durations in a range (PostgreSQL only: the slot is a
# function of the rollup's SQL); the duration's columns included for an index-only scan.
for _name, _slot, _later in (
    ("ix_invites_frt_slot", FRT_SLOT, "first_response_at"),
    ("ix_invites_resolution_slot", RESOLUTION_SLOT, "solved_at"),
):
    Index(
        _name,
        Invite.workspace_id,
        Invite.survey_id,
        text(_slot),
        Invite.created_at,
        postgresql_include=[_later, "ticket_created_at"],
    ).ddl_if(dialect="postgresql")


@event.listens_for(db.metadata, "before_create")
def create_driver_helpers(target, connection, **kw) -> None:
    """The functions the duration indexes call exist before `db.create_all()` makes them."""
    if connection.dialect.name == "postgresql":
        connection.execute(DDL(DRIVER_HELPERS_SQL))


@event.listens_for(db.metadata, "after_create")
def create_driver_rollup_triggers(target, connection, **kw) -> None:
    """`db.create_all()` on PostgreSQL gets the functions and triggers too."""
    if connection.dialect.name == "postgresql":
        connection.execute(DDL(DRIVER_ROLLUP_SQL))
