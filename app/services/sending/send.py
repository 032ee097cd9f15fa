"""Sending invites and reminders exactly once: claim in the database, send, record the outcome.

The claim is the guarantee. A worker moves an invite from `scheduled` to `sending` in one
committed UPDATE before it talks to the mail server; nobody else can claim it after that. If the
worker dies between the claim and recording the outcome, the invite stays `sending`: we cannot
know whether the server took the message, so it is never sent again automatically. After
STALE_CLAIM_MINUTES the sweep marks such invites with reason `send_unconfirmed` (visible in the
API); an operator who has checked the mail server's log can release one with
`flask --app app invites release ID`. Reminders use the same rule: the claim clears
`reminder_due_at`, so a lost reminder is lost, never doubled.
"""

from __future__ import annotations

import logging
import os
from concurrent import futures
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import (
    ARRAY,
    Integer,
    Row,
    and_,
    any_,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)

from app.extensions import db
from app.models import Invite, InviteEvent, Suppression, Survey, Workspace
from app.models.invite import InviteEventKind, InviteReason, InviteStatus
from app.models.outbound_webhook import EventType
from app.models.types import utcnow
from app.platform.mail import PermanentFailure, TemporaryFailure, send_email
from app.platform.queue import DELIVER_WEBHOOKS
from app.services.invites.fatigue import is_suppressed
from app.services.outbound.events import deliver_soon, record_events, subscriptions
from app.services.outbound.payloads import invite_data
from app.services.sending.invite_email import InviteEmailTemplate

log = logging.getLogger(__name__)

# Temporary failures are retried after these waits; after the last one the invite fails.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
STALE_CLAIM_MINUTES = 15
# How long a stopping worker waits for outcomes still being written (see flush_outcomes).
FLUSH_TIMEOUT_SECONDS = 30


def retry_delays() -> tuple[timedelta, ...]:
    seconds = current_app.config.get("SEND_RETRY_DELAYS_SECONDS")
    return tuple(timedelta(seconds=s) for s in seconds) if seconds else RETRY_DELAYS


# What sending needs of a claimed invite. The claim returns these as plain rows, not Invite
# objects: building and later expiring them took the claim from ~2 to ~5 ms of CPU a batch of 50.
# `suppressed` is read with the claim, in the same statement: whether the address unsubscribed
# before this batch (one round trip fewer per batch than reading the list apart). The claim is a
# Core statement on the tables, not the ORM's bulk UPDATE, which spent ~1 ms of a batch of 100
# on its own bookkeeping (no Invite object is synchronised with it anyway).
_INVITES, _SUPPRESSIONS = Invite.__table__, Suppression.__table__
_CLAIMED_COLUMNS = (
    _INVITES.c.id,
    _INVITES.c.token,
    _INVITES.c.locale,
    _INVITES.c.customer_email,
    _INVITES.c.customer_name,
    _INVITES.c.ticket_id,
    _INVITES.c.expires_at,
    _INVITES.c.survey_id,
    _INVITES.c.workspace_id,
    # Written with the table named: in an UPDATE's RETURNING, SQLite's dialect drops the table from
    # `invites.workspace_id`, and a bare `workspace_id` inside the EXISTS means the suppression's
    # own column, so one unsubscribe suppressed that address in every workspace.
    exists()
    .where(
        _SUPPRESSIONS.c.workspace_id == literal_column("invites.workspace_id"),
        _SUPPRESSIONS.c.email == func.lower(literal_column("invites.customer_email")),
    )
    .label("suppressed"),
)


