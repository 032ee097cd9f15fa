"""Migration files are named in the order of their chain, so a newcomer reads them top to bottom."""

from __future__ import annotations

import re
from pathlib import Path

VERSIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"


def _chain() -> list[tuple[str, str, str | None]]:
    """(file name, revision, down_revision) of every migration file."""
    found = []
    for path in VERSIONS.glob("*.py"):
        text = path.read_text()
        revision = re.search(r"^revision = ['\"](\w+)['\"]", text, re.M).group(1)
        down = re.search(r"^down_revision = (?:['\"](\w+)['\"]|None)", text, re.M).group(1)
        found.append((path.name, revision, down))
    return found


def test_files_are_numbered_in_the_order_of_the_chain():
    by_parent = {down: (name, revision) for name, revision, down in _chain()}
    assert len(by_parent) == len(_chain()), "two migrations share a parent: the chain has a fork"
    ordered, parent = [], None
    while parent in by_parent:
        name, parent = by_parent[parent]
        ordered.append(name)
    assert ordered == sorted(name for name, _, _ in _chain())
    assert [name[:3] for name in ordered] == [f"{i:02d}_" for i in range(1, len(ordered) + 1)]
