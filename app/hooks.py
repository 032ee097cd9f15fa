"""POST /hooks/{integration_id}: the public door for helpdesk webhooks."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from app.extensions import csrf, limiter
from app.services.hooks import receive_hook

bp = Blueprint("hooks", __name__)
csrf.exempt(bp)  # signed by the sender, not by a browser session
# The limit is set on the blueprint, not with @limiter.limit on the view: Flask-Limiter checks
# blueprint limits in its app-wide before_request pass, which runs on every request anyway,
# while a decorated view is checked a second time in the decorator, each pass resolving and
# keying the limits again (measured in-process: ~0.06 ms of CPU per webhook, ~3 %). Same key
# (the endpoint), same 429; `receive` is the only view here, so the limit covers what it did.
limiter.limit(lambda: current_app.config["HOOK_RATE_LIMIT"])(bp)


@bp.after_request
def _skip_rate_limit_headers(response):
    """No X-RateLimit-* headers on accepted webhooks; a 429 still says when to retry.

    Filling them costs two Redis round trips per request (the window's count and its expiry)
    on top of the one that counts the hit, and no helpdesk reads them on a success. Blueprint
    after_request functions run before the app's, so clearing the request's current limit here
    makes Flask-Limiter's header step skip. The limit itself is still counted and enforced.
    """
    if response.status_code != 429:
        limiter.context.view_rate_limit = None
    return response


@bp.post("/hooks/<id:integration_id>")
def receive(integration_id: int):
    """Receive a helpdesk webhook, verified over the raw body."""
    body = request.get_data(cache=False)
    headers = {k.lower(): v for k, v in request.headers.items()}
    outcome = receive_hook(integration_id, headers, body, current_app.config["WEBHOOK_TOLERANCE_SECONDS"])
    return jsonify(outcome.body), outcome.status
