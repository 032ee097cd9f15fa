"""GET /healthz: whether the database and the broker answer, for load balancers and operators."""

from __future__ import annotations

from flask import Blueprint, current_app
from marshmallow import Schema, fields
from sqlalchemy import text

from app.extensions import db, limiter
from app.platform.contract import responds

bp = Blueprint("health", __name__)


# The platform sits below app/schemas (layers in pyproject.toml), so its one shape lives here.
class CheckSchema(Schema):
    ok = fields.Boolean()
    backend = fields.String()
    error = fields.String(metadata={"description": "the exception's class, when the check failed"})


class HealthSchema(Schema):
    status = fields.String(metadata={"enum": ["ok", "degraded"]})
    checks = fields.Dict(keys=fields.String(), values=fields.Nested(CheckSchema))


@bp.get("/healthz")
@limiter.limit(lambda: current_app.config["HOOK_RATE_LIMIT"])
@responds(200, HealthSchema, description="Everything answers")
@responds(503, HealthSchema, description="The database or the broker does not answer")
def healthz():
    """Report whether the database and the broker answer."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(c["ok"] for c in checks.values())
    return {"status": "ok" if healthy else "degraded", "checks": checks}, 200 if healthy else 503


def _check_database() -> dict:
    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True, "backend": db.engine.dialect.name}
    except Exception as exc:  # report, don't raise: this is the health endpoint
        db.session.rollback()
        return {"ok": False, "error": exc.__class__.__name__}


def _check_broker() -> dict:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return {"ok": True, "backend": "filesystem"}
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
        return {"ok": True, "backend": "redis"}
    except redis.RedisError as exc:
        return {"ok": False, "backend": "redis", "error": exc.__class__.__name__}
