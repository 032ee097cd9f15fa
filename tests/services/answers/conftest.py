"""Helpers for the verbatim tests: answers recorded the way customers record them, or stored raw."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Response, Survey
from app.models.types import utcnow


class Answers:
    def __init__(self, client, make):
        self.client = client
        self.make = make

    def post(self, survey: Survey, score: int, comment: str | None = None) -> int:
        """Answer through the survey page (POST /s/{token}); analysis runs in place. Returns the response id."""
        invite = self.make.invite(survey)
        page = self.client.post(f"/s/{invite.token}", data={"score": str(score), "comment": comment or ""})
        assert page.status_code == 200
        return db.session.scalar(select(Response.id).where(Response.invite_id == invite.id))

    def stored(self, survey: Survey, score: int, comment: str | None = None) -> int:
        """An answer row written directly, never analysed (as after an import or a lost task)."""
        invite = self.make.invite(survey)
        now = utcnow()
        response = Response(
            workspace_id=survey.workspace_id,
            survey_id=survey.id,
            invite_id=invite.id,
            score=score,
            comment=comment,
            answered_at=now,
            updated_at=now,
        )
        db.session.add(response)
        db.session.commit()
        return response.id


@pytest.fixture
def answers(client, make) -> Answers:
    return Answers(client, make)
