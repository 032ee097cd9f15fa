"""A wheel built from the tree runs on its own: templates, static files, translations and data inside."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    from app.platform.i18n import compile_catalogs

    compile_catalogs()  # the .mo files are build output: the wheel must carry fresh ones
    out = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools writes build/ and egg-info beside the sources it builds.
    source = tmp_path_factory.mktemp("source") / "afterword"
    skip = shutil.ignore_patterns(".git", ".venv", "instance", "build", "test-artifacts", "__pycache__", "*.egg-info")
    shutil.copytree(ROOT, source, symlinks=True, ignore=skip)
    # --no-build-isolation: the test extras bring setuptools, so nothing is downloaded here.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("afterword-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_wheel_holds_every_template(wheel_names):
    for path in (ROOT / "templates").rglob("*"):
        if path.is_file():
            assert f"app/templates/{path.relative_to(ROOT / 'templates').as_posix()}" in wheel_names, path


def test_the_wheel_holds_static_files_the_widget_and_analysis_data(wheel_names):
    app_dir = ROOT / "app"
    for pattern in ("static/*", "static/vendor/**/*", "respondent/assets/*.js", "analysis/data/*.txt"):
        files = [p for p in app_dir.glob(pattern) if p.is_file()]
        assert files, pattern
        for path in files:
            assert f"app/{path.relative_to(app_dir).as_posix()}" in wheel_names, path


def test_the_wheel_holds_compiled_translations_and_the_migrations(wheel_names):
    catalogues = sorted((ROOT / "app" / "translations").glob("*/LC_MESSAGES/messages.po"))
    assert len(catalogues) >= 5
    for po in catalogues:
        mo = po.with_suffix(".mo").relative_to(ROOT).as_posix()
        assert mo in wheel_names, mo
    migrations = sorted((ROOT / "migrations" / "versions").glob("*.py"))
    for path in migrations:
        assert f"app/migrations/versions/{path.name}" in wheel_names, path
    assert "app/migrations/env.py" in wheel_names


def test_the_wheel_holds_the_vendored_app_files_and_no_test_ones(wheel_names):
    manifest = json.loads((ROOT / "vendor.json").read_text())
    paths = [item["path"] for package in manifest["packages"] for item in package["files"]]
    shipped = [path for path in paths if path.startswith("app/")]
    assert "app/static/vendor/htmx/htmx.min.js" in shipped
    assert "app/static/vendor/htmx/LICENSE" in shipped
    for path in shipped:
        assert path in wheel_names, path
    assert not [name for name in wheel_names if "axe" in name], "axe-core is for the tests only"


def test_the_wheel_declares_its_licence_as_an_spdx_expression_with_its_file(wheel_names):
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in wheel_names)
