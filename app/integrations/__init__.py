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


def ticket_url(provider: str, api_base_url: str | None, ticket_id: str | None) -> str | None:
    """The ticket's page in its helpdesk, where the integration knows the helpdesk's address
    (a module with `ticket_url`, given the API base URL the integration stores); else None."""
    address = getattr(PROVIDERS.get(provider), "ticket_url", None)
    if address is None or not api_base_url or not ticket_id:
        return None
    return address(api_base_url, ticket_id)
