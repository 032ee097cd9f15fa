"""One environment-driven configuration; tests pass their own overrides to create_app."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# The package's own folder: templates and migrations are linked in (app/templates -> ../templates),
# so a wheel carries them and an installed copy finds them as the source tree does.
PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
INSTANCE = Path(os.environ.get("AFTERWORD_INSTANCE", ROOT / "instance"))


def _dev_secret_key() -> str:
    """A key generated once and kept under instance/, so sessions survive restarts in dev."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{INSTANCE / 'afterword.db'}"
    # Accept the common postgres:// spellings and use psycopg 3, the driver we install.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config() -> dict:
    """Read the environment once; the result is a plain dict that create_app applies."""
    production = os.environ.get("AFTERWORD_ENV", "development") == "production"
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        if production:
            raise RuntimeError("SECRET_KEY must be set when AFTERWORD_ENV=production")
        secret = _dev_secret_key()
    redis_url = os.environ.get("REDIS_URL") or None
    public_url = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _database_url(),
        # Pooled connections are pinged before use only after sitting idle (app/platform/pool_ping.py).
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "REDIS_URL": redis_url,
        "SMTP_URL": os.environ.get("SMTP_URL") or None,
        # Messages per held SMTP connection before it is renewed: Exim's default. A relay that
        # allows fewer says so with a 421, which defers that one message and reconnects. (At 100,
        # every send task of 100 began with QUIT, a new connection and EHLO.)
        "SMTP_MAX_MESSAGES_PER_CONNECTION": int(os.environ.get("SMTP_MAX_MESSAGES_PER_CONNECTION", 500)),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Afterword <surveys@afterword.localhost>"),
        "PUBLIC_URL": public_url,
        # Signed-in sessions (app/services/accounts/sessions.py): ended after this long idle, and
        # after this long whatever happens.
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", 120)),
        "SESSION_LIFETIME_HOURS": int(os.environ.get("SESSION_LIFETIME_HOURS", 12)),
        # Cookies: never readable by scripts, not sent on cross-site POSTs, https-only when served so.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": public_url.startswith("https://"),
        # Failed sign-ins allowed per typed address and per client address before a lockout.
        "SIGN_IN_ACCOUNT_LIMIT": os.environ.get("SIGN_IN_ACCOUNT_LIMIT", "5 per 15 minutes"),
        "SIGN_IN_ADDRESS_LIMIT": os.environ.get("SIGN_IN_ADDRESS_LIMIT", "30 per 15 minutes"),
        "OUTBOX_DIR": str(INSTANCE / "outbox"),
        "BROKER_DIR": str(INSTANCE / "broker"),
        # Bodies above this size are refused with 413 before any parsing.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 256 * 1024)),
        "WEBHOOK_TOLERANCE_SECONDS": 300,
        # How long a customer may change an answer after confirming it.
        "ANSWER_EDIT_WINDOW_HOURS": int(os.environ.get("ANSWER_EDIT_WINDOW_HOURS", 24)),
        # A survey page form may be left open for a day before it is submitted.
        "WTF_CSRF_TIME_LIMIT": 24 * 3600,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # A Redis outage must not turn webhook intake into 500s: let requests through meanwhile.
        # (The in-memory fallback is off: it pings the storage on every request, ~5 ms each.)
        "RATELIMIT_SWALLOW_ERRORS": True,
        "PUBLIC_RATE_LIMIT": os.environ.get("PUBLIC_RATE_LIMIT", "120 per minute"),
        "HOOK_RATE_LIMIT": os.environ.get("HOOK_RATE_LIMIT", "600 per minute"),
        # embed.js is fetched on every host page view (then cached): a looser limit per address.
        "EMBED_RATE_LIMIT": os.environ.get("EMBED_RATE_LIMIT", "600 per minute"),
        # Outbound calls (webhook endpoints, chat webhooks, helpdesk notes) may reach http:// and
        # local addresses only outside production: there a URL must be https to a public address.
        "OUTBOUND_ALLOW_LOCAL": os.environ.get("OUTBOUND_ALLOW_LOCAL", "0" if production else "1") == "1",
        "OUTBOUND_TIMEOUT_SECONDS": float(os.environ.get("OUTBOUND_TIMEOUT_SECONDS", 10)),
        # Outbound webhooks: a failed message is retried after 30 s, then 4 times longer each time
        # up to 12 h between tries, for 3 days (docs/webhooks.md lists the schedule); a rotated
        # secret keeps signing beside the new one for the overlap.
        "WEBHOOK_RETRY_BASE_SECONDS": float(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", 30)),
        "WEBHOOK_RETRY_FACTOR": 4,
        "WEBHOOK_RETRY_MAX_SECONDS": 12 * 3600,
        "WEBHOOK_RETRY_FOR_HOURS": float(os.environ.get("WEBHOOK_RETRY_FOR_HOURS", 72)),
        "WEBHOOK_SECRET_OVERLAP_HOURS": 24,
        # A worker's claim on a message: longer than a POST may take, so a claim older than this
        # belongs to a worker that died, and the message is sent again (under the same id).
        "WEBHOOK_LEASE_SECONDS": float(os.environ.get("WEBHOOK_LEASE_SECONDS", 90)),
        # A note goes back to the helpdesk once the answer has stood this long, so a customer's
        # quick correction makes one note, not two.
        "WRITEBACK_DELAY_MINUTES": float(os.environ.get("WRITEBACK_DELAY_MINUTES", 5)),
        # Extra Celery settings; a named queue lets several deployments share one Redis.
        "CELERY": {"task_default_queue": os.environ["CELERY_DEFAULT_QUEUE"]}
        if os.environ.get("CELERY_DEFAULT_QUEUE")
        else {},
    }
