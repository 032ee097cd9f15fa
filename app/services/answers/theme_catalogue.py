"""The workspace theme catalogue: automatic keys recorded as the analysis finds them, and
custom themes (keywords and phrases) that CX teams define and that the analysis matches first."""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.errors import APIError
from app.extensions import db
from app.models import Response, Theme
from app.models.theme import ThemeSource
from app.models.types import utcnow
from app.platform.queue import REANALYZE_WORKSPACE, enqueue
from app.services.pagination import Page, fetch_page

log = logging.getLogger(__name__)

KEY_LENGTH = 100


def theme_key(text: str) -> str:
    """The key answers carry for a theme: lower case, single spaces ("Late Refunds " -> "late refunds")."""
    return " ".join(text.lower().split())[:KEY_LENGTH]


def custom_catalogue(workspace_id: int) -> dict[str, list[str]]:
    """The workspace's custom themes as the analysis takes them: key -> keywords and phrases."""
    # Columns, not Theme objects: every analysis batch reads this, and the ORM's identity map
    # would cost more than the query.
    query = (
        select(Theme.key, Theme.keywords, Theme.phrases)
        .where(Theme.workspace_id == workspace_id, Theme.source == ThemeSource.CUSTOM)
        .order_by(Theme.id)
    )
    return {key: [*keywords, *phrases] for key, keywords, phrases in db.session.execute(query)}


def record_auto_themes(workspace_id: int, keys: list[str]) -> None:
    """Add automatic keys the catalogue does not know yet; an existing key (custom or not) is kept.

    Runs inside the analysis transaction; concurrent workers may find the same new key, so the
    insert ignores a conflict on (workspace_id, key) instead of failing the batch.
    """
    wanted = sorted({key[:KEY_LENGTH] for key in keys if key})
    if not wanted:
        return
    known = set(db.session.scalars(select(Theme.key).where(Theme.workspace_id == workspace_id, Theme.key.in_(wanted))))
    missing = [key for key in wanted if key not in known]
    if not missing:
        return
    now = utcnow()
    rows = [
        {
            "workspace_id": workspace_id,
            "key": key,
            "label": key,
            "source": ThemeSource.AUTO,
            "keywords": [],
            "phrases": [],
            "created_at": now,
            "updated_at": now,
        }
        for key in missing
    ]
    dialect = db.session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        db.session.execute(insert(Theme).values(rows).on_conflict_do_nothing(index_elements=["workspace_id", "key"]))
        return
    for row in rows:  # other backends: one savepoint per key
        try:
            with db.session.begin_nested():
                db.session.add(Theme(**row))
        except IntegrityError:  # a concurrent insert won; the key exists either way
            log.debug("theme %r already recorded", row["key"])


def list_themes(workspace_id: int, source: str | None, limit: int, cursor: str | None) -> Page[Theme]:
    """The catalogue in id order, `limit` at a time after `cursor` (the last id seen)."""
    query = select(Theme).where(Theme.workspace_id == workspace_id).order_by(Theme.id)
    if source:
        query = query.where(Theme.source == source)
    if cursor:
        query = query.where(Theme.id > int(cursor))
    return fetch_page(query, limit)


def get_theme(workspace_id: int, theme_id: int) -> Theme:
    """A theme of this workspace, or 404 (another tenant's id looks exactly like a missing one)."""
    theme = None
    if 0 < theme_id < 2**31:  # an id no row can have is simply not found (and never overflows the column)
        theme = db.session.scalar(select(Theme).where(Theme.id == theme_id, Theme.workspace_id == workspace_id))
    if theme is None:
        raise APIError(404, "not_found", f"No theme {theme_id} in this workspace.")
    return theme


def create_custom_theme(workspace_id: int, data: dict) -> Theme:
    """Define a custom theme; an automatic theme with the same key becomes this custom one."""
    key = theme_key(data.get("key") or data["label"])
    theme = db.session.scalar(select(Theme).where(Theme.workspace_id == workspace_id, Theme.key == key))
    if theme is not None and theme.source == ThemeSource.CUSTOM:
        raise APIError(
            409,
            "conflict",
            f"A custom theme with the key '{key}' exists (id {theme.id}).",
            {"key": [f"Already used by theme {theme.id}."]},
        )
    keywords, phrases = data.get("keywords", []), data.get("phrases", [])
    _require_terms(keywords, phrases)
    if theme is None:
        theme = Theme(workspace_id=workspace_id, key=key)
        db.session.add(theme)
    theme.source, theme.label, theme.keywords, theme.phrases = ThemeSource.CUSTOM, data["label"], keywords, phrases
    _mark_stale(workspace_id)
    db.session.commit()
    _enqueue_reanalysis(workspace_id)
    return theme


def update_theme(theme: Theme, data: dict) -> Theme:
    """Relabel any theme; change a custom theme's keywords and phrases (its answers are re-tagged)."""
    if theme.source == ThemeSource.AUTO:
        refused = {
            name: ["An automatic theme has no keywords; create a custom theme with its key instead."]
            for name in ("keywords", "phrases")
            if name in data
        }
        if refused:
            raise APIError(422, "validation_error", "Only the label of an automatic theme can change.", refused)
    keywords, phrases = data.get("keywords", theme.keywords), data.get("phrases", theme.phrases)
    if theme.source == ThemeSource.CUSTOM:
        _require_terms(keywords, phrases)
    terms_changed = (keywords, phrases) != (theme.keywords, theme.phrases)
    theme.keywords, theme.phrases = keywords, phrases
    theme.label = data.get("label", theme.label)
    if terms_changed:
        _mark_stale(theme.workspace_id)
    db.session.commit()
    if terms_changed:
        _enqueue_reanalysis(theme.workspace_id)
    return theme


def delete_theme(theme: Theme) -> None:
    """Remove a custom theme; its answers are re-tagged without it."""
    if theme.source != ThemeSource.CUSTOM:
        raise APIError(
            409,
            "auto_theme",
            "Automatic themes stay while answers mention them; "
            "define a custom theme with the same key to override one.",
        )
    workspace_id = theme.workspace_id
    db.session.delete(theme)
    _mark_stale(workspace_id)
    db.session.commit()
    _enqueue_reanalysis(workspace_id)


def _mark_stale(workspace_id: int) -> None:
    # analyzed_at NULL is what needs_analysis and the backfill read as "score me again".
    db.session.execute(
        update(Response)
        .where(Response.workspace_id == workspace_id, Response.comment.is_not(None))
        .values(analyzed_at=None)
        .execution_options(synchronize_session=False)
    )


def _enqueue_reanalysis(workspace_id: int) -> None:
    try:
        enqueue(REANALYZE_WORKSPACE, workspace_id)
    except Exception:  # the answers stay marked stale; `flask analysis backfill` picks them up
        log.warning("could not enqueue re-analysis of workspace %s", workspace_id, exc_info=True)


def _require_terms(keywords: list[str], phrases: list[str]) -> None:
    if not keywords and not phrases:
        message = "A custom theme needs at least one keyword or phrase."
        raise APIError(422, "validation_error", message, {"keywords": [message]})
