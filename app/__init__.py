"""Afterword: post-interaction feedback surveys."""

from __future__ import annotations

from flask import Flask

from app.config import INSTANCE, PACKAGE, load_config
from app.platform.sessions import CookieSessionInterface
from app.platform.strict_json import StrictJSONProvider


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment, with `config` overriding any setting."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE),
        template_folder=str(PACKAGE / "templates"),
        static_folder="static",
    )
    app.config.update(load_config())
    if config:
        app.config.update(config)
    app.json = StrictJSONProvider(app)  # every request body is read by the one strict loader
    app.session_interface = CookieSessionInterface()
    _register_extensions(app)
    _register_blueprints(app)
    return app


def _register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (the models must be known before migrate binds)
    from app.extensions import csrf, db, limiter, migrate
    from app.platform.i18n import init_babel
    from app.platform.pool_ping import install as install_pool_ping

    install_pool_ping()
    db.init_app(app)
    from app.models.types import render_item

    migrate.init_app(app, db, directory=str(PACKAGE / "migrations"), render_as_batch=True, render_item=render_item)
    csrf.init_app(app)
    limiter.init_app(app)
    # Every limit is declared on its view (@limiter.limit), and a decorated view checks its own
    # limits. Flask-Limiter's app-wide before_request pass is for default and blueprint limits,
    # which we do not use (the webhook door has its own, app/platform/rate_limit.py), yet it ran on every
    # request: ~5 % of webhook intake's CPU.
    app_wide = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in app_wide:  # not registered when RATELIMIT_ENABLED is off
        app_wide.remove(limiter._check_request_limit)
    # Its after-request (rate-limit headers) and teardown (its per-request state) have nothing to
    # do on the webhook door, where no Flask-Limiter limit is ever checked: skipped there (~2 %
    # of intake's CPU), unchanged everywhere else.
    for hooks in (app.after_request_funcs.get(None, []), app.teardown_request_funcs.get(None, [])):
        hooks[:] = [_not_on_webhooks(hook) if _is_limiters(hook, limiter) else hook for hook in hooks]
    init_babel(app)
    from app.platform.queue import init_celery

    init_celery(app)


def _is_limiters(hook, limiter) -> bool:
    return getattr(hook, "__self__", None) is limiter or limiter in getattr(hook, "args", ())


def _not_on_webhooks(hook):
    from flask import request

    def hook_off_the_webhook_door(value):
        if request.blueprint == "hooks":  # app/webhooks.py's blueprint
            return value
        return hook(value)

    return hook_off_the_webhook_door


def _register_blueprints(app: Flask) -> None:
    from app.api import bp as api_bp
    from app.cli import register_cli
    from app.errors import register_error_handlers
    from app.platform.converters import IdConverter
    from app.platform.health import bp as health_bp
    from app.respondent import bp as respondent_bp
    from app.web import bp as web_bp
    from app.webhooks import bp as webhooks_bp
    from app.webhooks import install_door

    app.url_map.converters["id"] = IdConverter
    app.register_blueprint(api_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(respondent_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(web_bp)
    register_error_handlers(app)
    register_cli(app)
    install_door(app)  # the common webhook answered in front of Flask's request cycle (app/webhooks.py)
