"""Themes: the report of what answers talk about, and the workspace's theme catalogue."""

from __future__ import annotations

from flask import jsonify

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.body import json_body, query_args
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

theme_out = ThemeOutSchema()
report_out = ThemeReportSchema()


@bp.get("/themes")
def get_themes():
    """Themes of one survey's answers, ranked by their impact on its score (most negative first)."""
    args = query_args(ThemesQuery())
    limit = args.pop("limit")
    return jsonify(report_out.dump(theme_report(current_workspace().id, args, limit)))


@bp.get("/themes/catalogue")
def list_catalogue():
    """The workspace's theme catalogue: automatic themes and custom ones."""
    args = query_args(CatalogueQuery())
    themes, next_cursor = theme_catalogue.list_themes(
        current_workspace().id, args.get("source"), args["limit"], args.get("cursor")
    )
    return jsonify({"items": theme_out.dump(themes, many=True), "next_cursor": next_cursor})


@bp.post("/themes/catalogue")
def create_catalogue_theme():
    """Define a custom theme from keywords and phrases; it takes precedence over automatic themes."""
    theme = theme_catalogue.create_custom_theme(current_workspace().id, json_body(ThemeInSchema()))
    return jsonify(theme_out.dump(theme)), 201


@bp.get("/themes/catalogue/<int:theme_id>")
def get_catalogue_theme(theme_id: int):
    """One theme of the catalogue."""
    return jsonify(theme_out.dump(theme_catalogue.get_theme(current_workspace().id, theme_id)))


@bp.patch("/themes/catalogue/<int:theme_id>")
def update_catalogue_theme(theme_id: int):
    """Relabel a theme, or change a custom theme's keywords and phrases (its answers are re-tagged)."""
    theme = theme_catalogue.get_theme(current_workspace().id, theme_id)
    return jsonify(theme_out.dump(theme_catalogue.update_theme(theme, json_body(ThemePatchSchema(), partial=True))))


@bp.delete("/themes/catalogue/<int:theme_id>")
def delete_catalogue_theme(theme_id: int):
    """Delete a custom theme (its answers are re-tagged without it)."""
    theme_catalogue.delete_theme(theme_catalogue.get_theme(current_workspace().id, theme_id))
    return "", 204