def _claim(invite_ids: list[int]) -> list[Row]:
    """The claim's UPDATE, returning what sending needs of the claimed invites; the caller commits it."""
    if not invite_ids:
        return []
    now = utcnow()
    if db.engine.dialect.name == "postgresql":
        # One array parameter, not an IN of up to 100: the statement's text is the same each time,
        # so psycopg converts it once rather than per batch (~0.7 ms of CPU a batch of 100).
        listed = _INVITES.c.id == any_(bindparam("claim_ids", invite_ids, type_=ARRAY(Integer)))
    else:
        listed = _INVITES.c.id.in_(invite_ids)
    claimed = db.session.execute(
        update(_INVITES)
        .where(listed, _INVITES.c.status == InviteStatus.SCHEDULED, _INVITES.c.due_at <= now)
        .values(status=InviteStatus.SENDING, send_claimed_at=now)
        .returning(*_CLAIMED_COLUMNS)
    )
    return sorted(claimed, key=lambda invite: invite.id)


def send_invite(invite_id: int) -> str:
    """Send one invite's email if it is due and unclaimed; returns what happened."""
    return send_invites([invite_id]).get(invite_id, "not_claimed")


def send_invites(invite_ids: list[int], wait: bool = True) -> dict[int, str]:
    """Send a batch over the worker's one SMTP connection; its outcomes are committed together.

    With `wait=False` (the worker's batches) the outcomes may still be being written when this
    returns (see _Outcomes); a failed write is logged and leaves its invites `sending`."""
    outcomes: dict[int, str] = {}
    # The commits below must not expire and reload the batch's surveys and workspaces, so expiry
    # on commit is off meanwhile.
    session = db.session()
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    invites: list[Row] = []
    try:
        invites = _claim(invite_ids)
        if not invites:
            db.session.commit()
            return outcomes
        # Read in the claim's transaction, so claim and reads cost one commit. The claim is
        # committed, synchronously, before the first email, as the module docstring requires.
        surveys, workspaces = _surveys_and_workspaces({invite.survey_id for invite in invites})
        db.session.commit()  # no transaction left open while we talk to the mail server
        pending, templates = _Outcomes(), {}
        try:
            for invite in invites:
                outcomes[invite.id] = _send_claimed(
                    invite, surveys[invite.survey_id], workspaces[invite.workspace_id], pending, templates
                )
        finally:
            # Also on the way out of an exception: what was sent is recorded. Should this write
            # fail, those invites stay `sending`, which is never resent (see the module docstring).
            pending.write(wait)
            db.session.commit()  # ends any read of _defer's
    finally:
        session.expire_on_commit = expire_on_commit
        # Changed by UPDATE: an Invite object the session holds must reload. A worker's session
        # holds a survey and a workspace, so looking through it beats a lookup per claimed invite.
        claimed = {invite.id for invite in invites}
        for key, held in list(session.identity_map.items()):
            if key[0] is Invite and key[1][0] in claimed:
                session.expire(held)
    return outcomes


def sent_count(outcomes: dict[int, str]) -> int:
    """How many of a batch's outcomes (send_invites) are emails sent."""
    return sum(1 for outcome in outcomes.values() if outcome == InviteStatus.SENT)


def _surveys_and_workspaces(survey_ids: set[int]) -> tuple[dict, dict]:
    """The batch's surveys and their workspaces by id, in one read."""
    surveys, workspaces = {}, {}
    for survey, workspace in db.session.execute(
        select(Survey, Workspace).join(Workspace, Workspace.id == Survey.workspace_id).where(Survey.id.in_(survey_ids))
    ):
        surveys[survey.id], workspaces[workspace.id] = survey, workspace
    return surveys, workspaces


