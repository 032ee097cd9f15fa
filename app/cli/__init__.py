"""Operator commands, one module per group: `flask --app app --help` lists them."""

from __future__ import annotations

from flask import Flask

from app.cli.analysis import analysis, analyze
from app.cli.deliveries import deliveries
from app.cli.demo import demo
from app.cli.imports import import_group
from app.cli.invites import invites
from app.cli.privacy import privacy
from app.cli.translations import translations
from app.cli.users import users
from app.cli.workspaces import workspace


def register_cli(app: Flask) -> None:
    for command in (
        workspace,
        demo,
        analyze,
        analysis,
        translations,
        invites,
        deliveries,
        import_group,
        users,
        privacy,
    ):
        app.cli.add_command(command)
