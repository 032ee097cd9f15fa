"""Languages: the invite's locale first, else the browser's Accept-Language."""
from __future__ import annotations

from contextlib import contextmanager

from flask import Flask, g, request
from flask_babel import Babel, force_locale, get_locale, refresh
from flask_babel import gettext as gettext  # re-exported: one import site for the app
from flask_babel import lazy_gettext as lazy_gettext

from app.config import ROOT

LANGUAGES = ("en", "es", "fr", "de", "pt")
babel = Babel()


def select_locale() -> str:
    forced = g.get("locale")
    if forced in LANGUAGES:
        return forced
    if request:
        return request.accept_languages.best_match(LANGUAGES) or "en"
    return "en"


def init_babel(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "app" / "translations"))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.before_request(_forget_locale)


def _forget_locale() -> None:
    # `g` outlives a request when an app context was already pushed (tests, CLI): start clean.
    g.pop("locale", None)
    refresh()


def use_locale(locale: str | None) -> None:
    """Pin this request's language (an invite's locale beats the browser's)."""
    if locale in LANGUAGES:
        g.locale = locale
        refresh()  # Flask-Babel caches the locale it first computed


@contextmanager
def force_locale_for(locale: str | None):
    with force_locale(locale if locale in LANGUAGES else "en"):
        yield