def _send_claimed(invite: Row, survey: Survey, workspace: Workspace, pending: _Outcomes, templates: dict) -> str:
    now = utcnow()
    if invite.expires_at and invite.expires_at <= now:
        return pending.add(invite, InviteStatus.CANCELLED, InviteReason.EXPIRED, "expired before it could be sent")
    if invite.suppressed:
        return pending.add(
            invite,
            InviteStatus.SKIPPED,
            InviteReason.SUPPRESSED,
            f"{invite.customer_email} unsubscribed before the send",
        )
    # The batch's own lookup first: for_invite's key reads a dozen attributes and the config (~4 us).
    key = (invite.survey_id, invite.workspace_id, invite.locale, bool(invite.customer_name), bool(invite.ticket_id))
    template = templates.get(key)
    if template is None:
        template = templates[key] = InviteEmailTemplate.for_invite(invite, survey, workspace)
    try:
        send_email(template.render(invite))
    except PermanentFailure as exc:
        return pending.add(invite, InviteStatus.FAILED, str(exc), str(exc))
    except TemporaryFailure as exc:
        return _defer(invite, str(exc), pending)
    sent_at = utcnow()
    reminder_due = None
    if survey.reminder_after_hours:
        reminder_due = sent_at + timedelta(hours=survey.reminder_after_hours)
        if invite.expires_at is not None and reminder_due >= invite.expires_at:
            reminder_due = None
    return pending.add(invite, InviteStatus.SENT, None, None, sent_at=sent_at, reminder_due_at=reminder_due)


class _Outcomes:
    """Outcomes of a batch's claimed sends, written together: one UPDATE per kind of outcome and
    one INSERT of their history rows, in one transaction.

    Deferring them to the end of the batch is safe because the claim, not the outcome, stops a
    second send: until it is written an invite is `sending`, exactly as if the worker had died
    after sending it.

    On PostgreSQL they are written by the process's outcome thread on its own connection, as one
    statement per kind over arrays, and a worker does not wait for that: its next batch claims
    and sends while this one's outcomes (and the rollup trigger they fire, once per statement
    since migration 0006) are written beside it. Measured against the earlier groups of 10 with a wait for the
    last one: the wait cost each batch of 50 ~5 ms, and each group ~1.5 ms of Python in the
    writer thread, competing with the SMTP loop for the interpreter lock and the cores (an email's
    SMTP conversation took 1.5-1.9 ms instead of 1.3 ms). Elsewhere (SQLite, tests) the outcomes
    are an executemany through the session, written in place.
    """

    def __init__(self) -> None:
        # Per tuple of columns set, rows of (invite id, *their values); events as (invite id, at,
        # status, detail). Tuples, not dicts: the dicts took ~5 us an email to build.
        self.updates: dict[tuple[str, ...], list[tuple]] = {}
        self.events: list[tuple] = []
        # (workspace id, invite id, status, reason, sent_at) of the sends and failures, for the
        # invite.sent and invite.failed webhook events written in the same transaction.
        self.announced: list[tuple] = []
        self.engine = db.engine if db.engine.dialect.name == "postgresql" else None

    def add(
        self,
        invite: Row,
        status: InviteStatus,
        reason: str | None,
        detail: str | None,
        event: InviteEventKind | None = None,
        **values,
    ) -> str:
        values.update(status=status, reason=reason)
        self.updates.setdefault(tuple(values), []).append((invite.id, *values.values()))
        self.events.append((invite.id, utcnow(), event or status, detail))
        if event is None and status in (InviteStatus.SENT, InviteStatus.FAILED):
            self.announced.append((invite.workspace_id, invite.id, status, reason, values.get("sent_at")))
        return event or status

    def write(self, wait: bool = True) -> None:
        """Write the outcomes gathered; on PostgreSQL with `wait=False`, in the background."""
        if not self.events:
            return
        updates, events, self.updates, self.events = self.updates, self.events, {}, []
        announced, self.announced = self.announced, []
        if self.engine is not None:
            celery = current_app.extensions["celery"]
            write = _outcome_thread().submit(_write_postgres, self.engine, updates, events, announced, celery)
            if wait:
                write.result()
            else:
                write.add_done_callback(_log_failed_write)
            return
        invites = Invite.__table__
        for columns, rows in updates.items():
            # Bind names differ from the column names, which SQLAlchemy keeps for itself in SET.
            names = ("invite_id", *(f"new_{c}" for c in columns))
            stmt = (
                update(invites)
                .where(invites.c.id == bindparam("invite_id"), invites.c.status == InviteStatus.SENDING)
                .values({c: bindparam(f"new_{c}", type_=invites.c[c].type) for c in columns})
            )
            db.session.execute(stmt, [dict(zip(names, row, strict=True)) for row in rows])
        db.session.execute(
            insert(InviteEvent.__table__), [dict(zip(_EVENT_COLUMNS, row, strict=True)) for row in events]
        )
        announce_outcomes(db.session, announced)
        db.session.commit()
        deliver_soon()


