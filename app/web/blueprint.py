"""The signed-in blueprint: who is signed in (a server-side session), and the pages' headers."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, g, redirect, request, url_for

from app.extensions import db
from app.models import User
from app.services.accounts.sessions import session_for

bp = Blueprint("web", __name__)
COOKIE = "afterword_signed_in"


@bp.before_request
def _load_person() -> None:
    g.user_session = session_for(request.cookies.get(COOKIE))
    g.user = db.session.get(User, g.user_session.user_id) if g.user_session else None


@bp.after_request
def _security_headers(response):
    # No inline script or style anywhere on these pages: the strictest policy holds.
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")  # pages show a person's data
    return response


def set_session_cookie(response, token: str):
    config = current_app.config
    response.set_cookie(
        COOKIE,
        token,
        max_age=config["SESSION_LIFETIME_HOURS"] * 3600,
        httponly=True,
        samesite="Lax",
        secure=config["SESSION_COOKIE_SECURE"],
    )
    return response


def clear_session_cookie(response):
    response.delete_cookie(COOKIE, httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def signed_in(view):
    """Pages for people who signed in; anyone else goes to the sign-in page, then back here."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if g.user is None:
            return redirect(url_for("web.sign_in_page", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return guarded
