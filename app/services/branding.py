"""A workspace's look on the widget and the survey page, made safe and readable."""

from __future__ import annotations

import re

from app.models import Workspace

DEFAULT_COLOUR = "#2f5bd3"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _luminance(colour: str) -> float:
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_on(colour: str) -> str:
    """White or black, whichever reads better on `colour` (always at least 4.58:1)."""
    return "#ffffff" if contrast(colour, "#ffffff") >= contrast(colour, "#000000") else "#000000"


def branding(workspace: Workspace) -> dict:
    """Name, colour (validated, it ends up in CSS), the text colour to put on it, and the logo."""
    colour = workspace.brand_colour if _HEX.match(workspace.brand_colour or "") else DEFAULT_COLOUR
    logo = workspace.logo_url if (workspace.logo_url or "").startswith("https://") else None
    return {"name": workspace.name, "colour": colour.lower(), "on_colour": readable_on(colour), "logo_url": logo}
