"""Fuzzing on PostgreSQL: every keyed operation (schemathesis, from the app's OpenAPI document) and
every public surface (property-based bodies) answers below 500, and a refused request (>= 400)
changes no row of its workspace.

Public surfaces: the survey page form, unsubscribe, the widget's answer and view, the signed
embed, and each provider's webhook door, signed correctly so the bodies reach the parsers.

Bounded for `make test` (AFTERWORD_FUZZ_EXAMPLES unset: a few derandomized examples per surface);
`make fuzz` runs hundreds, random. Each test prints how many requests it sent and how many 5xx.
Celery messages go to a parked queue for the duration (dropped afterwards with the workspace), so
the real worker cannot change a workspace's rows between a request and the check that follows it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid

import pytest
import schemathesis
from hypothesis import example, given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.extensions import db
from app.integrations import get_provider
from app.models import Annotation, Theme, Workspace
from app.services.integrations import create_integration
from app.services.invites.embeds import embed_secret
from app.services.suppressions import suppress
from tests.support.api import answer, signed_headers
from tests.support.factories import Factory
from tests.support.fuzz import (
    EXAMPLES,
    KEYED_EXAMPLES,
    RAW_BODIES,
    Tally,
    form_body,
    fuzz_settings,
    hostile_text,
    invite_like,
    json_values,
    mutated,
    odd_text,
    path_segment,
    raw_json,
    workspace_rows,
)
from tests.support.helpdesks import (
    fixture,
    front_headers,
    helpscout_headers,
    intercom_headers,
    render_template,
    secret_header,
    zendesk_headers,
)

pytestmark = [
    pytest.mark.integration,
    # Hypothesis warns when an example's repr is large; here large is the point.
    pytest.mark.filterwarnings("ignore:Generating overly large repr"),
]

TALLY = Tally()
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    print(f"\nfuzz on PostgreSQL, {KEYED_EXAMPLES} examples per keyed operation, {EXAMPLES} per public surface:")
    print(TALLY.report())


@pytest.fixture
def parked(pg_app):
    """Celery messages go to a queue no worker reads, and are dropped at the end."""
    celery = pg_app.extensions["celery"]
    real = celery.conf.task_default_queue
    parking = f"{real}-fuzz-parked"
    celery.conf.task_default_queue = parking
    try:
        yield
    finally:
        pg_app.extensions["delivery_publisher"].flush()
        time.sleep(0.3)  # a batch the publisher thread took just before the flush is out by now
        celery.conf.task_default_queue = real
        with celery.connection_for_write() as connection:
            connection.default_channel.queue_delete(parking)


class World:
    """One workspace with one of everything; deleted (with every row under it) afterwards."""

    def __init__(self, app):
        make = Factory()
        self.workspace = make.workspace(f"Fuzz {uuid.uuid4().hex[:8]}")
        self.id = self.workspace.id
        self.auth = {"Authorization": f"Bearer {self.workspace.key}"}
        self.survey = make.survey(self.workspace, "csat")
        response = answer(make, self.survey, 4, "Slow refund but a kind agent", channel="email", agent_id="a1")
        self.tokens = [make.invite(self.survey).token for _ in range(3)]
        theme = Theme(workspace_id=self.id, key="refunds", label="Refunds", source="custom", keywords=["x"])
        note = Annotation(workspace_id=self.id, label="Fuzz", day=response.answered_at.date())
        db.session.add_all([theme, note])
        db.session.commit()
        suppress(self.id, "gone@example.com", "manual")
        self.hooks = {}
        for provider in ("generic", "zendesk", "freshdesk", "helpscout", "intercom", "front", "gorgias"):
            integration, view = create_integration(self.id, {"provider": provider, "survey_id": self.survey.id})
            self.hooks[provider] = (f"/hooks/{integration.id}", integration.secret, view.body_template)
        self.embed_secret = embed_secret(self.workspace.row)
        self.known = {
            "survey_id": self.survey.id,
            "invite_id": response.invite_id,
            "integration_id": integration.id,
            "theme_id": theme.id,
            "annotation_id": note.id,
            "token": self.tokens[0],
            "email": "gone@example.com",
        }
        self.client = app.test_client()

    def send(self, surface: str, method: str, path: str, **kwargs):
        """One request: never a 5xx, and a refusal leaves every row of the workspace as it was."""
        before = workspace_rows(self.id)
        response = self.client.open(path, method=method, **kwargs)
        check(self, surface, f"{method} {path[:120]}", before, response)
        return response

    def delete(self) -> None:
        db.session.rollback()
        db.session.delete(db.session.get(Workspace, self.id))
        db.session.commit()


def check(world: World, surface: str, what: str, before: dict, response) -> None:
    status = response.status_code
    TALLY.record(surface, status)
    assert status < 500, (what, status, response.get_data()[:1000])
    if status >= 400:
        after = workspace_rows(world.id)
        assert after == before, (what, status, {k: (before[k], after[k]) for k in before if before[k] != after[k]})


@pytest.fixture
def world(pg_app, parked):
    world = World(pg_app)
    yield world
    world.delete()


# -- every keyed operation ----------------------------------------------------------------------


def test_every_keyed_operation_answers_below_500_and_a_refusal_changes_nothing(pg_app, world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", pg_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    keyed = [op for op in operations if op.definition.raw.get("security")]
    # Deletes last, so the seeded rows are there for every other operation.
    keyed.sort(key=lambda operation: operation.method.upper() == "DELETE")
    for operation in keyed:
        names = {p.name for p in operation.path_parameters}
        known = {name: value for name, value in world.known.items() if name in names}
        pinned = {"survey_id": world.survey.id} if any(p.name == "survey_id" for p in operation.query) else None
        strategy = operation.as_strategy()
        if known or pinned:
            strategy = st.one_of(operation.as_strategy(path_parameters=known, query=pinned), strategy)

        @fuzz_settings(KEYED_EXAMPLES)
        @given(case=strategy)
        def call(case):
            before = workspace_rows(world.id)
            response = case.call(headers=world.auth)
            check(world, "keyed operations (schemathesis)", case.operation.label, before, response)
            case.validate_response(response, checks=CHECKS)

        call()
    assert len(keyed) >= 30


# -- the survey page form -------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FORM = "application/x-www-form-urlencoded"
FIELD = st.one_of(hostile_text(), st.binary(max_size=40))


def test_survey_page_form(world):
    page = world.client.get(f"/s/{world.tokens[0]}")
    [csrf_token] = CSRF.findall(page.get_data(as_text=True))

    @fuzz_settings()
    @given(
        token=st.sampled_from(world.tokens),
        score=st.one_of(st.integers(-3, 8).map(str), st.sampled_from(["", " 5", "05", "5.0", "1e3", "٥"]), FIELD),
        comment=st.one_of(st.none(), FIELD),
        csrf=st.one_of(st.just(csrf_token), st.just(csrf_token), st.none(), FIELD),
        extra=st.lists(st.tuples(FIELD, FIELD), max_size=2),
        lang=st.one_of(st.none(), hostile_text(10)),
        content_type=st.sampled_from([FORM, FORM, FORM, "text/plain", "application/json", None]),
    )
    @example(world.tokens[0], "5", "Fine, thanks \U0001f600", csrf_token, [], None, FORM)  # answered: 200
    @example(world.tokens[0], "4", "a\x00b", csrf_token, [], "fr", FORM)
    @example(world.tokens[0], "4", "x\ud800y", csrf_token, [], None, FORM)
    @example(world.tokens[0], "4", b"\xff\xfe\xed\xa0\x80", csrf_token, [], None, FORM)
    @example(world.tokens[0], "4", "\u00e9" * 60_000, csrf_token, [], None, FORM)
    @example(world.tokens[1], "99999999999999999999", None, csrf_token, [], None, FORM)
    @example(world.tokens[1], "\x00", None, csrf_token, [("score", "3")], None, FORM)
    @example(world.tokens[1], "3", None, None, [], None, FORM)  # no CSRF token: 400
    def post(token, score, comment, csrf, extra, lang, content_type):
        fields = [("score", score)] + ([("comment", comment)] if comment is not None else [])
        fields += [("csrf_token", csrf)] if csrf is not None else []
        query = f"?lang={path_segment(lang)}" if lang is not None else ""
        body = form_body(fields + extra)
        world.send("POST /s/{token}", "POST", f"/s/{token}{query}", data=body, content_type=content_type)

    post()


# -- unsubscribe ----------------------------------------------------------------------------------

TOKENS = st.one_of(
    hostile_text(80),
    st.binary(max_size=80),
    st.sampled_from(["%00", "\x00", "a" * 64, "a" * 65, "x" * 5000, ".", "..", "%2e"]),
)


def test_unsubscribe(world):
    @fuzz_settings()
    @given(
        token=st.one_of(TOKENS, st.sampled_from(world.tokens[1:])),
        method=st.sampled_from(["GET", "POST"]),
        fields=st.lists(st.tuples(st.one_of(st.just("List-Unsubscribe"), FIELD), FIELD), max_size=3),
        content_type=st.sampled_from([FORM, FORM, "multipart/form-data", "application/json", None]),
    )
    # A real token with a body over the size limit: once suppressed the address before refusing (413).
    @example(world.tokens[1], "POST", [("List-Unsubscribe", "One-Click"), ("x", "a" * 300_000)], FORM)
    @example(world.tokens[2], "POST", [("List-Unsubscribe", "One-Click\x00")], FORM)
    def call(token, method, fields, content_type):
        path = f"/u/{path_segment(token)}"
        if method == "GET":
            world.send("GET /u/{token}", "GET", path)
        else:
            world.send("POST /u/{token}", "POST", path, data=form_body(fields), content_type=content_type)

    call()


# -- the widget -----------------------------------------------------------------------------------


def answer_bodies() -> st.SearchStrategy[bytes]:
    score = st.one_of(st.integers(-2, 8), json_values(4))
    comment = st.one_of(hostile_text(), json_values(4))
    shaped = st.fixed_dictionaries({}, optional={"score": score, "comment": comment, "extra": json_values(3)})
    # Mostly right, so the recording path is reached too: a score in range, an odd but valid comment.
    plausible = st.fixed_dictionaries({"score": st.integers(1, 5)}, optional={"comment": st.none() | odd_text(0, 300)})
    plausible = plausible.map(raw_json)
    return st.one_of(plausible, plausible, shaped.map(raw_json), json_values().map(raw_json), RAW_BODIES)


def test_widget_answer_and_view(world):
    @fuzz_settings()
    @given(
        token=st.sampled_from([*world.tokens, None]).flatmap(
            lambda token: st.just(token) if token else TOKENS.map(path_segment)
        ),
        body=answer_bodies(),
        content_type=st.sampled_from(["application/json", "application/json", "text/plain", FORM, None]),
        locale=st.one_of(st.none(), hostile_text(20)),
    )
    @example(world.tokens[2], b'{"score": 5, "comment": "Quick and kind"}', "application/json", "pt-BR")  # 201
    @example(world.tokens[2], b'{"score": NaN}', "application/json", None)
    @example(world.tokens[2], b'{"score": 4, "comment": "\\ud800"}', "application/json", "\x00")
    @example(world.tokens[2], b'{"score": 4, "comment": "\\u0000"}', "application/json", None)
    @example(world.tokens[2], b'{"score": ' + b"9" * 5000 + b"}", "application/json", None)
    @example(world.tokens[2], b"[" * 100_000 + b"]" * 100_000, "application/json", None)
    @example(world.tokens[2], b'{"score": "5", "comment": ["x"]}', "application/json", None)
    @example("%00", b'{"score": 5}', "application/json", None)
    def call(token, body, content_type, locale):
        world.send(
            "POST /api/v1/public/invites/{token}/response",
            "POST",
            f"/api/v1/public/invites/{token}/response",
            data=body,
            content_type=content_type,
        )
        query = f"?locale={path_segment(locale)}" if locale is not None else ""
        world.send("GET /api/v1/public/invites/{token}", "GET", f"/api/v1/public/invites/{token}{query}")

    call()


# -- the signed embed -----------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_raw(secret: str, payload: bytes) -> str:
    """What a host's server sends, over any bytes (so hostile JSON can carry a valid signature)."""
    text = b64(payload)
    return f"{text}.{b64(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest())}"


