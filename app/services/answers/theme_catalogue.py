"""The workspace theme catalogue: the shipped default themes (which a workspace can rename or
switch off), automatic keys recorded as the analysis discovers them, and custom themes (keywords
and phrases) that CX teams define and that the analysis matches first."""

from __future__ import annotations

import logging
from typing import NamedTuple

from sqlalchemy import Text, cast, func, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import IntegrityError

from app.analysis import default_theme_keys
from app.errors import APIError
from app.extensions import db
from app.models import Response, Theme, Workspace
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
    return workspace_catalogue(workspace_id).custom


class WorkspaceThemes(NamedTuple):
    custom: dict[str, list[str]]  # key -> keywords and phrases, in id order
    disabled: frozenset[str]  # default and discovered keys the workspace switched off
    known: frozenset[str]  # discovered keys already in the catalogue
    keys: frozenset[str]  # every key of the catalogue (custom, default or discovered)


# Catalogues read by this process, by workspace: (version, catalogue). A worker scores a workspace
# batch after batch with the same catalogue, and reading it (hundreds of discovered keys) was a
# sixth of the worker's own time per batch. Bounded: a process serving many workspaces re-reads.
_CACHE: dict[int, tuple[str, WorkspaceThemes]] = {}
_CACHE_SIZE = 256


def catalogue_version():
    """A column for select(Workspace.id, ...) on PostgreSQL: a digest of that workspace's catalogue,
    every theme's id, key, source, enabled flag, keywords, phrases and updated_at, computed by the
    server. Any change any process commits changes it, and never back to an earlier value (an
    edit moves updated_at, a re-created theme has a new id), so a catalogue cached under it is the
    one in the database."""
    entry = func.json_build_array(
        Theme.id, Theme.key, Theme.source, Theme.enabled, Theme.keywords, Theme.phrases, Theme.updated_at
    )
    digest = func.md5(cast(func.json_agg(aggregate_order_by(entry, Theme.id)), Text))
    return select(digest).where(Theme.workspace_id == Workspace.id).scalar_subquery()


def workspace_catalogue(workspace_id: int, version: str | None = None) -> WorkspaceThemes:
    """What the analysis of this workspace's answers needs from its catalogue.

    With the catalogue's `version` (catalogue_version(), read in the caller's transaction), a
    catalogue this process already read under that version is reused; without one it is read.
    """
    if version is not None:
        cached = _CACHE.get(workspace_id)
        if cached is not None and cached[0] == version:
            return cached[1]
    catalogue = _read_catalogue(workspace_id)
    if version is not None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        # Read after the version, maybe newer than it: the next batch then reads a later version
        # (versions never repeat) and reads the catalogue again.
        _CACHE[workspace_id] = (version, catalogue)
    return catalogue


def _read_catalogue(workspace_id: int) -> WorkspaceThemes:
    """The catalogue as the analysis takes it, read with two queries."""
    # Columns, not Theme objects: every analysis batch reads this, and the ORM's identity map
    # would cost more than the query. Only custom themes have keywords: reading the JSON columns
    # of every discovered key too (hundreds of rows) was a tenth of the worker's time.
    query = select(Theme.key, Theme.source, Theme.enabled).where(Theme.workspace_id == workspace_id)
    disabled, known, keys = set(), set(), set()
    for key, source, enabled in db.session.execute(query):
        keys.add(key)
        if source == ThemeSource.CUSTOM:
            continue
        if not enabled:
            disabled.add(key)
        elif source == ThemeSource.AUTO:
            known.add(key)
    words = (
        select(Theme.key, Theme.keywords, Theme.phrases)
        .where(Theme.workspace_id == workspace_id, Theme.source == ThemeSource.CUSTOM)
        .order_by(Theme.id)
    )
    custom = {key: [*keywords, *phrases] for key, keywords, phrases in db.session.execute(words)}
    return WorkspaceThemes(custom, frozenset(disabled), frozenset(known), frozenset(keys))


def ensure_defaults(workspace_id: int) -> None:
    """Give the workspace a catalogue row for each shipped default theme it has no row for yet,
    so it can find, rename and switch them off; a key it already has (say a custom theme that
    took a default's key over) is left alone."""
    keys = default_theme_keys()
    known = set(db.session.scalars(select(Theme.key).where(Theme.workspace_id == workspace_id, Theme.key.in_(keys))))
    missing = [key for key in keys if key not in known]
    if missing:
        _insert_missing(workspace_id, missing, ThemeSource.DEFAULT)
        db.session.commit()


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
    _insert_missing(workspace_id, missing, ThemeSource.AUTO)


def _insert_missing(workspace_id: int, keys: list[str], source: ThemeSource) -> None:
    now = utcnow()
    rows = [
        {
            "workspace_id": workspace_id,
            "key": key,
            "label": key,
            "source": source,
            "keywords": [],
            "phrases": [],
            "enabled": True,
            "created_at": now,
            "updated_at": now,
        }
        for key in keys
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
    """The catalogue in id order, `limit` at a time after `cursor` (the last id seen); the default
    themes are listed too (added on first listing), so they can be renamed or switched off."""
    ensure_defaults(workspace_id)
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
    """Define a custom theme; a default or automatic theme with the same key becomes this custom one."""
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
    theme.enabled = True
    _mark_stale(workspace_id)
    db.session.commit()
    _enqueue_reanalysis(workspace_id)
    return theme


def update_theme(theme: Theme, data: dict) -> Theme:
    """Relabel any theme; switch a default or discovered theme off or on; change a custom theme's
    keywords and phrases. Answers are re-tagged when what the analysis matches changes."""
    refused: dict[str, list[str]] = {}
    if theme.source != ThemeSource.CUSTOM:
        kind = "a default" if theme.source == ThemeSource.DEFAULT else "an automatic"
        refused = {
            name: [f"{kind.capitalize()} theme has no keywords; create a custom theme with its key instead."]
            for name in ("keywords", "phrases")
            if name in data
        }
        message = f"Only the label of {kind} theme, and whether it is enabled, can change."
    elif "enabled" in data:
        refused = {"enabled": ["A custom theme is switched off by deleting it."]}
        message = "A custom theme cannot be switched off; delete it instead."
    if refused:
        raise APIError(422, "validation_error", message, refused)
    keywords, phrases = data.get("keywords", theme.keywords), data.get("phrases", theme.phrases)
    if theme.source == ThemeSource.CUSTOM:
        _require_terms(keywords, phrases)
    enabled = data.get("enabled", theme.enabled)
    terms_changed = (keywords, phrases, enabled) != (theme.keywords, theme.phrases, theme.enabled)
    theme.keywords, theme.phrases, theme.enabled = keywords, phrases, enabled
    theme.label = data.get("label", theme.label)
    if terms_changed:
        _mark_stale(theme.workspace_id)
    db.session.commit()
    if terms_changed:
        _enqueue_reanalysis(theme.workspace_id)
    return theme


def delete_theme(theme: Theme) -> None:
    """Remove a custom theme; its answers are re-tagged without it."""
    if theme.source == ThemeSource.DEFAULT:
        raise APIError(
            409, "default_theme", "Default themes stay in the catalogue; switch one off with enabled: false."
        )
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
    # analyzed_at NULL is what the analysis and the backfill read as "score me again".
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
