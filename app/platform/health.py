"""GET /healthz: whether the database and the broker answer, for load balancers and operators."""

from __future__ import annotations

from flask import Blueprint, current_app
from sqlalchemy import text

from app.extensions import db, limiter

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.limit(lambda: current_app.config["HOOK_RATE_LIMIT"])
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
