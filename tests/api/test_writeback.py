"""/api/v1/integrations/{id}/write-back and /notes."""

from __future__ import annotations

from tests.support.api import assert_error


def test_write_back_is_set_read_and_its_token_never_shown(client, auth, make, workspace):
    integration = make.integration(make.survey(workspace), "zendesk")
    url = f"/api/v1/integrations/{integration.id}/write-back"
    assert client.get(url, headers=auth).json["enabled"] is False
    body = {
        "enabled": True,
        "base_url": "https://acme.zendesk.com",
        "email": "bot@acme.example",
        "api_token": "secret-token",
        "tag": "afterword",
        "field_id": "360001",
    }
    saved = client.put(url, json=body, headers=auth)
    assert saved.status_code == 200, saved.json
    assert saved.json["enabled"] is True and saved.json["credentials_set"] is True
    assert "secret-token" not in saved.get_data(as_text=True)
    assert client.get(f"/api/v1/integrations/{integration.id}/notes", headers=auth).json["items"] == []
    bad_field = client.put(url, json={"enabled": True, "field_id": "score"}, headers=auth)
    assert "field_id" in assert_error(bad_field, 422)["fields"]


def test_intercom_needs_an_admin_and_generic_has_no_note_api(client, auth, make, workspace):
    survey = make.survey(workspace)
    intercom = make.integration(survey, "intercom")
    resp = client.put(f"/api/v1/integrations/{intercom.id}/write-back", json={"enabled": True}, headers=auth)
    assert "admin_id" in assert_error(resp, 422)["fields"]
    generic = make.integration(survey, "generic")
    resp = client.put(f"/api/v1/integrations/{generic.id}/write-back", json={"enabled": True}, headers=auth)
    assert_error(resp, 409, "conflict")
