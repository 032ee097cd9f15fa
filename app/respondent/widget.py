"""GET /embed.js: the widget, read once from app/respondent/assets/embed.js and served compact and cached."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Response, current_app, request

from app.extensions import limiter
from app.platform.contract import responds
from app.respondent.blueprint import bp

SOURCE = Path(__file__).parent / "assets" / "embed.js"


@dataclass(frozen=True)
class Script:
    body: bytes
    gzipped: bytes
    etag: str


def compact(source: str) -> str:
    """Drop indentation, blank lines and whole-line // comments: the source stays the readable copy."""
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"


@lru_cache(maxsize=1)
def widget_script(mtime_ns: int = 0) -> Script:
    body = compact(SOURCE.read_text(encoding="utf-8")).encode()
    return Script(body, gzip.compress(body, 9, mtime=0), hashlib.sha256(body).hexdigest()[:20])


def _embed_limit() -> str:
    return current_app.config.get("EMBED_RATE_LIMIT", "600 per minute")


@bp.get("/embed.js")
@limiter.limit(_embed_limit)
@responds(200, content_type="text/javascript", errors="text/html", description="The script")
@responds(304, description="Not modified since the ETag sent")
def embed_js():
    """The embeddable widget script."""
    script = widget_script(SOURCE.stat().st_mtime_ns if current_app.debug else 0)
    headers = {
        # Not fingerprinted (the snippet's URL never changes): cache for an hour, then revalidate.
        "Cache-Control": "public, max-age=3600, stale-while-revalidate=86400",
        "ETag": f'"{script.etag}"',
        "Vary": "Accept-Encoding",
    }
    if request.if_none_match.contains(script.etag):
        return Response(status=304, headers=headers)
    if request.accept_encodings["gzip"] > 0:
        headers["Content-Encoding"] = "gzip"
        body = script.gzipped
    else:
        body = script.body
    return Response(body, mimetype="text/javascript", headers=headers)
