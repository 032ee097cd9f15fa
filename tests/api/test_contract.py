"""The declarations behave as the views did by hand: lookups before bodies, 204s without a body."""

from __future__ import annotations

from tests.support.api import assert_error


def test_a_missing_row_is_a_404_whatever_the_patch_body(client, auth):
    for url in ("/api/v1/surveys/999", "/api/v1/themes/catalogue/999"):
        assert_error(client.patch(url, headers=auth, json={"name": 5, "label": ""}), 404, "not_found")
        assert_error(client.patch(url, headers=auth, data="x", content_type="text/plain"), 404, "not_found")


def test_bodies_are_still_read_as_before(client, auth, make, workspace):
    survey = make.survey(workspace)
    url = f"/api/v1/surveys/{survey.id}"
    assert_error(client.patch(url, headers=auth, data="x", content_type="text/plain"), 415, "unsupported_media_type")
    assert_error(client.patch(url, headers=auth, data="{", content_type="application/json"), 400, "invalid_json")
    assert_error(client.patch(url, headers=auth, json=[1]), 422, "validation_error")
    assert client.patch(url, headers=auth, json={"name": "Renamed"}).json["name"] == "Renamed"


def test_a_delete_answers_204_with_no_body(client, auth, make, workspace):
    survey = make.survey(workspace)
    deleted = client.delete(f"/api/v1/surveys/{survey.id}", headers=auth)
    assert deleted.status_code == 204 and deleted.data == b""


def test_ids_beyond_an_integer_column_are_404s_on_every_id_route(client, auth):
    for url in (
        "/api/v1/integrations/2147483648",
        "/api/v1/themes/catalogue/2147483648",
        "/api/v1/annotations/2147483648",
        "/api/v1/integrations/0",
    ):
        method = client.delete if "annotations" in url else client.get
        assert_error(method(url, headers=auth), 404)
