"""The analysis pipeline: batched, idempotent, versioned tasks and `flask analysis backfill`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from app.analysis import ANALYSIS_VERSION
from app.extensions import db
from app.models import Response, ResponseTheme, Theme
from app.services.answers.analysis import count_stale, stale_batches
from workers.tasks.analysis import analyze_batch


def state(response_id: int) -> Response:
    response = db.session.get(Response, response_id)
    db.session.refresh(response)
    return response


def theme_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(ResponseTheme))


def test_a_batch_scores_what_needs_it_and_a_second_run_writes_nothing(make, workspace, answers):
    survey = make.survey(workspace, "nps")
    ids = [
        answers.stored(survey, 10, "Still waiting for my refund, awful"),
        answers.stored(survey, 9, "Great agent, so helpful"),
        answers.stored(survey, 7),
    ]
    assert count_stale(workspace.id) == 3

    assert analyze_batch.apply(args=[ids]).get() == 3
    refund = state(ids[0])
    assert refund.analysis_version == ANALYSIS_VERSION and refund.analyzed_at >= refund.updated_at
    assert refund.sentiment_label == "negative" and refund.themes == ["refund"]
    assert refund.theme_sentiment == {"refund": refund.polarity}  # its only theme: the whole comment speaks of it
    assert refund.mismatch_reason and refund.mismatch_reason.startswith("score 10 of 10")
    assert state(ids[2]).sentiment_label == "empty" and state(ids[2]).themes == []
    assert state(ids[2]).theme_sentiment == {}
    stamped, rows = refund.analyzed_at, theme_rows()
    assert rows == 2

    assert analyze_batch.apply(args=[ids]).get() == 0
    assert state(ids[0]).analyzed_at == stamped and theme_rows() == rows
    assert count_stale(workspace.id) == 0


def test_older_versions_and_edited_answers_are_analysed_again(make, workspace, answers):
    survey = make.survey(workspace, "csat")
    old, edited, current = (answers.stored(survey, 5, text) for text in ("Great agent", "Great agent", "Great agent"))
    analyze_batch.apply(args=[[old, edited, current]]).get()
    db.session.execute(update(Response).where(Response.id == old).values(analysis_version=ANALYSIS_VERSION - 1))
    response = state(edited)
    response.comment, response.score = "The refund process took forever", 1
    response.updated_at = response.analyzed_at + timedelta(seconds=1)
    db.session.commit()

    assert count_stale(workspace.id) == 2
    assert analyze_batch.apply(args=[[old, edited, current]]).get() == 2
    assert state(old).analysis_version == ANALYSIS_VERSION
    assert state(edited).themes == ["refund"] and state(edited).sentiment_label == "negative"
    rows = db.session.execute(
        select(ResponseTheme.theme, ResponseTheme.polarity).where(ResponseTheme.response_id == edited)
    )
    assert [tuple(row) for row in rows] == [("refund", -0.6)]


def test_the_backfill_gives_answers_of_an_older_version_the_new_themes(app, make, workspace, answers):
    # Answers analysed by version 2 carry single-noun keys and no theme sentiment; a bump of
    # ANALYSIS_VERSION makes the backfill re-run them, and /themes and exports follow.
    survey = make.survey(workspace, "csat")
    ids = [answers.stored(survey, 1, "quick response but nothing was fixed") for _ in range(2)]
    analyze_batch.apply(args=[ids]).get()
    db.session.execute(
        update(Response)
        .where(Response.id.in_(ids))
        .values(analysis_version=2, themes=["response"], theme_sentiment=None)
    )
    db.session.execute(ResponseTheme.__table__.delete())
    db.session.execute(ResponseTheme.__table__.insert(), [{"response_id": i, "theme": "response"} for i in ids])
    db.session.commit()
    assert count_stale(workspace.id) == 2

    result = app.test_cli_runner().invoke(args=["analysis", "backfill"])
    assert result.exit_code == 0 and "Analysed 2 answers" in result.output
    for i in ids:
        response = state(i)
        assert response.analysis_version == ANALYSIS_VERSION == 3
        assert response.themes == ["resolution", "response speed"]
        assert response.theme_sentiment["resolution"] < 0 < response.theme_sentiment["response speed"]
    rows = db.session.execute(
        select(ResponseTheme.theme, ResponseTheme.polarity).where(ResponseTheme.response_id == ids[0])
    )
    assert {theme: polarity < 0 for theme, polarity in rows} == {"resolution": True, "response speed": False}


def test_stale_batches_walk_forward_in_batches_and_stay_in_the_workspace(make, workspace, answers):
    mine = [answers.stored(make.survey(workspace), 4, f"comment {n}") for n in range(5)]
    other = make.workspace("Other")
    theirs = answers.stored(make.survey(other), 4, "theirs")
    assert list(stale_batches(workspace.id, 2)) == [mine[:2], mine[2:4], mine[4:]]
    assert [i for batch in stale_batches(None, 4) for i in batch] == [*mine, theirs]


def test_backfill_command_reanalyses_in_process_with_a_progress_bar(app, make, workspace, answers):
    survey = make.survey(workspace, "csat")
    ids = [answers.stored(survey, 1, "The parcel locker took forever") for _ in range(5)]
    other = make.workspace("Other")
    theirs = answers.stored(make.survey(other), 5, "Great agent, thanks")
    runner = app.test_cli_runner()

    result = runner.invoke(args=["analysis", "backfill", "--workspace", str(workspace.id), "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "Analysing 5 answers" in result.output
    assert "Analysed 5 answers in 3 batches." in result.output
    assert all(state(i).analysis_version == ANALYSIS_VERSION for i in ids)
    assert state(theirs).analysis_version is None
    recorded = select(Theme.source).where(Theme.workspace_id == workspace.id, Theme.key == "parcel locker")
    assert db.session.scalar(recorded) == "auto"

    result = runner.invoke(args=["analysis", "backfill"])
    assert result.exit_code == 0 and "Analysed 1 answers in 1 batches." in result.output
    assert state(theirs).sentiment_label == "positive"
    result = runner.invoke(args=["analysis", "backfill"])
    assert result.exit_code == 0 and "Nothing to analyse" in result.output


def test_backfill_command_can_enqueue_batches_for_the_workers(app, make, workspace, answers):
    survey = make.survey(workspace, "nps")
    ids = [answers.stored(survey, 10, "Absolutely terrible, nobody helped") for _ in range(3)]
    result = app.test_cli_runner().invoke(args=["analysis", "backfill", "--enqueue", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "Enqueued 3 answers in 2 batches of up to 2." in result.output
    # Tests run tasks in place, so the enqueued batches have run.
    assert all(state(i).mismatch_reason for i in ids)
    bad = app.test_cli_runner().invoke(args=["analysis", "backfill", "--batch-size", "0"])
    assert bad.exit_code == 2


def test_the_periodic_sweep_scores_answers_whose_task_was_lost(app, make, workspace):
    from sqlalchemy import update

    from app.extensions import db
    from app.models import Response
    from app.services.answers.record import load_invite_state, record_answer
    from workers.tasks.analysis import sweep_stale_analysis

    invite = make.invite(make.survey(workspace, "csat"))
    response = record_answer(load_invite_state(invite.token), 1, "Nobody replied for a week.")
    # As if the analysis task had never run.
    db.session.execute(
        update(Response).where(Response.id == response.id).values(analysis_version=None, analyzed_at=None)
    )
    db.session.commit()
    assert sweep_stale_analysis() == 1
    db.session.expire_all()
    assert db.session.get(Response, response.id).sentiment_label == "negative"