def test_signed_embed(world):
    base = {
        "survey_id": world.survey.id,
        "customer": {"email": "ada@example.com", "name": "Ada", "locale": "fr"},
        "ticket": {"id": "T-1", "channel": "chat", "agent": {"id": "a1", "name": "Sam"}},
    }
    exp = st.one_of(
        st.integers(-5, 40 * 86400).map(lambda ahead: int(time.time()) + ahead), json_values(2), st.just(None)
    )
    soon = st.integers(60, 29 * 86400).map(lambda ahead: int(time.time()) + ahead)
    payloads = st.one_of(
        st.builds(lambda doc, e: raw_json({**doc, "exp": e} if isinstance(doc, dict) else doc), mutated(base), exp),
        st.builds(lambda e: raw_json({**base, "exp": e}), exp),
        json_values().map(raw_json),
        RAW_BODIES,
    )
    secrets = st.sampled_from([world.embed_secret, world.embed_secret, world.embed_secret, "awe_" + "x" * 43])
    signed = st.one_of(
        st.builds(sign_raw, secrets, payloads),
        st.builds(lambda a, b: f"{b64(a)}.{b64(b)}", st.binary(max_size=300), st.binary(max_size=40)),
        hostile_text(),
        json_values(3),
    )
    locales = st.one_of(st.none(), st.sampled_from(["fr", "pt_BR", "xx"]), hostile_text(12), json_values(2))
    # Correctly signed, the right shape, odd but valid values: reaches the invite rules and the database.
    plausible = st.builds(
        lambda doc, e: sign_raw(world.embed_secret, raw_json({**doc, "survey_id": world.survey.id, "exp": e})),
        invite_like(),
        soon,
    )
    body = st.one_of(
        *[
            st.builds(
                lambda s, locale: raw_json({"signed": s} | ({} if locale is None else {"locale": locale})),
                strategy,
                locales,
            )
            for strategy in (plausible, plausible, signed)
        ],
        json_values().map(raw_json),
        RAW_BODIES,
    )

    def hostile(customer: dict, ticket: dict | None = None, **extra) -> bytes:
        payload = {**base, "customer": customer, "ticket": ticket or base["ticket"], "exp": int(time.time()) + 600}
        return raw_json({"signed": sign_raw(world.embed_secret, raw_json({**payload, **extra}))})

    @fuzz_settings()
    @given(body=body, content_type=st.sampled_from(["application/json", "application/json", "text/plain", None]))
    @example(hostile({"email": "ada@example.com", "name": "Ada \U0001f600"}), "application/json")  # shown: 200
    @example(hostile({"email": "ada@example.com", "name": "A\x00da"}), "application/json")
    @example(hostile({"email": "ada@example.com", "name": "\ud800"}), "application/json")
    @example(hostile({"email": "ada\x00@example.com"}), "application/json")
    @example(hostile({"email": "b@example.com"}, {"id": "T-\udfff"}), "application/json")
    @example(hostile({"email": "c@example.com"}, {"id": "T-2", "tags": [float("nan")]}), "application/json")
    @example(hostile({"email": "d@example.com"}, {"id": 10**30}), "application/json")
    @example(hostile({"email": "e@example.com"}, survey_id=2**31), "application/json")
    @example(raw_json({"signed": sign_raw(world.embed_secret, b'{"survey_id": 1e999}')}), "application/json")
    def call(body, content_type):
        world.send("POST /api/v1/public/embed", "POST", "/api/v1/public/embed", data=body, content_type=content_type)

    call()


