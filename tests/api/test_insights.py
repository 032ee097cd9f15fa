"""The insight endpoints: metrics details, drivers, the event log, settings, exports and import."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Invite, Response
from app.models.rollup_sql import (
    INVITE_TRIGGERS_SQL,
    hourly_rollup_sql,
    invites_updated_sql,
    pair_grains_sql,
    rollup_sql,
)

UTC = UTC
T0 = datetime(2026, 6, 1, tzinfo=UTC)


def answer(make, survey, score, at, polarity=None, comment=None, **ticket):
    invite = make.invite(survey, **ticket)
    invite.created_at = invite.sent_at = invite.answered_at = at
    db.session.add(
        Response(
            workspace_id=survey.workspace_id,
            survey_id=survey.id,
            invite_id=invite.id,
            score=score,
            answered_at=at,
            updated_at=at,
            polarity=polarity,
            comment=comment,
            themes=[],
        )
    )
    db.session.commit()
    return invite


def get(client, auth, path, **params):
    return client.get(path, query_string=params, headers=auth)


# --- /metrics ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, field",
    [
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"tz": "../../etc/passwd"}, "tz"),
        ({"since": "2026-06-02T00:00:00Z", "until": "2026-06-01T00:00:00Z"}, "since"),
        ({"since": "2026-06-01T00:00:00Z", "until": "2026-06-01T00:00:00Z"}, "since"),
        ({"group_by": "moon"}, "group_by"),
        ({"interval": "fortnight"}, "interval"),
        ({"since": "1990-01-01T00:00:00Z", "interval": "day"}, "interval"),
        ({"survey_id": "abc"}, "survey_id"),
        ({"survey_id": 999}, "survey_id"),
        ({"colour": "red"}, "colour"),
        ({"until": "not a date"}, "until"),
    ],
)
def test_bad_metrics_queries_are_422_with_the_field(client, auth, params, field):
    response = get(client, auth, "/api/v1/metrics", **params)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_metrics_change_is_significant_only_when_the_test_says_so(client, auth, make, workspace):
    survey = make.survey(workspace, "csat")
    for i in range(100):  # previous week: 90 % satisfied; this week: 60 %
        answer(make, survey, 5 if i < 90 else 1, T0 - timedelta(days=7) + timedelta(minutes=i))
        answer(make, survey, 5 if i < 60 else 1, T0 + timedelta(minutes=i))
    view = get(
        client,
        auth,
        "/api/v1/metrics",
        survey_id=survey.id,
        since=T0.isoformat(),
        until=(T0 + timedelta(days=7)).isoformat(),
    ).json
    change = view["csat"]["change"]
    assert (change["previous_value"], view["csat"]["value"], change["delta"]) == (90.0, 60.0, -30.0)
    assert change["significant"] is True and change["verdict"] == "down"
    assert change["z"] < -1.96

    few = make.survey(workspace, "nps")
    answer(make, few, 10, T0 - timedelta(days=3))
    answer(make, few, 0, T0 + timedelta(days=1))
    view = get(
        client,
        auth,
        "/api/v1/metrics",
        survey_id=few.id,
        since=T0.isoformat(),
        until=(T0 + timedelta(days=7)).isoformat(),
    ).json
    assert view["nps"]["change"]["significant"] is False
    assert view["nps"]["low_sample"] is True and view["nps"]["n"] == 1
    assert view["nps"]["change"]["verdict"] in ("no significant change", "not enough data")


def test_series_has_empty_periods_and_the_annotations_that_fall_in_them(client, auth, make, workspace):
    survey = make.survey(workspace, "csat")
    answer(make, survey, 5, T0 + timedelta(hours=1))
    for day, label in (("2026-06-03", "Outage"), ("2026-06-09", "Launch"), ("2026-07-30", "Out of range")):
        assert client.post("/api/v1/annotations", json={"date": day, "label": label}, headers=auth).status_code == 201
    view = get(
        client,
        auth,
        "/api/v1/metrics",
        survey_id=survey.id,
        since=T0.isoformat(),
        until=(T0 + timedelta(days=14)).isoformat(),
        interval="week",
    ).json
    assert [p["period"] for p in view["series"]] == ["2026-06-01", "2026-06-08"]
    assert [p["n"] for p in view["series"]] == [1, 0]
    assert view["series"][1]["scores"]["csat"]["value"] is None
    assert [[a["label"] for a in p["annotations"]] for p in view["series"]] == [["Outage"], ["Launch"]]


def test_workspace_thresholds_and_targets_change_the_score(client, auth, make, workspace):
    survey = make.survey(workspace, "csat")
    for score in (5, 4, 4, 2):
        answer(make, survey, score, T0)
    params = {"survey_id": survey.id, "since": T0.isoformat(), "until": (T0 + timedelta(days=1)).isoformat()}
    assert get(client, auth, "/api/v1/metrics", **params).json["csat"]["value"] == 75.0
    patched = client.patch(
        "/api/v1/workspace", json={"thresholds": {"csat": {"good_points": 1}}, "targets": {"csat": 50}}, headers=auth
    )
    assert patched.status_code == 200 and patched.json["targets"]["csat"] == 50
    csat = get(client, auth, "/api/v1/metrics", **params).json["csat"]
    assert csat["value"] == 25.0 and csat["formula"].startswith("CSAT = answers scoring 5-5")
    assert csat["target"] == 50 and csat["meets_target"] is False
    assert csat["band"] == "below 80 % benchmark"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"timezone": "Nowhere/Land"}, "timezone"),
        ({"targets": {"csat": 120}}, "targets"),
        ({"thresholds": {"csat": {"good_points": 0}}}, "thresholds"),
        ({"sla": {"first_response_minutes": -5}}, "sla"),
        ({"plan": "gold"}, "plan"),
    ],
)
def test_bad_workspace_settings_are_422(client, auth, body, field):
    response = client.patch("/api/v1/workspace", json=body, headers=auth)
    assert response.status_code == 422 and field in response.json["error"]["fields"]


def test_groups_and_filters(client, auth, make, workspace):
    survey = make.survey(workspace, "csat")
    answer(make, survey, 5, T0, agent={"id": "7", "name": "Sam"}, channel="email", tags=["vip", "vip", "refund"])
    answer(make, survey, 1, T0, agent={"email": "kim@example.com", "name": "Kim"}, channel="chat", tags=["refund"])
    params = {"survey_id": survey.id, "since": T0.isoformat(), "until": (T0 + timedelta(days=1)).isoformat()}
    by_agent = get(client, auth, "/api/v1/metrics", group_by="agent", **params).json["groups"]
    assert {(g["key"], g["label"], g["n"]) for g in by_agent} == {("7", "Sam", 1), ("kim@example.com", "Kim", 1)}
    by_tag = get(client, auth, "/api/v1/metrics", group_by="tag", **params).json["groups"]
    assert {g["key"]: g["n"] for g in by_tag} == {"refund": 2, "vip": 1}
    chat = get(client, auth, "/api/v1/metrics", channel="chat", tag="refund", **params).json
    assert chat["csat"]["n"] == 1 and chat["csat"]["value"] == 0.0


# --- /drivers ---------------------------------------------------------------------------------


def test_drivers_show_the_score_by_resolution_bucket_and_the_ticket_kpis(client, auth, make, workspace):
    survey = make.survey(workspace, "csat")
    created = T0 - timedelta(days=3)
    for i, (hours, score) in enumerate([(2, 5), (5, 5), (30, 4), (60, 1), (70, 2)]):
        answer(
            make,
            survey,
            score,
            T0,
            channel="email",
            created_at=created,
            first_response_at=created + timedelta(seconds=(20, 15, 30, 600, 7200)[i]),
            solved_at=created + timedelta(hours=hours),
            reopens=1 if i == 4 else 0,
            handle_seconds=300,
        )
    view = get(
        client,
        auth,
        "/api/v1/drivers",
        survey_id=survey.id,
        since=(T0 - timedelta(days=7)).isoformat(),
        until=(T0 + timedelta(days=1)).isoformat(),
    ).json
    ops = view["operations"]
    assert ops["tickets"] == 5
    assert ops["first_response_seconds"]["median"] == 30.0
    assert ops["reopen_rate"]["value"] == 20.0 and ops["fcr"]["value"] == 80.0
    assert ops["sla"]["resolution"]["value"] == 60.0  # 48 h default target: 2, 5 and 30 h meet it
    assert ops["average_handle_seconds"]["value"] == 300.0
    # Durations also in ISO 8601, beside the seconds: a person reads "PT5M", not 300.0.
    assert ops["average_handle_seconds"]["value_iso"] == "PT5M"
    assert ops["first_response_seconds"]["median_iso"] == "PT30S"
    resolution_seconds = ops["resolution_seconds"]  # 2, 5, 30, 60 and 70 hours: mean 33 h 24 min
    assert resolution_seconds["mean"] == 120240.0 and resolution_seconds["mean_iso"] == "PT33H24M"
    resolution = {b["bucket"]: b for b in view["drivers"]["resolution"]}
    assert resolution["< 12 h"]["scores"]["csat"]["value"] == 100.0
    assert resolution["> 48 h"]["scores"]["csat"]["value"] == 0.0 and resolution["> 48 h"]["n"] == 2
    assert resolution["12–48 h"]["n"] == 1
    assert "ci_low" in resolution["> 48 h"]["scores"]["csat"]
    assert resolution["> 48 h"]["scores"]["csat"]["unit"] == "% satisfied"


def test_the_mean_frt_of_seed_001s_worked_example(client, auth, make, workspace):
    survey = make.survey(workspace, "csat")
    for seconds in (20, 15, 30):
        answer(make, survey, 5, T0, created_at=T0, first_response_at=T0 + timedelta(seconds=seconds))
    ops = get(
        client,
        auth,
        "/api/v1/drivers",
        since=(T0 - timedelta(days=1)).isoformat(),
        until=(T0 + timedelta(days=1)).isoformat(),
    ).json["operations"]
    assert ops["first_response_seconds"]["mean"] == 21.67


def test_drivers_refuse_series_parameters(client, auth):
    response = get(client, auth, "/api/v1/drivers", interval="week")
    assert response.status_code == 422 and "interval" in response.json["error"]["fields"]


# --- /annotations -----------------------------------------------------------------------------


def test_annotations_are_tenant_isolated(client, auth, make):
    created = client.post(
        "/api/v1/annotations", json={"date": "2026-06-03", "label": "Outage", "note": "EU"}, headers=auth
    )
    assert created.status_code == 201
    other = make.workspace("Other")
    other_auth = {"Authorization": f"Bearer {other.key}"}
    assert client.get("/api/v1/annotations", headers=other_auth).json["items"] == []
    assert client.delete(f"/api/v1/annotations/{created.json['id']}", headers=other_auth).status_code == 404
    listed = client.get(
        "/api/v1/annotations", query_string={"since": "2026-06-01", "until": "2026-06-04"}, headers=auth
    ).json["items"]
    assert [(a["date"], a["label"], a["note"]) for a in listed] == [("2026-06-03", "Outage", "EU")]
    assert client.delete(f"/api/v1/annotations/{created.json['id']}", headers=auth).status_code == 204
    assert client.get("/api/v1/annotations", headers=auth).json["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"label": "x"},
        {"date": "June 3rd", "label": "x"},
        {"date": "2026-06-03"},
        {"date": "2026-06-03", "label": ""},
        {"date": "2026-06-03", "label": "x", "y": 1},
    ],
)
def test_bad_annotations_are_422(client, auth, body):
    response = client.post("/api/v1/annotations", json=body, headers=auth)
    assert response.status_code == 422 and response.json["error"]["fields"]


# --- exports ----------------------------------------------------------------------------------


def test_responses_csv_streams_filtered_rows_and_neutralises_formulas(client, auth, make, workspace):
    survey = make.survey(workspace, "csat")
    answer(
        make,
        survey,
        1,
        T0,
        comment='=HYPERLINK("http://evil")',
        polarity=-0.5,
        channel="email",
        agent={"name": "@Sam"},
        tags=["a", "b"],
        created_at=T0,
        solved_at=T0 + timedelta(hours=2),
    )
    answer(make, survey, 5, T0 + timedelta(hours=1), comment="Great", channel="chat")
    response = get(client, auth, "/api/v1/export/responses.csv", channel="email")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    row = rows[0]
    assert row["comment"] == '\'=HYPERLINK("http://evil")' and row["agent_name"] == "'@Sam"
    assert row["score"] == "1" and row["polarity"] == "-0.5" and row["tags"] == "a;b"
    assert row["resolution_seconds"] == "7200.0"
    bad = get(client, auth, "/api/v1/export/responses.csv", sentiment="furious")
    assert bad.status_code == 422


def test_metrics_csv(client, auth, make, workspace):
    survey = make.survey(workspace, "csat")
    answer(make, survey, 5, T0, agent={"id": "1"})
    response = get(
        client,
        auth,
        "/api/v1/export/metrics.csv",
        survey_id=survey.id,
        since=T0.isoformat(),
        until=(T0 + timedelta(days=2)).isoformat(),
        interval="day",
        group_by="agent",
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["section"] for r in rows] == ["total", "series", "series", "group"]
    assert rows[0]["value"] == "100.0" and rows[3]["key"] == "1"


# --- import -----------------------------------------------------------------------------------


def _write(tmp_path, text: str):
    path = tmp_path / "answers.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_loads_every_row_with_the_mapping(app, make, workspace, tmp_path):
    survey = make.survey(workspace, "csat")
    path = _write(
        tmp_path,
        "Rating,Submitted_At,Feedback,email,assignee,Group,via,tags,Closed\n"
        "5,2026-06-01T10:00:00Z,Lovely,A@Example.com,Sam,Billing,email,vip;refund,"
        "2026-06-01T09:00:00Z\n"
        '2,2026-06-02 10:00,"Slow, very slow",b@example.com,Kim,Tech,chat,,\n',
    )
    result = app.test_cli_runner().invoke(
        args=["import", "responses", str(path), "--survey", str(survey.id), "--map", "Closed=solved_at", "--no-analyze"]
    )
    assert result.exit_code == 0, result.output
    assert "Imported 2 answer(s)" in result.output
    invites = db.session.scalars(select(Invite).order_by(Invite.id)).all()
    assert [(i.customer_email, i.agent_name, i.team, i.channel, i.tags) for i in invites] == [
        ("a@example.com", "Sam", "Billing", "email", ["vip", "refund"]),
        ("b@example.com", "Kim", "Tech", "chat", []),
    ]
    assert invites[0].solved_at == datetime(2026, 6, 1, 9, tzinfo=UTC)
    scores = db.session.execute(select(Response.score, Response.comment).order_by(Response.id)).all()
    assert scores == [(5, "Lovely"), (2, "Slow, very slow")]


def test_import_reports_each_bad_row_with_its_line_and_writes_nothing(app, make, workspace, tmp_path):
    survey = make.survey(workspace, "csat")
    path = _write(
        tmp_path,
        "score,answered_at,comment,reopens\n"
        "5,2026-06-01T10:00:00Z,fine,0\n"
        "9,2026-06-01T10:00:00Z,too high,0\n"
        '4,yesterday,"multi\nline",0\n'
        "4,2026-06-01T10:00:00Z,ok,-1\n"
        ",2026-06-01T10:00:00Z,,\n",
    )
    result = app.test_cli_runner().invoke(args=["import", "responses", str(path), "--survey", str(survey.id)])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("line ")]
    assert [e.split(":")[0] for e in errors] == ["line 3", "line 4", "line 6", "line 7"]
    assert "from 1 to 5" in errors[0] and "ISO 8601" in errors[1] and "score: required" in errors[3]
    assert "Nothing imported" in result.output
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    assert db.session.scalar(select(func.count()).select_from(Invite)) == 0


def test_import_refuses_a_file_without_the_required_columns(app, make, workspace, tmp_path):
    survey = make.survey(workspace, "csat")
    path = _write(tmp_path, "stars,when\n5,2026-06-01T10:00:00Z\n")
    result = app.test_cli_runner().invoke(args=["import", "responses", str(path), "--survey", str(survey.id)])
    assert result.exit_code == 1 and "required field 'score'" in result.output
    mapped = app.test_cli_runner().invoke(
        args=[
            "import",
            "responses",
            str(path),
            "--survey",
            str(survey.id),
            "--map",
            "stars=score",
            "--map",
            "when=answered_at",
            "--dry-run",
        ]
    )
    assert mapped.exit_code == 0 and "1 row(s) are valid" in mapped.output
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


# --- schema -----------------------------------------------------------------------------------


def _migration(name: str):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _with_replaced_functions(sql: str, replacements: str, hourly: bool = False) -> str:
    """`sql` with each function of the daily (else the hourly) rollup that `replacements` creates
    replaced by that text, as a later migration's CREATE OR REPLACE leaves the database."""
    import re

    for block in re.findall(r"CREATE OR REPLACE FUNCTION .*?\n\$fn\$;\n", replacements, re.S):
        name = block.split("(", 1)[0]
        if name.startswith("CREATE OR REPLACE FUNCTION afterword_rollup_hourly_") != hourly:
            continue
        old = re.search(re.escape(name) + r"\(.*?\n\$fn\$;\n", sql, re.S)
        assert old is not None, name
        sql = sql.replace(old.group(0), block, 1)
    return sql