def _log_failed_write(write: futures.Future) -> None:
    if write.exception() is not None:
        log.error(
            "outcomes of a batch were not recorded; its invites stay `sending`, never resent",
            exc_info=write.exception(),
        )


def flush_outcomes(timeout: float = FLUSH_TIMEOUT_SECONDS) -> None:
    """Wait until this process's outcomes handed to the writer thread are written (a worker stopping)."""
    executor = _outcome_threads.get(os.getpid())
    if executor is not None:
        # The thread writes in order: once this no-op has run, everything before it has.
        futures.wait([executor.submit(lambda: None)], timeout=timeout)


_outcome_threads: dict[int, futures.ThreadPoolExecutor] = {}


def _outcome_thread() -> futures.ThreadPoolExecutor:
    """One writer thread per process, in order; a forked worker process starts its own."""
    pid = os.getpid()
    if pid not in _outcome_threads:
        _outcome_threads[pid] = futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="afterword-outcomes")
    return _outcome_threads[pid]


def _write_postgres(
    engine, updates: dict[tuple[str, ...], list[tuple]], events: list[tuple], announced: list[tuple], celery
) -> None:
    with engine.begin() as conn:
        # No wait for the WAL flush: losing these rows in a database crash is the same as
        # losing them to a dead worker (the invites stay `sending`, never resent). The claim
        # they follow was committed synchronously; it is what prevents a second email.
        conn.execute(text("SET LOCAL synchronous_commit TO OFF"))
        for columns, rows in updates.items():
            binds = ("invite_id", *(f"new_{c}" for c in columns))
            conn.execute(_update_postgres(columns), _as_arrays(rows, ("invite_id", *columns), binds))
        conn.execute(_INSERT_EVENTS_PG, _as_arrays(events, _EVENT_COLUMNS, _EVENT_COLUMNS))
        messages = announce_outcomes(conn, announced)
    if messages:
        try:  # the periodic sweep delivers them if this hand-off is lost
            celery.send_task(DELIVER_WEBHOOKS)
        except Exception:
            log.warning("could not hand webhook messages to a worker; the sweep will", exc_info=True)


def announce_outcomes(executor, announced: list[tuple]) -> int:
    """invite.sent and invite.failed events for the outcomes being written, by `executor` (the
    session, or the outcome thread's connection), in its transaction; returns the messages written."""
    if not announced:
        return 0
    workspace_ids = {workspace_id for workspace_id, *_ in announced}
    subscribed = subscriptions(executor, workspace_ids, _ANNOUNCED.values())
    wanted = [item for item in announced if item[0] in subscribed[_ANNOUNCED[item[2]]]]
    if not wanted:
        return 0
    invites = Invite.__table__
    rows = {row.id: row for row in executor.execute(select(invites).where(invites.c.id.in_([i[1] for i in wanted])))}
    messages = 0
    for status, kind in _ANNOUNCED.items():
        items = [
            (workspace_id, invite_data(rows[invite_id], status, reason, sent_at))
            for workspace_id, invite_id, outcome, reason, sent_at in wanted
            if outcome == status and invite_id in rows
        ]
        if items:
            messages += record_events(executor, kind, items, subscribed[kind])
    return messages


_ANNOUNCED = {InviteStatus.SENT: EventType.INVITE_SENT, InviteStatus.FAILED: EventType.INVITE_FAILED}


