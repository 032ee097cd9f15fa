"""POST /hooks/{integration_id}: the public door for helpdesk webhooks."""

from __future__ import annotations

from functools import lru_cache
from math import ceil

from flask import Blueprint, Flask, current_app, request
from flask_limiter.util import get_remote_address
from limits import parse
from limits.storage import storage_from_string

from app.errors import error_response
from app.extensions import csrf
from app.platform.contract import responds, takes
from app.platform.rate_limit import LeasedRateLimit
from app.schemas.hooks import HookReplySchema
from app.services.intake.receive import receive_hook

bp = Blueprint("hooks", __name__)
csrf.exempt(bp)  # signed by the sender, not by a browser session
# Webhooks have their own limit (HOOK_RATE_LIMIT per sender address, shared by every web process
# through the same storage), not Flask-Limiter's: see platform/rate_limit.py.
_parse = lru_cache(maxsize=8)(parse)  # the HOOK_RATE_LIMIT text, parsed once


@bp.before_request
def _rate_limit():
    app = current_app._get_current_object()
    if not app.config.get("RATELIMIT_ENABLED", True):
        return None
    door = app.extensions.get("hook_limit") or _hook_limit(app)
    retry_after = door.hit(
        _parse(app.config["HOOK_RATE_LIMIT"]),
        app.config.get("RATELIMIT_KEY_PREFIX") or "afterword",
        bp.name,
        get_remote_address(),
    )
    if retry_after is None:
        return None
    response, status = error_response(429, "rate_limited", "Too many webhooks from this address; retry later.")
    response.headers["Retry-After"] = str(ceil(retry_after))
    return response, status


def _hook_limit(app: Flask) -> LeasedRateLimit:
    door = LeasedRateLimit(storage_from_string(app.config["RATELIMIT_STORAGE_URI"]))
    return app.extensions.setdefault("hook_limit", door)


@bp.post("/hooks/<id:integration_id>")
@takes({"type": "object", "description": "the helpdesk's own webhook body, signed; read raw"})
@responds(202, HookReplySchema, description="Verified and stored; a worker makes the invite")
@responds(200, HookReplySchema, description="A duplicate delivery, an ignored event, a ping or a reopen")
def receive(integration_id: int):
    """Receive a helpdesk webhook, verified over the raw body."""
    body = request.get_data(cache=False)
    headers = _lowercase_headers(request.environ)
    outcome = receive_hook(integration_id, headers, body, current_app.config["WEBHOOK_TOLERANCE_SECONDS"])
    return outcome.body, outcome.status


_ENTITY_HEADERS = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}


def _lowercase_headers(environ: dict) -> dict[str, str]:
    """The request's headers with lower-case names, which is how every provider module reads them.

    Read straight from the WSGI environ, as werkzeug's EnvironHeaders does, without its
    Title-Casing that would only be lower-cased again (~3 % of intake's CPU).
    """
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            if key != "HTTP_CONTENT_TYPE" and key != "HTTP_CONTENT_LENGTH":
                headers[key[5:].replace("_", "-").lower()] = value
        elif key in _ENTITY_HEADERS and value:
            headers[_ENTITY_HEADERS[key]] = value
    return headers
