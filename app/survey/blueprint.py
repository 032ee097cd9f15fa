"""The public blueprint: no API key, a token or nothing."""
from flask import Blueprint

bp = Blueprint("survey", __name__)


@bp.after_request
def _security_headers(response):
    # Our pages load nothing from elsewhere but a workspace's logo.
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