# On PostgreSQL a group's outcomes go as one statement per kind over arrays, not an executemany
# of one UPDATE per invite: the per-statement work (driver and server) was ~6 ms per batch of 50,
# a tenth of the batch's time next to a local mail server. Values are the columns' bound types
# (str, None; datetimes as ISO 8601 text, see _as_arrays); the casts give every array its type,
# even one of only NULLs.
_EVENT_COLUMNS = ("invite_id", "at", "status", "detail")
_PG_TYPES = {
    "invite_id": "integer",
    "at": "timestamptz",
    "detail": "text",
    "status": "text",
    "reason": "text",
    "sent_at": "timestamptz",
    "reminder_due_at": "timestamptz",
    "send_claimed_at": "timestamptz",
    "due_at": "timestamptz",
}
_INSERT_EVENTS_PG = text("""
INSERT INTO invite_events (invite_id, at, status, detail)
SELECT * FROM unnest(CAST(:invite_id AS integer[]), CAST(:at AS timestamptz[]), CAST(:status AS text[]),
                     CAST(:detail AS text[]))
""")


@cache
def _update_postgres(columns: tuple[str, ...]):
    """UPDATE of the `sending` invites among the given ids, setting `columns` from parallel arrays."""
    arrays = ", ".join(f"CAST(:new_{c} AS {_PG_TYPES[c]}[])" for c in columns)
    return text(
        f"UPDATE invites AS i SET {', '.join(f'{c} = v.{c}' for c in columns)} "
        f"FROM unnest(CAST(:invite_id AS integer[]), {arrays}) AS v(invite_id, {', '.join(columns)}) "
        f"WHERE i.id = v.invite_id AND i.status = '{InviteStatus.SENDING}'"
    )


def _as_arrays(rows: list[tuple], columns: tuple[str, ...], binds: tuple[str, ...]) -> dict[str, list]:
    """Each column's values as one list, under its bind name. A datetime goes as its ISO 8601
    text, which the CAST to timestamptz[] reads back exactly: psycopg's own dump of a list of 100
    datetimes took ~0.4 ms (element by element, in Python), and a batch has two or three."""
    arrays = {}
    for column, bind, values in zip(columns, binds, zip(*rows, strict=True), strict=True):
        if _PG_TYPES[column] == "timestamptz":
            values = [None if value is None else value.isoformat() for value in values]
        arrays[bind] = list(values)
    return arrays


def _defer(invite: Row, reason: str, pending: _Outcomes) -> str:
    delays = retry_delays()
    attempts = db.session.scalar(
        select(func.count())
        .select_from(InviteEvent)
        .where(InviteEvent.invite_id == invite.id, InviteEvent.status == InviteEventKind.DEFERRED)
    )
    if attempts >= len(delays):
        return pending.add(invite, InviteStatus.FAILED, f"gave up after {attempts + 1} attempts: {reason}", reason)
    due = utcnow() + delays[attempts]
    return pending.add(
        invite,
        InviteStatus.SCHEDULED,
        None,
        f"{reason}; retry at {due.isoformat()}",
        event=InviteEventKind.DEFERRED,
        send_claimed_at=None,
        due_at=due,
    )


