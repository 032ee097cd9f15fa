"""The dashboard pages: each renders with data and empty, its figures are the JSON API's, its
marks link to the feed with the right filters, and roles see what they may (viewers no comment
text, agents their own answers only)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from app.cli.demo_data import seed_demo_answers
from app.extensions import db
from app.models.account import Role
from app.services.accounts import people

PASSWORD = "correct horse battery"
PAGES = ("", "/trends", "/themes", "/agents", "/drivers")


def _person(workspace, role: Role, email: str, agent_key: str | None = None):
    user = people.find_user(email) or people.create_user(email, PASSWORD)
    people.set_membership(user, workspace.id, role, agent_key=agent_key)
    db.session.commit()
    return user


def _client_as(app, workspace, role: Role = Role.OWNER, agent_key: str | None = None):
    email = f"{role.value}@example.com"
    _person(workspace, role, email, agent_key)
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 303
    return client


@pytest.fixture
def surveys(make, workspace):
    return {kind: make.survey(workspace, kind, name=f"Support {kind.upper()}") for kind in ("csat", "nps", "ces")}


@pytest.fixture
def answers(workspace, surveys):
    """About 700 answers over 90 days from the demo generator (seeded: the same rows every run)."""
    made = seed_demo_answers(workspace.id, scale=0.3)
    assert made > 500
    return made


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _hrefs(html: str, prefix: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html) if unescape(h).startswith(prefix)]


def _query(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_with_data(app, workspace, answers, path):
    html = _text(_client_as(app, workspace).get(f"/w/{workspace.id}{path}"))
    assert "<svg" in html and "<table" in html
    assert 'aria-current="page"' in html


@pytest.mark.parametrize("path", PAGES)
def test_every_page_says_what_to_do_first_when_empty(app, workspace, path):
    html = _text(_client_as(app, workspace).get(f"/w/{workspace.id}{path}"))
    assert "No answers yet" in html
    assert f"/w/{workspace.id}/settings/integrations" in html and "test webhook" in html
