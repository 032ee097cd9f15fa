"""Fuzzing helpers: hostile values, JSON written raw, a workspace's rows, and a tally per surface.

Shared by the property-based tests; nothing here knows a route. Values are what a client can put
on the wire (lone surrogates as \\ud800 escapes or as CESU-8 bytes, NUL, NaN, huge numbers, deep
nesting), not what a well-behaved encoder would produce.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import quote_from_bytes

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from sqlalchemy import func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from app.extensions import db
from app.models import (
    Annotation,
    Integration,
    Invite,
    InviteEvent,
    Response,
    Suppression,
    Survey,
    Theme,
    WebhookDelivery,
    WorkspaceSettings,
)

FUZZ = os.environ.get("AFTERWORD_FUZZ_EXAMPLES")
# Small and derandomized by default, so `make test` stays quick and CI runs the same examples
# every time; AFTERWORD_FUZZ_EXAMPLES=300 (`make fuzz`) runs longer and random. Per public
# surface, and per keyed operation (about 30 of them, each example slower to generate).
EXAMPLES = int(FUZZ or 30)
KEYED_EXAMPLES = int(FUZZ or 6)


def fuzz_settings(examples: int = EXAMPLES) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=FUZZ is None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


# -- hostile values ---------------------------------------------------------------------------

ODD = [
    "",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\ufeff",
    "\u202e",
    "\u200b",
    "\U0001f600",
    "e\u0301",
    "\uffff",
    "\r\n",
    "%00",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{7*7}}",
    "../../etc/passwd",
    "NaN",
    "-0",
    "1e309",
    "9" * 40,
]

# Every code point, surrogates and NUL included (`exclude_categories=()` lifts hypothesis' default
# of leaving out surrogates).
ANY_CHAR = st.characters(exclude_categories=())


def hostile_text(max_size: int = 60) -> st.SearchStrategy[str]:
    """Short odd strings, any code points, and now and then a huge one."""
    return st.one_of(
        st.sampled_from(ODD),
        st.text(ANY_CHAR, max_size=max_size),
        st.text(st.sampled_from("\x00\ud800\udc00 a9-_.@"), max_size=max_size),
        st.builds(lambda c, n: c * n, st.sampled_from(["a", "\x00", "é", "\U0001f600"]), st.integers(2_000, 70_000)),
    )


# Text a validator should accept however odd: any code point but NUL and lone surrogates.
def odd_text(min_size: int = 0, max_size: int = 60) -> st.SearchStrategy[str]:
    return st.text(
        st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=min_size, max_size=max_size
    )


UTC_OFFSETS = st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59))
# Times a parser must place (year 1 and 9999 with the farthest offsets included) or refuse.
TIMES = st.one_of(
    st.builds(
        lambda moment, offset: moment.replace(tzinfo=timezone(offset)).isoformat(),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
        UTC_OFFSETS,
    ),
    st.sampled_from(
        [
            "0001-01-01T00:00:00+14:00",
            "0001-01-01T00:00:00+23:59",
            "9999-12-31T23:59:59-23:59",
            "9999-12-31T23:59:59.999999-14:00",
            "2024-02-30T00:00:00Z",
            "2024-01-01T00:00:00",
            "2024-01-01",
            "1e9",
            "",
        ]
    ),
    st.integers().map(str),
)
EMAILS = st.one_of(
    st.emails(), st.sampled_from(["ada@example.com", "ADA@Example.COM", "a@b.co", "o'brien+x@ex-ample.io"])
)


def invite_like() -> st.SearchStrategy[dict]:
    """{customer, ticket} as a trigger sends it: the right shape, odd but valid values (hostile ones come
    from `mutated`), so the invite rules and the database are reached, not only the validators."""

    def maybe(strategy):
        return st.one_of(strategy, st.none())

    agent = st.fixed_dictionaries(
        {}, optional={"id": maybe(odd_text(0, 200)), "name": maybe(odd_text()), "email": maybe(EMAILS)}
    )
    customer = st.fixed_dictionaries(
        {"email": EMAILS},
        optional={
            "name": maybe(odd_text(0, 200)),
            "id": maybe(odd_text(0, 200)),
            "segment": maybe(odd_text(0, 100)),
            "locale": maybe(st.from_regex(r"[A-Za-z]{2}([-_][A-Za-z]{2})?", fullmatch=True)),
        },
    )
    ticket = st.fixed_dictionaries(
        {"id": odd_text(1, 200)},
        optional={
            "channel": maybe(odd_text(0, 50)),
            "priority": maybe(odd_text(0, 50)),
            "tags": st.lists(odd_text(0, 100), max_size=5),
            "agent": maybe(agent),
            "team": maybe(odd_text(0, 200)),
            "created_at": maybe(TIMES),
            "first_response_at": maybe(TIMES),
            "solved_at": maybe(TIMES),
            "reopens": maybe(st.integers(0, 10_000)),
            "handle_seconds": maybe(st.integers(0, 2**31 - 1)),
        },
    )
    return st.fixed_dictionaries({"customer": customer, "ticket": ticket})


HUGE_INTS = st.one_of(
    st.integers(),
    st.sampled_from([2**31 - 1, 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 2**64, 10**100, -(10**400)]),
)
FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e308, 5e-324]),
)
SCALARS = st.one_of(st.none(), st.booleans(), HUGE_INTS, FLOATS, hostile_text(30))


def json_values(max_leaves: int = 12) -> st.SearchStrategy:
    """Any JSON value, NaN and Infinity included (written raw by `raw_json`)."""
    return st.recursive(
        SCALARS,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(hostile_text(12), inner, max_size=4)),
        max_leaves=max_leaves,
    )


def raw_json(value) -> bytes:
    """JSON as a hostile client writes it: NaN/Infinity bare, lone surrogates as \\udXXX escapes."""
    return json.dumps(value, allow_nan=True, ensure_ascii=True).encode()


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# Bodies no encoder writes: broken framing, deep nesting, numbers no float holds, bad UTF-8.
RAW_BODIES = st.one_of(
    st.sampled_from(
        [
            b"",
            b"null",
            b"{",
            b'{"a":}',
            b"\x00",
            b"\xff\xfe{}",
            b'{"score": 1e999999}',
            b'{"score": ' + b"9" * 5000 + b"}",
            b'{"score": -' + b"1" * 5000 + b"}",
            b'{"comment": "\xed\xa0\x80"}',
            b'{"comment": "\\ud800"}',
            b'{"comment": "\\u0000"}',
            b'{"score": NaN}',
            b'{"score": Infinity, "score": -Infinity}',
            b'{"a": 1, "a": 2}',
            b"\xef\xbb\xbf{}",
            b"[]" * 3,
            deep(100_000),
            b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
        ]
    ),
    st.integers(1, 5000).map(lambda n: deep(n)),
    st.binary(max_size=200),
)


def text_bytes(text: str) -> bytes:
    """What a client can put on the wire for `text`: lone surrogates as their (invalid) UTF-8 bytes."""
    return text.encode("utf-8", "surrogatepass")


def form_body(fields: list[tuple[str | bytes, str | bytes]]) -> bytes:
    """An application/x-www-form-urlencoded body, any bytes allowed in the values."""
    parts = []
    for name, value in fields:
        raw = value if isinstance(value, bytes) else text_bytes(value)
        key = name if isinstance(name, bytes) else text_bytes(name)
        parts.append(quote_from_bytes(key, safe="") + "=" + quote_from_bytes(raw, safe=""))
    return "&".join(parts).encode()


def path_segment(text: str | bytes) -> str:
    """One path segment, every byte percent-encoded (so `/`, `%00` and bad UTF-8 all reach the app)."""
    return quote_from_bytes(text if isinstance(text, bytes) else text_bytes(text), safe="")


def leaves(value, path: tuple = ()) -> list[tuple]:
    """Paths to every scalar in a JSON document."""
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in leaves(item, (*path, key))] or [path]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in leaves(item, (*path, i))] or [path]
    return [path]


def replace(value, path: tuple, new):
    if not path:
        return new
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = replace(value[head], tuple(rest), new)
    return copy


@st.composite
def mutated(draw, document, values: st.SearchStrategy | None = None):
    """`document` with a few of its leaves (or whole branches) replaced by hostile values."""
    values = values or json_values(6)
    paths = leaves(document)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(paths))
        path = path[: draw(st.integers(0, len(path)))] if draw(st.integers(0, 4)) == 0 else path
        document = replace(document, path, draw(values))
        paths = leaves(document)
    return document


# -- a workspace's rows -----------------------------------------------------------------------


def workspace_rows(workspace_id: int) -> dict[str, object]:
    """Every row count of one workspace (and a digest of its answers and invites), in one query.

    Compared before and after each refused request. Scoped to the workspace because the
    PostgreSQL database is shared by every integration test of the session.
    """
    db.session.rollback()
    integrations = select(Integration.id).where(Integration.workspace_id == workspace_id)
    invites = select(Invite.id).where(Invite.workspace_id == workspace_id)

    def count(model, where) -> object:
        return select(func.count()).select_from(model).where(where).scalar_subquery()

    def digest(model, *columns) -> object:
        row = func.concat_ws(literal_column("'|'"), model.id, *columns)
        text = func.array_to_string(func.array_agg(aggregate_order_by(row, model.id)), literal_column("','"))
        return select(func.md5(func.coalesce(text, ""))).where(model.workspace_id == workspace_id).scalar_subquery()

    columns = {
        "surveys": count(Survey, Survey.workspace_id == workspace_id),
        "integrations": count(Integration, Integration.workspace_id == workspace_id),
        "invites": count(Invite, Invite.workspace_id == workspace_id),
        "invite_events": count(InviteEvent, InviteEvent.invite_id.in_(invites)),
        "responses": count(Response, Response.workspace_id == workspace_id),
        "suppressions": count(Suppression, Suppression.workspace_id == workspace_id),
        "themes": count(Theme, Theme.workspace_id == workspace_id),
        "annotations": count(Annotation, Annotation.workspace_id == workspace_id),
        "webhook_deliveries": count(WebhookDelivery, WebhookDelivery.integration_id.in_(integrations)),
        "workspace_settings": count(WorkspaceSettings, WorkspaceSettings.workspace_id == workspace_id),
        "answers": digest(Response, Response.score, Response.comment),
        "invite_states": digest(Invite, Invite.status),
    }
    row = db.session.execute(select(*(c.label(name) for name, c in columns.items()))).one()
    db.session.rollback()
    return dict(row._mapping)


# -- what was sent ----------------------------------------------------------------------------


@dataclass
class Tally:
    """Requests sent and answers by status, per surface, printed at the end of the run."""

    statuses: dict[str, Counter] = field(default_factory=dict)

    def record(self, surface: str, status: int) -> None:
        self.statuses.setdefault(surface, Counter())[status] += 1

    def report(self) -> str:
        width = max((len(s) for s in self.statuses), default=10)
        lines = [f"{'surface':<{width}}  requests  5xx  answers"]
        total = errors = 0
        for surface, counts in self.statuses.items():
            sent, failed = sum(counts.values()), sum(n for status, n in counts.items() if status >= 500)
            spread = " ".join(f"{status}:{n}" for status, n in sorted(counts.items()))
            lines.append(f"{surface:<{width}}  {sent:>8}  {failed:>3}  {spread}")
            total, errors = total + sent, errors + failed
        lines.append(f"{'total':<{width}}  {total:>8}  {errors:>3}")
        return "\n".join(lines)
