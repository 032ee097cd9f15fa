"""Themes: the report of what answers talk about, and the workspace's theme catalogue."""

from __future__ import annotations

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.contract import accepts, paginated, responds
from app.models import Theme
from app.schemas.theme import (
    CatalogueQuery,
    ThemeInSchema,
    ThemeOutSchema,
    ThemePatchSchema,
    ThemeReportSchema,
    ThemesQuery,
)
from app.services.answers import theme_catalogue
from app.services.insights.themes import theme_report


@bp.get("/themes")
@accepts(ThemesQuery, location="query")
@responds(200, ThemeReportSchema)
def get_themes(query: dict):
    """Themes of one survey's answers, ranked by their impact on its score (most negative first)."""
    limit = query.pop("limit")
    return theme_report(current_workspace().id, query, limit)


@bp.get("/themes/catalogue")
@accepts(CatalogueQuery, location="query")
@paginated(ThemeOutSchema, description="A page of the catalogue, in id order")
def list_catalogue(query: dict):
    """The workspace's theme catalogue: automatic themes and custom ones."""
    return theme_catalogue.list_themes(current_workspace().id, query.get("source"), query["limit"], query.get("cursor"))


@bp.post("/themes/catalogue")
@accepts(ThemeInSchema)
@responds(201, ThemeOutSchema)
def create_catalogue_theme(body: dict):
    """Define a custom theme from keywords and phrases; it takes precedence over automatic themes."""
    return theme_catalogue.create_custom_theme(current_workspace().id, body)


@bp.get("/themes/catalogue/<id:theme_id>")
@responds(200, ThemeOutSchema)
def get_catalogue_theme(theme_id: int):
    """One theme of the catalogue."""
    return theme_catalogue.get_theme(current_workspace().id, theme_id)


def own_theme(theme_id: int) -> Theme:
    return theme_catalogue.get_theme(current_workspace().id, theme_id)


@bp.patch("/themes/catalogue/<id:theme_id>")
@accepts(ThemePatchSchema, partial=True, lookup=own_theme)
@responds(200, ThemeOutSchema)
def update_catalogue_theme(theme_id: int, body: dict, found: Theme):
    """Relabel a theme, or change a custom theme's keywords and phrases (its answers are re-tagged)."""
    return theme_catalogue.update_theme(found, body)


@bp.delete("/themes/catalogue/<id:theme_id>")
@responds(204)
def delete_catalogue_theme(theme_id: int):
    """Delete a custom theme (its answers are re-tagged without it)."""
    theme_catalogue.delete_theme(theme_catalogue.get_theme(current_workspace().id, theme_id))
