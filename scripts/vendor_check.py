"""Confirm every vendored file is byte-identical to the file in its pinned npm tarball.

Reads vendor.json, fetches each package's tarball once with `npm pack` (into a temporary
directory; `--prefer-online` so the registry's metadata is consulted, not only npm's cache),
checks the tarball against the pinned `dist.integrity`, and compares each listed member with
the committed file. Exit status 1 names every mismatch. Run it with `make vendor-check`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "vendor.json"
NPM_TIMEOUT = 120  # seconds for all tarballs together; both are under 1 MB


def sri(data: bytes, algorithm: str) -> str:
    """A Subresource Integrity string, as npm writes `dist.integrity`."""
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def pack(specs: list[str], into: Path) -> list[Path]:
    """`npm pack` every spec into `into`; the tarballs, in the order asked."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("vendor-check: npm is not installed")
    done = subprocess.run(
        [npm, "pack", "--json", "--prefer-online", "--ignore-scripts", "--pack-destination", str(into), *specs],
        cwd=into,
        capture_output=True,
        text=True,
        timeout=NPM_TIMEOUT,
    )
    if done.returncode != 0:
        sys.exit(f"vendor-check: npm pack failed\n{done.stderr.strip()}")
    return [into / entry["filename"] for entry in json.loads(done.stdout)]


def check(manifest: dict) -> list[str]:
    problems = []
    packages = manifest["packages"]
    with tempfile.TemporaryDirectory(prefix="vendor-check-") as tmp:
        tarballs = pack([f"{p['name']}@{p['version']}" for p in packages], Path(tmp))
        for package, tarball in zip(packages, tarballs):
            label = f"{package['name']}@{package['version']}"
            data = tarball.read_bytes()
            algorithm = package["integrity"].split("-", 1)[0]
            if sri(data, algorithm) != package["integrity"]:
                problems.append(f"{label}: the tarball's integrity is not the pinned {package['integrity']}")
                continue
            with tarfile.open(tarball) as archive:
                for item in package["files"]:
                    try:
                        member = archive.extractfile(item["from"])
                    except KeyError:
                        member = None
                    if member is None:
                        problems.append(f"{label}: {item['from']} is not in the tarball")
                        continue
                    committed = ROOT / item["path"]
                    if not committed.is_file():
                        problems.append(f"{label}: {item['path']} is missing")
                    elif committed.read_bytes() != member.read():
                        problems.append(f"{label}: {item['path']} differs from {item['from']} in the tarball")
                    else:
                        print(f"ok  {label}  {item['from']} -> {item['path']}")
    return problems


def main() -> int:
    problems = check(json.loads(MANIFEST.read_text()))
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