def send_reminder(invite_id: int) -> str:
    """Send the one reminder of a sent, unanswered, unexpired invite whose reminder is due."""
    now = utcnow()
    claimed = db.session.execute(
        update(Invite)
        .where(
            Invite.id == invite_id,
            Invite.status == InviteStatus.SENT,
            Invite.answered_at.is_(None),
            Invite.reminder_sent_at.is_(None),
            Invite.reminder_due_at <= now,
            (Invite.expires_at.is_(None)) | (Invite.expires_at > now),
        )
        .values(reminder_due_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return "not_claimed"
    invite = db.session.get(Invite, invite_id)
    if is_suppressed(invite.workspace_id, invite.customer_email):
        return _note(invite, InviteEventKind.REMINDER_SKIPPED, InviteReason.SUPPRESSED)
    survey, workspace = db.session.get(Survey, invite.survey_id), db.session.get(Workspace, invite.workspace_id)
    try:
        send_email(InviteEmailTemplate.for_invite(invite, survey, workspace, reminder=True).render(invite))
    except PermanentFailure as exc:
        return _note(invite, InviteEventKind.REMINDER_FAILED, str(exc))
    except TemporaryFailure as exc:
        delays = retry_delays()
        attempts = sum(1 for e in invite.events if e.status == InviteEventKind.REMINDER_DEFERRED)
        if attempts >= len(delays):
            return _note(invite, InviteEventKind.REMINDER_FAILED, f"gave up: {exc}")
        invite.reminder_due_at = utcnow() + delays[attempts]
        return _note(invite, InviteEventKind.REMINDER_DEFERRED, str(exc))
    invite.reminder_sent_at = utcnow()
    return _note(invite, InviteEventKind.REMINDER_SENT, None)


def _note(invite: Invite, status: InviteEventKind, detail: str | None) -> str:
    invite.events.append(InviteEvent(at=utcnow(), status=status, detail=detail))
    db.session.commit()
    return status


def due_invite_ids(limit: int = 500) -> list[int]:
    """Scheduled invites whose time has come: the sweep's work list."""
    query = (
        select(Invite.id)
        .where(Invite.status == InviteStatus.SCHEDULED, Invite.due_at <= utcnow())
        .order_by(Invite.due_at)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def due_reminder_ids(limit: int = 500) -> list[int]:
    now = utcnow()
    query = (
        select(Invite.id)
        .where(
            Invite.reminder_due_at <= now,
            Invite.status == InviteStatus.SENT,
            Invite.answered_at.is_(None),
            Invite.reminder_sent_at.is_(None),
        )
        .order_by(Invite.reminder_due_at)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def mark_stale_claims() -> int:
    """Flag sends claimed long ago with no outcome; never resend them (see the module docstring)."""
    cutoff = utcnow() - timedelta(minutes=STALE_CLAIM_MINUTES)
    stale = list(
        db.session.scalars(
            select(Invite)
            .where(
                and_(Invite.status == InviteStatus.SENDING, Invite.send_claimed_at < cutoff, Invite.reason.is_(None))
            )
            .limit(500)
        )
    )
    for invite in stale:
        invite.reason = InviteReason.SEND_UNCONFIRMED
        invite.events.append(
            InviteEvent(
                at=utcnow(),
                status=InviteEventKind.SEND_UNCONFIRMED,
                detail="the worker stopped mid-send; not resent automatically, as the email may have gone out",
            )
        )
    db.session.commit()
    return len(stale)


def release_claim(invite_id: int) -> bool:
    """Operator action: put a stale `sending` invite back in the queue (after checking the mail log)."""
    invite = db.session.get(Invite, invite_id)
    if invite is None or invite.status != InviteStatus.SENDING:
        return False
    invite.status, invite.reason, invite.send_claimed_at, invite.due_at = InviteStatus.SCHEDULED, None, None, utcnow()
    invite.events.append(
        InviteEvent(at=utcnow(), status=InviteEventKind.RELEASED, detail="released by an operator for another send")
    )
    db.session.commit()
    return True


def expire_unsent(limit: int = 500) -> int:
    """Scheduled invites past their expiry (e.g. after long retries) are cancelled, not sent late."""
    now = utcnow()
    expired = list(
        db.session.scalars(
            select(Invite).where(Invite.status == InviteStatus.SCHEDULED, Invite.expires_at <= now).limit(limit)
        )
    )
    for invite in expired:
        invite.status, invite.reason = InviteStatus.CANCELLED, InviteReason.EXPIRED
        invite.events.append(
            InviteEvent(at=now, status=InviteEventKind.CANCELLED, detail="expired before it could be sent")
        )
    db.session.commit()
    return len(expired)
