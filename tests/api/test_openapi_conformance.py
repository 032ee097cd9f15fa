"""The app against its own OpenAPI document: every operation, called with generated data, answers
with a documented status, content type and schema, and never with a 5xx.

Bounded for CI (a few examples per operation, reproducible); AFTERWORD_FUZZ_EXAMPLES=200 runs
longer and random.
"""

from __future__ import annotations

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.extensions import db
from app.models import Theme
from app.services.suppressions import suppress
from tests.support.api import answer

FUZZ = os.environ.get("AFTERWORD_FUZZ_EXAMPLES")
EXAMPLES = int(FUZZ or 4)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def seeded(make, workspace) -> dict:
    """One of everything, so the generated calls also reach rows that exist."""
    survey = make.survey(workspace, "csat")
    response = answer(make, survey, 4, "Slow refund but a kind agent", channel="email", agent_id="a1")
    invite = make.invite(survey)
    integration = make.integration(survey)
    theme = Theme(workspace_id=workspace.id, key="refunds", label="Refunds", source="custom", keywords=["refund"])
    db.session.add(theme)
    db.session.commit()
    suppress(workspace.id, "gone@example.com", "manual")
    return {
        "survey_id": survey.id,
        "invite_id": response.invite_id,
        "integration_id": integration.id,
        "theme_id": theme.id,
        "token": invite.token,
        "email": "gone@example.com",
    }


def test_every_operation_answers_as_documented(app, auth, seeded):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Deletes last, so the seeded rows are there for every other operation.
    operations.sort(key=lambda operation: operation.method.upper() == "DELETE")
    calls: list[tuple[str, int]] = []
    started = time.monotonic()
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        known = {name: value for name, value in seeded.items() if name in names}
        pinned = {"survey_id": seeded["survey_id"]} if any(p.name == "survey_id" for p in operation.query) else None
        strategy = operation.as_strategy()
        if known or pinned:
            strategy = st.one_of(operation.as_strategy(path_parameters=known, query=pinned), strategy)

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=FUZZ is None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def call(case):
            response = case.call(headers=auth)
            calls.append((case.operation.label, response.status_code))
            case.validate_response(response, checks=CHECKS)

        call()
    answered = {label for label, status in calls if status < 400}
    print(f"\n{len(calls)} requests, {len(operations)} operations, {len(answered)} answered 2xx/3xx at least once,")
    print(
        f"in {time.monotonic() - started:.1f} s; never answered: {sorted({op.label for op in operations} - answered)}"
    )
    assert len(operations) >= 40


def test_every_route_is_documented_with_its_answers(app, client):
    """A new view without declarations fails here: every rule has an operation with a declared answer."""
    paths = client.get("/api/v1/openapi.json").json["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<{argument}>", f"{{{argument}}}")
            for converter in ("id", "int", "path", "string"):
                path = path.replace(f"<{converter}:{argument}>", f"{{{argument}}}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = paths.get(path, {}).get(method.lower())
            declared = [status for status in (operation or {}).get("responses", {}) if status != "4XX"]
            if not declared:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, missing


def test_documented_answers_carry_schemas_or_their_content_type(client):
    doc = client.get("/api/v1/openapi.json").json
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            assert operation["summary"] and operation["operationId"], (method, path)
            for status, reply in operation["responses"].items():
                if status in ("204", "304"):
                    assert "content" not in reply, (method, path, status)
                    continue
                assert reply.get("content"), (method, path, status)
                for media_type, body in reply["content"].items():
                    assert body.get("schema"), (method, path, status, media_type)
    keyed = doc["paths"]["/api/v1/surveys/{survey_id}"]["get"]
    assert keyed["parameters"][0]["schema"] == {"type": "integer", "minimum": 1, "maximum": 2147483647}
    assert keyed["security"] == [{"bearer": []}]
    assert "security" not in doc["paths"]["/api/v1/public/invites/{token}"]["get"]
    assert set(doc["paths"]["/s/{token}"]["get"]["responses"]["200"]["content"]) == {"text/html"}
    assert set(doc["paths"]["/api/v1/export/responses.csv"]["get"]["responses"]["200"]["content"]) == {"text/csv"}
    page = doc["components"]["schemas"]["ResponsePage"]["properties"]
    assert set(page) == {"items", "next_cursor"}
    assert {"thresholds", "targets", "sla"} <= set(doc["components"]["schemas"]["WorkspaceOut"]["properties"])
