"""The responses feed's address with its filters: the one place every dashboard page builds a
drill-down link, so a bar, a theme or an agent row lands on the feed with the matching filter.

The feed (`/w/<id>/responses`) reads exactly these query parameters; every other page links to it
through `feed_url`, and any view can be bookmarked because every filter lives in the URL.

| parameter  | meaning                                                        | example          |
|------------|----------------------------------------------------------------|------------------|
| survey     | survey id                                                      | 3                |
| from, to   | dates (YYYY-MM-DD) in the workspace's zone, `to` inclusive     | 2026-11-01       |
| score_min, score_max | the answer's score, inclusive                        | 1, 2             |
| agent      | agent key (the helpdesk's agent id or email)                   | 7                |
| team       | team name                                                      | Billing          |
| channel    | channel                                                        | email            |
| priority   | ticket priority                                                | high             |
| segment    | customer segment                                               | enterprise       |
| tag        | ticket tag                                                     | refund           |
| theme      | theme name                                                     | slow first reply |
| sentiment  | positive, neutral or negative (the comment's tone)             | negative         |
| mismatch   | 1: only answers whose tone contradicts their score             | 1                |
| language   | the comment's language (ISO 639-1)                             | fr               |
| q          | free text, matched in the comment                              | refund           |
| after      | keyset cursor of the next page (opaque)                        |                  |
"""

from __future__ import annotations

from urllib.parse import urlencode

FEED_FILTERS = (
    "survey",
    "from",
    "to",
    "score_min",
    "score_max",
    "agent",
    "team",
    "channel",
    "priority",
    "segment",
    "tag",
    "theme",
    "sentiment",
    "mismatch",
    "language",
    "q",
)


def feed_url(workspace_id: int, **filters) -> str:
    """The feed filtered by `filters` (names from FEED_FILTERS; `from` may be passed as `from_`).
    Empty values are left out, so a link carries only the filters that narrow it."""
    if "from_" in filters:
        filters["from"] = filters.pop("from_")
    unknown = set(filters) - set(FEED_FILTERS)
    if unknown:
        raise ValueError(f"not a feed filter: {', '.join(sorted(unknown))}")
    query = urlencode([(name, filters[name]) for name in FEED_FILTERS if filters.get(name) not in (None, "")])
    return f"/w/{workspace_id}/responses" + (f"?{query}" if query else "")
