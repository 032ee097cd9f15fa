"""The /api/v1 blueprint: every view here acts for the workspace of the bearer key."""

from flask import Blueprint, request

from app.api.auth import authenticate
from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer-key authenticated, never cookie-authenticated

# Endpoints reachable without a key: the OpenAPI document and the widget's token-scoped calls.
PUBLIC_ENDPOINTS: set[str] = {"api.openapi"}


@bp.before_request
def _authenticate() -> None:
    if request.endpoint not in PUBLIC_ENDPOINTS:
        authenticate()
