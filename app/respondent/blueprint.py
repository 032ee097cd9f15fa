"""The public blueprint: no API key, a token or nothing."""

import secrets

from flask import Blueprint, g, request

bp = Blueprint("respondent", __name__)

# The only endpoints another origin may call: the widget's script and its token-scoped JSON.
CORS_ENDPOINTS = {
    "respondent.embed_js",
    "respondent.public_invite",
    "respondent.public_answer",
    "respondent.public_embed",
}


def csp_nonce() -> str:
    """A per-response nonce for the one inline <style> (the workspace's colours) our pages carry."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


@bp.record_once
def _register_template_global(state) -> None:
    state.app.jinja_env.globals["csp_nonce"] = csp_nonce


@bp.after_request
def _security_headers(response):
    # Our pages load nothing from elsewhere but a workspace's logo.
    style = f"'self' 'nonce-{g.csp_nonce}'" if "csp_nonce" in g else "'self'"
    response.headers.setdefault(
        "Content-Security-Policy",
        f"default-src 'self'; img-src 'self' https: data:; style-src {style}; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.endpoint in CORS_ENDPOINTS:
        # Token-scoped and cookie-free: any host page may call these, without credentials.
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "86400"
    return response
