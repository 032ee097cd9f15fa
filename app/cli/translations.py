"""`flask --app app translations compile`: the .mo catalogues Flask-Babel reads."""

from __future__ import annotations

import click

from app.platform.i18n import compile_catalogs


@click.group(help="Translation catalogues under app/translations.")
def translations() -> None:
    pass


@translations.command("compile")
@click.option("--force", is_flag=True, help="Recompile even if the .mo files are newer.")
def translations_compile(force: bool) -> None:
    """Compile the .po catalogues to the .mo files Flask-Babel reads."""
    for path in compile_catalogs(force=force):
        click.echo(f"compiled {path}")
