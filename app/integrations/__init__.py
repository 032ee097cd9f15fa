"""One module per helpdesk; PROVIDERS maps the provider name to its module."""

from __future__ import annotations

from types import ModuleType

from app.integrations import freshdesk, front, generic, gorgias, helpscout, intercom, zendesk
from app.models.integration import Provider

PROVIDERS: dict[str, ModuleType] = {
    module.name: module for module in (generic, zendesk, freshdesk, helpscout, intercom, front, gorgias)
}
# The schemas validate against Provider without importing this package (which imports them).
assert set(PROVIDERS) == set(Provider), "app/integrations and models.integration.Provider disagree"


def get_provider(name: str) -> ModuleType:
    return PROVIDERS[name]