def test_the_migrations_carry_the_models_trigger_sql():
    # 0003 made the rollup functions and triggers; 0006 replaced the invites' UPDATE trigger; 0018
    # replaced the functions that write the daily rows (grains of two dimensions) and the
    # rebuilds. What the models create (db.create_all) is 0003's SQL with 0006's and 0018's
    # changes applied; on PostgreSQL, tests/integration/test_insights_pg.py also compares the two
    # databases' definitions.
    first, second = _migration("05_insights.py"), _migration("06_rollup_invite_updates_per_statement.py")
    pairs = _migration("18_pair_grains.py")
    assert pair_grains_sql() == pairs.ROLLUP_SQL
    assert second.INVITE_TRIGGERS_SQL == INVITE_TRIGGERS_SQL
    assert second.ROW_TRIGGER_0003_SQL in first.ROLLUP_SQL
    applied = first.ROLLUP_SQL.replace(second.ROW_TRIGGER_0003_SQL, INVITE_TRIGGERS_SQL).replace(
        "CREATE OR REPLACE FUNCTION afterword_rollup_rebuild",
        second.INVITES_UPDATED_SQL + "\nCREATE OR REPLACE FUNCTION afterword_rollup_rebuild",
        1,
    )
    assert _with_replaced_functions(applied, pairs.ROLLUP_SQL) == rollup_sql()
    assert invites_updated_sql() in pairs.ROLLUP_SQL


def test_the_hourly_rollup_migration_carries_the_models_trigger_sql():
    # 0015 made the hourly rollup's functions and triggers, 0018 replaced its rebuild;
    # db.create_all makes the same.
    hourly = _migration("15_hourly_rollups.py").HOURLY_ROLLUP_SQL
    replaced = _with_replaced_functions(hourly, _migration("18_pair_grains.py").ROLLUP_SQL, hourly=True)
    assert replaced != hourly
    assert hourly_rollup_sql() == replaced


def test_the_openapi_document_lists_the_insight_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/metrics",
        "/api/v1/drivers",
        "/api/v1/annotations",
        "/api/v1/annotations/{annotation_id}",
        "/api/v1/workspace",
        "/api/v1/export/responses.csv",
        "/api/v1/export/metrics.csv",
    ):
        assert path in paths
