"""One module per helpdesk; PROVIDERS maps the provider name to its module."""
from __future__ import annotations

from types import ModuleType

from app.integrations import freshdesk, front, generic, gorgias, helpscout, intercom, zendesk

PROVIDERS: dict[str, ModuleType] = {
    module.name: module for module in (generic, zendesk, freshdesk, helpscout, intercom, front, gorgias)
}


def get_provider(name: str) -> ModuleType:
    return PROVIDERS[name]