# -- each provider's webhook door -----------------------------------------------------------------

FIXTURES = {
    "generic": [
        json.dumps(
            {
                "customer": {"email": "grace@example.com", "name": "Grace", "locale": "de"},
                "ticket": {"id": "T-42", "channel": "email", "agent": {"id": "a7", "name": "Sam"}},
            }
        ).encode()
    ],
    "zendesk": [
        fixture("zendesk", name)
        for name in (
            "event_status_changed_solved.json",
            "event_status_changed_reopened.json",
            "event_priority_changed.json",
            "trigger_rendered.json",
        )
    ],
    "freshdesk": [fixture("freshdesk", "ticket_resolved.json")],
    "helpscout": [fixture("helpscout", "convo_status_closed.json")],
    "intercom": [fixture("intercom", "conversation_admin_closed.json")],
    "front": [fixture("front", "archive.json")],
    "gorgias": [fixture("gorgias", "ticket_updated_closed.json")],
}
HEADER_TEXT = st.text(st.characters(max_codepoint=255, exclude_characters="\r\n"), max_size=40)


def signer(provider: str, secret: str):
    """Headers that verify `body` for `provider`, some of them with fuzzed unsigned extras."""
    if provider == "generic":
        ids = st.one_of(st.uuids().map(str), HEADER_TEXT.filter(lambda t: t.strip()), st.just("m" * 300))
        return st.builds(lambda msg_id: lambda body: signed_headers(secret, body, msg_id=msg_id), ids)
    if provider == "zendesk":
        ids = st.one_of(st.none(), st.uuids().map(str), HEADER_TEXT.filter(lambda t: t.strip()))
        return st.builds(lambda i: lambda body: zendesk_headers(secret, body, invocation_id=i), ids)
    if provider == "helpscout":
        events = st.one_of(st.sampled_from(["convo.status", "convo.created", "helpscout.test"]), HEADER_TEXT)
        return st.builds(lambda event: lambda body: helpscout_headers(secret, body, event), events)
    if provider == "intercom":
        return st.just(lambda body: intercom_headers(secret, body))
    if provider == "front":
        challenges = st.one_of(st.none(), HEADER_TEXT.filter(lambda t: t.strip()))
        return st.builds(lambda c: lambda body: front_headers(secret, body, c), challenges)
    return st.just(lambda body: secret_header(secret))  # freshdesk, gorgias


@pytest.mark.parametrize("provider", list(FIXTURES))
def test_webhook_door(world, provider):
    get_provider(provider)  # every provider the app knows is fuzzed here
    path, secret, template = world.hooks[provider]
    documents = [json.loads(body) for body in FIXTURES[provider]]
    bodies = [
        st.sampled_from(documents).flatmap(mutated).map(raw_json),
        st.sampled_from(FIXTURES[provider]),
        json_values().map(raw_json),
        RAW_BODIES,
    ]
    if provider == "generic":  # our own shape: plausible invites with odd values, as well as broken ones
        bodies.append(invite_like().map(raw_json))
    if template:
        names = sorted(set(re.findall(r"\{\{\s*(.+?)\s*\}\}", template)))
        values = st.fixed_dictionaries({}, optional={name: hostile_text(40) for name in names})
        bodies.append(values.map(lambda v: render_template(template, v)))

    @fuzz_settings()
    @given(body=st.one_of(bodies), sign=signer(provider, secret))
    def call(body, sign):
        world.send(f"POST /hooks/{{id}} {provider}", "POST", path, data=body, headers=sign(body))

    call()
