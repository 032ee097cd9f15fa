"""`flask demo`'s generated answers: 90 days, enough of them across agents, teams, channels and
languages to make a living dashboard, analysed, deterministic and never added twice."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.cli.demo import demo
from app.cli.demo_data import seed_demo_answers
from app.extensions import db
from app.models import Annotation, Invite, Response, ResponseTheme, Workspace


def _facts(workspace_id: int) -> dict:
    joined = (
        select(Response, Invite)
        .join(Invite, Invite.id == Response.invite_id)
        .where(Response.workspace_id == workspace_id)
    )
    rows = db.session.execute(joined).all()
    days = {r.answered_at.date() for r, _ in rows}
    return {
        "answers": len(rows),
        "days": (max(days) - min(days)).days + 1,
        "agents": len({i.agent_id for _, i in rows}),
        "teams": {i.team for _, i in rows},
        "channels": {i.channel for _, i in rows},
        "languages": {r.language for r, _ in rows if r.comment},
        "analysed": all(r.analysis_version is not None for r, _ in rows),
        "with_kpis": all(i.first_response_at and i.solved_at and i.reopens is not None for _, i in rows),
        "mismatches": sum(r.mismatch_reason is not None for r, _ in rows),
        "scores": [(r.score, r.comment, i.agent_id) for r, i in sorted(rows, key=lambda row: row[0].id)],
    }


def test_the_demo_command_makes_90_days_of_analysed_answers_once(app, tmp_path):
    app.instance_path = str(tmp_path)
    first = app.test_cli_runner().invoke(demo)
    assert first.exit_code == 0, first.output
    assert "Generated" in first.output
    ws = db.session.scalar(select(Workspace).where(Workspace.name == "Demo workspace"))
    facts = _facts(ws.id)
    assert facts["answers"] >= 2000 and facts["days"] >= 89
    assert facts["agents"] >= 10 and len(facts["teams"]) == 3 and len(facts["channels"]) == 4
    assert {"en", "fr", "de", "es"} <= facts["languages"]
    assert facts["analysed"] and facts["with_kpis"] and facts["mismatches"] > 0
    assert db.session.scalar(select(func.count()).select_from(ResponseTheme)) > 500
    assert db.session.scalar(select(func.count()).select_from(Annotation).where(Annotation.workspace_id == ws.id)) == 2
    again = app.test_cli_runner().invoke(demo)
    assert again.exit_code == 0 and "Generated" not in again.output
    assert _facts(ws.id)["answers"] == facts["answers"]


def test_the_same_seed_and_day_give_the_same_answers(app, make):
    made = []
    for name in ("One", "Two"):
        ws = make.workspace(name)
        make.survey(ws, "csat")
        seed_demo_answers(ws.id, seed=7, today=date(2026, 6, 30), scale=0.2)
        made.append(_facts(ws.id)["scores"])
    assert made[0] == made[1] and len(made[0]) > 100
