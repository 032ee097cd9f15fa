"""Languages: the invite's locale first, else the browser's Accept-Language."""

from __future__ import annotations

from contextlib import contextmanager

from flask import Flask, g, request
from flask_babel import Babel, force_locale, get_locale, refresh
from flask_babel import gettext as gettext  # re-exported: one import site for the app
from flask_babel import lazy_gettext as lazy_gettext

from app.config import PACKAGE

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
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(PACKAGE / "translations"))
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


def compile_catalogs(directory: str | None = None, force: bool = False) -> list[str]:
    """Compile every messages.po under app/translations to .mo where the .mo is missing or older.

    The .mo files are build output (not committed): `make translations`, `make run`, `make test`
    and the test suite's start all call this, so the source of truth is the .po text alone.
    """
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po in sorted(Path(directory or PACKAGE / "translations").glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as handle:
            write_mo(handle, catalog)
        tmp.replace(mo)
        compiled.append(str(mo))
    return compiled
