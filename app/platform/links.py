"""Public links, built from PUBLIC_URL so emails and embeds point at the right host."""

from __future__ import annotations

from flask import current_app


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_URL"] + path


def survey_url(token: str, score: int | None = None) -> str:
    url = public_url(f"/s/{token}")
    return url if score is None else f"{url}?score={score}"


def hook_url(integration_id: int) -> str:
    return public_url(f"/hooks/{integration_id}")


def unsubscribe_url(token: str) -> str:
    return public_url(f"/u/{token}")
