"""The settings pages' survey changes: the API's own, for roles that may manage settings; and the
editor's draft, which is never stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import APIError
from app.extensions import db
from app.models import Survey
from app.models.account import Role
from app.services.accounts import people
from app.services.surveys import add_survey, change_survey, draft_survey, retire_survey


def _membership(workspace_id: int, role: Role):
    user = people.create_user(f"{role}@example.com", "correct horse battery")
    membership = people.set_membership(user, workspace_id, role)
    db.session.commit()
    return membership


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ANALYST, Role.VIEWER, Role.AGENT])
def test_only_who_may_manage_settings_changes_surveys(app, workspace, make, role):
    survey = make.survey(workspace, "csat")
    membership = _membership(workspace.id, role)
    for change in (
        lambda: add_survey(membership, workspace.id, {"name": "Mine", "kind": "nps"}),
        lambda: change_survey(membership, survey, {"name": "Mine"}),
        lambda: retire_survey(membership, survey),
    ):
        with pytest.raises(APIError) as refused:
            change()
        assert refused.value.status == 403
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Survey.id))) == 1
    assert survey.name == "csat survey" and not survey.archived


def test_an_admin_adds_changes_and_retires(app, workspace):
    membership = _membership(workspace.id, Role.ADMIN)
    survey = add_survey(membership, workspace.id, {"name": "Chat", "kind": "ces", "scale": [1, 5]})
    assert (survey.scale_min, survey.scale_max, survey.question) == (
        1,
        5,
        "The company made it easy for me to handle my issue.",
    )
    change_survey(membership, survey, {"follow_up": {"low": "What was hard?"}})
    assert survey.follow_up["low"] == "What was hard?" and survey.follow_up["high"] == "What made it easy?"
    retire_survey(membership, survey)
    assert survey.archived


def test_a_draft_applies_the_values_and_is_never_stored(app, workspace, make):
    survey = make.survey(workspace, "csat")
    draft = draft_survey(workspace.id, {"question": "Typed?", "scale": [1, 3], "follow_up": {"high": "Yay"}}, survey)
    assert (draft.question, draft.scale_min, draft.scale_max, draft.follow_up["high"]) == ("Typed?", 1, 3, "Yay")
    assert draft.name == "csat survey" and draft.kind == "csat"
    new = draft_survey(workspace.id, {"kind": "nps", "scale": [1, 5]})  # a scale the kind refuses: its own
    assert (new.kind, new.scale_min, new.scale_max) == ("nps", 0, 10)
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Survey.id))) == 1
    assert db.session.get(Survey, survey.id).question == "How satisfied were you with the support you received?"
