"""axe-core in a Playwright page: `assert_accessible(page)` fails on serious or critical violations.

The vendored axe.min.js (tests/browser/vendor/axe-core, pinned in vendor.json) is injected into
the page under test; nothing is fetched from the network. Our pages' CSP (`script-src 'self'`)
refuses the inline script `add_script_tag(path=...)` writes, and turning the CSP off
(`bypass_csp`) would test a page customers never see. So the script is added by URL on the
page's own origin, and Playwright answers that one request with the vendored file: the page's
CSP stays on and allows it as 'self'.
"""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")


AXE_PATH = "/__tests__/axe-core/axe.min.js"  # answered by Playwright, never by the app


def inject_axe(page) -> None:
    """Load the vendored axe-core into the page, once."""
    if page.evaluate("() => typeof window.axe === 'object'"):
        return
    url = page.evaluate("() => location.origin") + AXE_PATH
    page.route(url, lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    try:
        page.add_script_tag(url=url)
    finally:
        page.unroute(url)


def run_axe(page, context: str | dict | None = None) -> dict:
    """axe.run() on the page (or on `context`, a selector or axe context object); its results."""
    inject_axe(page)
    # axe's default rules: WCAG 2.0-2.2 A and AA plus its best practices (not AAA, not experimental).
    options = {"resultTypes": ["violations"]}
    return page.evaluate(
        "([context, options]) => context ? axe.run(context, options) : axe.run(options)", [context, options]
    )


def describe(violations: list[dict]) -> str:
    """One block per violation: rule, impact, what it means, where, and how to fix each node."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"    at {' > '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n         ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


def assert_accessible(page, allow: tuple[str, ...] | list[str] = (), context: str | dict | None = None) -> list[dict]:
    """Fail on any serious or critical axe violation whose rule id is not in `allow`.

    Returns the violations axe found below that bar (minor, moderate, or allowed) for a test that
    wants to look at them.
    """
    violations = run_axe(page, context)["violations"]
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS and v["id"] not in allow]
    assert not failing, f"axe found {len(failing)} serious or critical violation(s) on {page.url}:\n" + describe(
        failing
    )
    return [v for v in violations if v not in failing]
