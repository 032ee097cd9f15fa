"""Vendored third-party files: each listed in vendor.json, unchanged, pinned, and licensed.

`make vendor-check` compares them with the npm tarballs over the network; these checks run
offline against the manifest's sha256s.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = json.loads((ROOT / "vendor.json").read_text())
FILES = [(package, item) for package in MANIFEST["packages"] for item in package["files"]]
# Where vendored files live: the app's (shipped in the wheel) and the tests' own.
VENDOR_DIRS = [ROOT / "app" / "static" / "vendor", ROOT / "tests" / "browser" / "vendor"]


def package(name: str) -> dict:
    (found,) = [p for p in MANIFEST["packages"] if p["name"] == name]
    return found


@pytest.mark.parametrize(("package", "item"), FILES, ids=[item["path"] for _, item in FILES])
def test_every_listed_file_is_there_unchanged(package, item):
    path = ROOT / item["path"]
    assert path.is_file(), f"{item['path']} is listed in vendor.json but missing"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == item["sha256"], (
        f"{item['path']} is not the file from {package['name']}@{package['version']}"
    )


def test_every_package_is_pinned_with_its_tarball_integrity():
    for entry in MANIFEST["packages"]:
        assert re.fullmatch(r"\d+\.\d+\.\d+", entry["version"]), entry["name"]
        assert re.fullmatch(r"sha512-[A-Za-z0-9+/]{86}==", entry["integrity"]), entry["name"]
        assert all(item["from"].startswith("package/") for item in entry["files"]), entry["name"]


def test_htmx_is_the_pinned_2_0_release():
    htmx = package("htmx.org")
    assert htmx["version"].startswith("2.0."), "the pages are written for htmx 2.0.x"
    source = (ROOT / "app/static/vendor/htmx/htmx.min.js").read_text()
    assert re.findall(r'version:"([^"]+)"', source) == [htmx["version"]]


def test_axe_is_a_4_x_release_kept_out_of_the_app():
    axe = package("axe-core")
    assert axe["version"].startswith("4.")
    assert all(item["path"].startswith("tests/") for item in axe["files"]), "axe-core is for tests only"
    source = (ROOT / "tests/browser/vendor/axe-core/axe.min.js").read_text()
    assert source.startswith(f"/*! axe v{axe['version']}\n"), "the file's banner names the pinned release"


def test_every_vendored_file_has_its_licence_beside_it():
    listed = {item["path"] for _, item in FILES}
    for entry, item in FILES:
        licence = (Path(item["path"]).parent / "LICENSE").as_posix()
        assert licence in listed, f"{item['path']} ({entry['name']}) has no LICENSE listed beside it"


def test_nothing_vendored_is_unlisted():
    listed = {item["path"] for _, item in FILES}
    for folder in VENDOR_DIRS:
        on_disk = {p.relative_to(ROOT).as_posix() for p in folder.rglob("*") if p.is_file()}
        assert on_disk, folder
        unlisted = sorted(on_disk - listed)
        assert not unlisted, f"files in {folder.relative_to(ROOT)} not in vendor.json: {unlisted}"
    for path in listed:
        assert any((ROOT / path).is_relative_to(folder) for folder in VENDOR_DIRS), f"{path} is outside a vendor folder"


def test_the_app_serves_htmx_from_its_own_static_folder(client):
    response = client.get("/static/vendor/htmx/htmx.min.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.data == (ROOT / "app/static/vendor/htmx/htmx.min.js").read_bytes()
    response.close()
