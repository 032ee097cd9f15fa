"""One module per helpdesk; PROVIDERS maps the provider name to its module."""
from __future__ import annotations

from types import ModuleType

from app.integrations import generic

PROVIDERS: dict[str, ModuleType] = {generic.name: generic}


def get_provider(name: str) -> ModuleType:
    return PROVIDERS[name]
