"""Webhook intake: verify, deduplicate on the delivery id, store, answer fast.

Intake does as little as it can while the helpdesk waits: verify the signature, parse the body
(so a bad one is a 4xx now, not a silent failure later), and store the delivery, unique per
integration and external id, so a replay is a 200 `duplicate`. A worker then makes the invite
(lifecycle and fatigue rules, in one transaction with the delivery's state; see
services/intake/enrichment.py) and sends it. Reopens are applied at once, in the request, so a
reopen can never be overtaken by the solve it undoes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from marshmallow import ValidationError
from sqlalchemy import Connection, Engine, Row, bindparam, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from app.errors import APIError
from app.extensions import db
from app.integrations import PROVIDERS, get_provider
from app.integrations.base import HookEvent
from app.integrations.signing import SignatureError
from app.models import Integration, Survey, WebhookDelivery
from app.models.integration import DeliveryKind, DeliveryStatus
from app.models.invite import InviteReason, InviteStatus
from app.models.types import utcnow
from app.platform.direct_pg import Declined, DirectStatement, Duplicate
from app.platform.queue import complete_delivery_later
from app.services.invites.tickets import reopen_ticket, solve_state
from app.services.surveys import live_survey

# Intake's two statements, built once on the tables (plain Core: no ORM compile state, no
# statement construction per request); SQLAlchemy caches their compiled SQL and psycopg
# prepares them on the server after a few uses. The integration comes back as a plain row
# of the columns intake needs: no identity map, no API credentials decrypted.
_integrations, _deliveries = Integration.__table__, WebhookDelivery.__table__
_INTEGRATION_ROW = select(
    _integrations.c.id,
    _integrations.c.workspace_id,
    _integrations.c.survey_id,
    _integrations.c.provider,
    _integrations.c.secret,
).where(_integrations.c.id == bindparam("id"))


def _param(name: str):
    return bindparam(name, type_=_deliveries.c[name].type)


# The delivery is inserted only if the integration row still holds what the request was checked
# against (same secret, survey and provider): intake may have read it from a cache (below), and
# this makes a stale read harmless. No row back means "read it again"; an IntegrityError means
# the sender's id was seen before.
_STORE_DELIVERY = (
    insert(_deliveries)
    .from_select(
        ["integration_id", "external_id", "kind", "ticket_id", "status", "payload", "received_at", "next_attempt_at"],
        select(
            _integrations.c.id,
            _param("external_id"),
            literal(DeliveryKind.SOLVE.value),  # .value: a plain str, so the literal is typed String
            _param("ticket_id"),
            literal(DeliveryStatus.PENDING.value),
            _param("payload"),
            _param("received_at"),
            _param("received_at"),
        ).where(
            _integrations.c.id == bindparam("integration_id"),
            _integrations.c.secret == bindparam("secret"),
            _integrations.c.survey_id == bindparam("survey_id"),
            _integrations.c.provider == bindparam("provider"),
        ),
    )
    .returning(_deliveries.c.id)
)

# Integration rows are kept per web process for this long, saving intake a round trip per
# webhook (measured: ~10 % of its CPU). Safe because a solve is stored only by the guarded
# INSERT above, and every other outcome (reopen, ping, ignored, a failed signature) reads the
# row afresh before it answers: a cached row only ever speeds up what a fresh one would allow.
INTEGRATION_CACHE_SECONDS = 30.0
_STALE = object()


_NOT_PLAIN = object()


@dataclass(frozen=True)
class HookOutcome:
    status: int
    body: dict


def receive_hook(integration_id: int, headers: Mapping[str, str], body: bytes, tolerance: int) -> HookOutcome:
    """Verify and store one delivery; the email goes out from a worker after the commit."""
    app, engine = current_app._get_current_object(), db.engine
    outcome = _receive(app, engine, integration_id, headers, body, tolerance, fresh=False)
    if outcome is _STALE:  # the cached integration changed meanwhile: once more, from the table
        outcome = _receive(app, engine, integration_id, headers, body, tolerance, fresh=True)
    if outcome is _STALE:  # changed again between that read and the INSERT: nothing was stored
        raise APIError(409, "conflict", "The integration changed while this webhook was stored; send it again.")
    return outcome


def receive_plain_solve(
    app: Flask, engine: Engine, integration_id: int, headers: Mapping[str, str], body: bytes, tolerance: int
) -> HookOutcome | None:
    """receive_hook's answer for the common delivery, or None (or an exception) having written nothing.

    The common delivery is a verified solve for the integration's own survey, keyed by the
    sender's own id: it is stored at once and answered 202 (or 200 `duplicate`). Anything else
    (a refusal, a ping, a reopen, another survey, a cached row gone stale) returns None or
    raises before anything is written, and receive_hook, run after it, answers it in full.
    """
    outcome = _receive(app, engine, integration_id, headers, body, tolerance, fresh=False, plain_only=True)
    return None if outcome is _STALE or outcome is _NOT_PLAIN else outcome


class _Connection:
    """The request's SQLAlchemy connection, opened on first use: a cached integration and a
    direct INSERT need none."""

    def __init__(self, engine: Engine):
        self.engine, self.conn = engine, None

    def __call__(self) -> Connection:
        if self.conn is None:
            self.conn = self.engine.connect()
            self.conn.execution_options(isolation_level="AUTOCOMMIT")
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _receive(
    app: Flask,
    engine: Engine,
    integration_id: int,
    headers: Mapping[str, str],
    body: bytes,
    tolerance: int,
    fresh: bool,
    plain_only: bool = False,
):
    # The hot path is one INSERT, which is a transaction on its own: it runs in autocommit mode,
    # with no Session, either straight through libpq (app/platform/direct_pg.py) or on one
    # pooled Core connection. Autocommit costs no BEGIN and no COMMIT round trip, and reads see
    # the latest committed data exactly as they would under READ COMMITTED; skipping the Session
    # skips its transaction bookkeeping and its own checkout.
    conn = _Connection(engine)
    try:
        integration, cached = _integration(app, conn, integration_id, fresh)
        if integration is None or integration.provider not in PROVIDERS:
            raise APIError(404, "not_found", "No such integration.")
        provider = get_provider(integration.provider)
        try:
            provider.verify(integration.secret, headers, body, utcnow(), tolerance)
        except SignatureError as exc:
            if cached:  # the secret may have been changed since it was cached
                return _STALE
            raise APIError(401, "invalid_signature", str(exc)) from None
        try:
            event = provider.parse(headers, body, integration.survey_id)
        except ValidationError as exc:
            fields = exc.messages if isinstance(exc.messages, dict) else {"_body": exc.messages}
            raise APIError(422, "validation_error", "The webhook body has invalid fields.", fields) from None
        if event.action != "invite" and event.action != "fetch" and cached:
            return _STALE  # only a guarded INSERT may rely on a cached row
        survey_id = event.invite.get("survey_id") or integration.survey_id
        if plain_only and (event.key_per_solve or survey_id != integration.survey_id):
            return _NOT_PLAIN  # reads through the Session: receive_hook's
        if event.action == "ping":
            return HookOutcome(200, event.reply or {"status": "ok"})
        if event.action not in ("invite", "reopen", "fetch"):
            return HookOutcome(200, {"status": "ignored"})
        if survey_id != integration.survey_id:  # a generic body may name another survey of the workspace
            live_survey(integration.workspace_id, survey_id)
        external_id = event.external_id
        if event.key_per_solve:
            external_id = f"{external_id}#{solve_state(survey_id, event.ticket_id, event.action == 'reopen')}"
        external_id = external_id[:200]
        if event.action == "reopen":
            # A reopen writes several rows that must stand or fall together: it runs in one
            # Session transaction instead.
            conn.close()
            return _reopen(integration, live_survey(integration.workspace_id, survey_id), event, external_id)
        # A solve is stored as it came and answered at once; a worker makes the invite (and, for
        # senders that send ids only, first fetches the rest from the helpdesk's API).
        payload = event.payload if event.action == "fetch" else {"invite": _jsonable(event.invite)}
        delivery_id = _store(app, conn, integration, event, external_id, payload)
    finally:
        conn.close()
    if delivery_id is _STALE:
        return _STALE
    if delivery_id is None:
        return HookOutcome(200, {"status": "duplicate"})
    # Committed, so the answer can go now: the worker is told a few ms later, batched with other
    # deliveries (or the sweep completes it if that message is lost).
    complete_delivery_later(delivery_id)
    return HookOutcome(202, {"status": "accepted", "delivery_id": delivery_id})


def _integration(app: Flask, conn: _Connection, integration_id: int, fresh: bool) -> tuple[Row | None, bool]:
    """The integration's row and whether it came from this process's cache (never when `fresh`)."""
    cache: dict[int, tuple[Row, float]] = app.extensions.setdefault("hook_integrations", {})
    now = time.monotonic()
    if not fresh:
        hit = cache.get(integration_id)
        if hit is not None and hit[1] > now:
            return hit[0], True
    row = conn().execute(_INTEGRATION_ROW, {"id": integration_id}).first()
    if row is None:
        cache.pop(integration_id, None)
    else:
        if len(cache) > 10_000:  # a process serving very many integrations: start over
            cache.clear()
        cache[integration_id] = (row, now + INTEGRATION_CACHE_SECONDS)
    return row, False


def _reopen(integration: Row, survey: Survey, event: HookEvent, external_id: str) -> HookOutcome:
    db.session.add(
        WebhookDelivery(
            integration_id=integration.id,
            external_id=external_id,
            kind=DeliveryKind.REOPEN,
            ticket_id=event.ticket_id,
            status=DeliveryStatus.DONE,
        )
    )
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return HookOutcome(200, {"status": "duplicate"})
    # A solve still waiting for the helpdesk's API is superseded: the ticket is open again.
    db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.integration_id == integration.id,
            WebhookDelivery.ticket_id == event.ticket_id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.SUPERSEDED, error="the ticket was reopened")
        .execution_options(synchronize_session=False)
    )
    invite = reopen_ticket(survey.id, event.ticket_id)
    cancelled = (
        invite is not None and invite.status == InviteStatus.CANCELLED and invite.reason == InviteReason.REOPENED
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return HookOutcome(200, {"status": "duplicate"})
    return HookOutcome(200, {"status": "reopened", "invite_id": invite.id if invite else None, "cancelled": cancelled})


def _store(app: Flask, conn: _Connection, integration: Row, event: HookEvent, external_id: str, payload: dict):
    """Store a solve as pending; its id, None for a replay, or _STALE if the integration changed."""
    values = {
        "integration_id": integration.id,
        "secret": integration.secret,
        "survey_id": integration.survey_id,
        "provider": integration.provider,
        "external_id": external_id,
        "ticket_id": event.ticket_id,
        "payload": payload,
        "received_at": utcnow(),
    }
    direct = app.extensions.get("hook_store") or _direct_store(app, conn.engine)
    if direct.usable:
        try:
            returned = direct.scalar(values)
        except Duplicate:  # the unique (integration, external id)
            return None
        except Declined:  # not for libpq as it stands (or it failed, writing nothing): SQLAlchemy's turn
            pass
        else:
            return int(returned) if returned is not None else _STALE
    try:
        # One INSERT ... SELECT ... RETURNING, committed on its own (autocommit): the whole write.
        return conn().execute(_STORE_DELIVERY, values).scalar_one_or_none() or _STALE
    except IntegrityError:  # the unique (integration, external id): nothing to roll back in autocommit
        return None


def _direct_store(app: Flask, engine: Engine) -> DirectStatement:
    """_STORE_DELIVERY through libpq (PostgreSQL with psycopg), with the column default
    SQLAlchemy adds to an INSERT ... FROM SELECT bound once."""
    statement = DirectStatement(
        engine, _STORE_DELIVERY, "afterword_store_delivery", {"attempts": _deliveries.c.attempts.default.arg}
    )
    return app.extensions.setdefault("hook_store", statement)


def _jsonable(value):
    """The parsed invite as JSON (datetimes as ISO 8601), to be loaded again by the worker."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value.isoformat() if isinstance(value, datetime) else value
