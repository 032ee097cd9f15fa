"""POST /hooks/{integration_id}: the public door for helpdesk webhooks."""

from __future__ import annotations

import io
from functools import lru_cache
from math import ceil

from flask import Blueprint, Flask, current_app, request
from flask.globals import _cv_app
from flask_limiter.util import get_remote_address
from limits import parse
from limits.storage import storage_from_string
from werkzeug.http import HTTP_STATUS_CODES

from app.errors import error_response
from app.extensions import csrf, db
from app.platform.bounds import MAX_INT
from app.platform.contract import responds, takes
from app.platform.rate_limit import LeasedRateLimit
from app.schemas.hooks import HookReplySchema
from app.services.intake.receive import receive_hook, receive_plain_solve

bp = Blueprint("hooks", __name__)
csrf.exempt(bp)  # signed by the sender, not by a browser session
# Webhooks have their own limit (HOOK_RATE_LIMIT per sender address, shared by every web process
# through the same storage), not Flask-Limiter's: see platform/rate_limit.py.
_parse = lru_cache(maxsize=8)(parse)  # the HOOK_RATE_LIMIT text, parsed once


# The door (HookDoor, below) counts the hit before it hands a request to Flask; it leaves the
# outcome here, so a webhook is counted once. A client cannot set it: its headers are HTTP_*.
_COUNTED = "afterword.hook_limit"


@bp.before_request
def _rate_limit():
    counted = request.environ.get(_COUNTED)
    retry_after = counted[0] if counted else _hit(current_app._get_current_object(), get_remote_address())
    if retry_after is None:
        return None
    response, status = error_response(429, "rate_limited", "Too many webhooks from this address; retry later.")
    response.headers["Retry-After"] = str(ceil(retry_after))
    return response, status


def _hit(app: Flask, address: str) -> float | None:
    """Count one webhook from `address`: None if allowed, else the seconds until it would be."""
    if not app.config.get("RATELIMIT_ENABLED", True):
        return None
    door = app.extensions.get("hook_limit") or _hook_limit(app)
    return door.hit(
        _parse(app.config["HOOK_RATE_LIMIT"]),
        app.config.get("RATELIMIT_KEY_PREFIX") or "afterword",
        bp.name,
        address,
    )


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


class HookDoor:
    """WSGI in front of Flask for the common webhook: a plain solve, stored and answered 202.

    Flask's own request cycle (the request context, URL matching, the session, the app-wide
    before and after hooks, the reply's schema) costs a webhook more CPU than its signature
    check and its body's parse together, and none of it does anything for a signed POST with no
    query string and no cookie (CSRF exempts the door, no locale is used, no session is read).
    So such a request is counted against the rate limit and tried on `receive_plain_solve` here,
    inside an app context; its answer (202 `accepted` or 200 `duplicate`) is the JSON Flask
    would send for it, through the same JSON provider. Every other request, and every one that
    path declines or raises on (it writes nothing then), goes to Flask with its body and the
    rate limit's outcome, and is answered there exactly as before.
    """

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self._plain: bool | None = None  # whether Flask's cycle does nothing the door skips

    def __call__(self, environ: dict, start_response):
        integration_id = self._integration_id(environ)
        if integration_id is None:
            return self.wsgi_app(environ, start_response)
        length = int(environ["CONTENT_LENGTH"])
        try:
            body = environ["wsgi.input"].read(length) if length else b""
        except Exception:  # the client went away mid-body: Flask's 400, as before
            return self.wsgi_app(environ, start_response)
        outcome = None
        if len(body) == length:
            outcome = self._receive(environ, integration_id, body)
        if outcome is None:  # Flask answers it, from the same bytes
            environ["wsgi.input"] = io.BytesIO(body)
            return self.wsgi_app(environ, start_response)
        return self._reply(outcome, environ, start_response)

    def _reply(self, outcome, environ: dict, start_response):
        """The JSON Flask sends for the view's (body, status): its provider's dumps, compact, and a
        newline; Content-Type then Content-Length, as werkzeug lists them."""
        # The body is already the reply schema's shape and order ({"status", "delivery_id"}):
        # the view's dump would return it unchanged (tests/api/test_hook_door.py compares both).
        provider = self.app.json
        if provider.compact is False or (provider.compact is None and self.app.debug):  # indented: Flask's own
            response = provider.response(outcome.body)
            response.status_code = outcome.status
            return response(environ, start_response)
        data = f"{provider.dumps(outcome.body, separators=(',', ':'))}\n".encode()
        status = f"{outcome.status} {HTTP_STATUS_CODES[outcome.status].upper()}"
        start_response(status, [("Content-Type", provider.mimetype), ("Content-Length", str(len(data)))])
        return [data]

    def _integration_id(self, environ: dict) -> int | None:
        path = environ.get("PATH_INFO", "")
        if (
            environ.get("REQUEST_METHOD") != "POST"
            or not path.startswith("/hooks/")
            or environ.get("QUERY_STRING")
            or "HTTP_COOKIE" in environ
            or "HTTP_TRANSFER_ENCODING" in environ
        ):
            return None
        digits, length = path[7:], environ.get("CONTENT_LENGTH") or ""
        if not (digits.isascii() and digits.isdigit() and length.isascii() and length.isdigit()):
            return None
        config = self.app.config
        limit = config.get("MAX_CONTENT_LENGTH")
        if (limit is not None and int(length) > limit) or not self._flask_adds_nothing():
            return None
        number = int(digits)
        return number if 1 <= number <= MAX_INT else None

    def _receive(self, environ: dict, integration_id: int, body: bytes):
        app = self.app
        ctx = None
        current = _cv_app.get(None)
        if current is None or current.app is not app:  # as Flask does: reuse the app's own context
            ctx = app.app_context()
            ctx.push()
        try:
            retry_after = _hit(app, environ.get("REMOTE_ADDR") or "127.0.0.1")
            environ[_COUNTED] = (retry_after,)
            if retry_after is not None:
                return None  # Flask answers the 429
            try:
                return receive_plain_solve(
                    app,
                    db.engine,
                    integration_id,
                    _lowercase_headers(environ),
                    body,
                    app.config["WEBHOOK_TOLERANCE_SECONDS"],
                )
            except Exception:  # a refusal (or a failure) with nothing written: Flask answers it
                return None
        finally:
            if ctx is not None:
                ctx.pop()

    def _flask_adds_nothing(self) -> bool:
        """Whether the hooks registered for this door are the ones the door stands in for."""
        if self._plain is None:
            app = self.app
            before = {getattr(f, "__name__", "") for f in app.before_request_funcs.get(None, [])}
            after = {getattr(f, "__name__", "") for f in app.after_request_funcs.get(None, [])}
            after |= {getattr(f, "__name__", "") for f in app.teardown_request_funcs.get(None, [])}
            self._plain = (
                before <= {"csrf_protect", "_forget_locale", "refuse_unreadable_text"}
                and after <= {"hook_off_the_webhook_door"}
                and app.before_request_funcs.get(bp.name) == [_rate_limit]
                and not app.after_request_funcs.get(bp.name)
                and not app.teardown_request_funcs.get(bp.name)
                and not app.url_value_preprocessors.get(None)
                and not app.config.get("SERVER_NAME")
                and not app.config.get("TRUSTED_HOSTS")
                and not app.url_map.host_matching
            )
        return self._plain


def install_door(app: Flask) -> None:
    """Put HookDoor in front of the app's WSGI callable (inside any middleware added later)."""
    app.wsgi_app = HookDoor(app, app.wsgi_app)
