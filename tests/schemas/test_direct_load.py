"""load_direct must be Schema.load exactly: the same dict (keys in the same order, so the stored
payload's JSON is the same text) for a body that passes, and load's own error for one that does
not."""

from __future__ import annotations

import json

import pytest
from marshmallow import ValidationError

from app.schemas.direct_load import _load, load_direct
from app.schemas.invite import HookInviteSchema, InviteInSchema, hook_invite_schema

FULL = {
    "survey_id": 3,
    "customer": {"email": "ada@example.com", "name": "Ada", "id": "c-1", "segment": "vip", "locale": "pt-BR"},
    "ticket": {
        "id": "T-1",
        "subject": "Refund",
        "channel": "email",
        "priority": "high",
        "tags": ["billing", "refund"],
        "agent": {"id": "7", "name": "Sam", "email": "sam@example.com", "photo_url": "https://x.example/sam.png"},
        "team": "Tier 1",
        "created_at": "2026-11-20T09:00:00+02:00",
        "first_response_at": 1763629200,
        "solved_at": "2026-11-21T09:00:00",
        "reopens": 0,
        "handle_seconds": 360,
    },
    "delivery": "widget",
}

VALID = [
    {"customer": {"email": "c1@example.com", "name": "Customer 1"}, "ticket": {"id": "T-1"}},
    {"customer": {"email": "c1@example.com"}, "ticket": {"id": "T-1", "agent": None, "tags": []}},
    {"customer": {"email": "c1@example.com", "name": None}, "ticket": {"id": "T-1", "solved_at": None}},
    FULL,
]

INVALID = [
    {},
    {"customer": {"email": "c1@example.com"}},
    {"customer": {"email": "not an address"}, "ticket": {"id": "T-1"}},
    {"customer": {"email": "c1@example.com"}, "ticket": {"id": "T-1"}, "extra": 1},
    {"customer": {"email": "c1@example.com", "phone": "1"}, "ticket": {"id": "T-1"}},
    {"customer": {"email": "c1@example.com"}, "ticket": {"id": "T-1", "agent": {"nick": "x"}}},
    {"customer": {"email": "c1@example.com"}, "ticket": {"id": "x" * 201}},
    {"customer": {"email": "c1@example.com"}, "ticket": {"id": "T-1", "tags": ["a"] * 101}},
    {"customer": {"email": "c1@example.com"}, "ticket": {"id": "T-1", "reopens": "2"}},
    {"customer": {"email": "c1@example.com"}, "ticket": {"id": "T-1", "solved_at": "yesterday"}},
    {"customer": {"email": "c1@example.com"}, "ticket": {"id": "T-1", "agent": {"photo_url": "http://x.example"}}},
    {"customer": "c1@example.com", "ticket": {"id": "T-1"}},
    {"customer": {"email": "c1@example.com", "name": "a\x00b"}, "ticket": {"id": "T-1"}},
    {"customer": {"email": "c1@example.com"}, "ticket": {"id": "T-1", "tags": ["\ud800"]}},
    {"customer": {"email": "c1@example.com"}, "ticket": {"id": "T-1"}, "survey_id": 0},
    {"customer": {"email": "c1@example.com"}, "ticket": {"id": "T-1"}, "delivery": "pigeon"},
    [],
    None,
]


@pytest.mark.parametrize("body", VALID)
@pytest.mark.parametrize("schema", [hook_invite_schema(), InviteInSchema()])
def test_a_body_that_passes_loads_to_the_same_dict(schema, body):
    if isinstance(schema, InviteInSchema) and not isinstance(schema, HookInviteSchema):
        body = {"survey_id": 1, **body}
    expected = schema.load(body)
    loaded = load_direct(schema, body)
    assert loaded == expected
    assert json.dumps(loaded, default=str) == json.dumps(expected, default=str)  # same order
    assert _load(schema, body) == expected  # the direct path itself, not load as its fallback


@pytest.mark.parametrize("body", INVALID)
def test_a_body_that_fails_gets_loads_own_error(body):
    schema = hook_invite_schema()
    with pytest.raises(ValidationError) as expected:
        schema.load(body)
    with pytest.raises(ValidationError) as got:
        load_direct(schema, body)
    assert got.value.messages == expected.value.messages
