"""The whole path on embedded defaults: invite -> email file -> page -> confirm -> analysed answer."""

from __future__ import annotations

import email
import re
from pathlib import Path


def test_invite_email_page_confirm_and_read_back(app, client, make, workspace, auth):
    survey = make.survey(workspace, "csat")
    created = client.post(
        "/api/v1/invites",
        json={
            "survey_id": survey.id,
            "customer": {"email": "ada@example.com", "name": "Ada"},
            "ticket": {"id": "T-9", "agent": {"id": "a1", "name": "Sam"}, "channel": "email"},
        },
        headers=auth,
    )
    assert created.status_code == 201, created.json
    token = created.json["token"]

    files = list(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    assert len(files) == 1
    msg = email.message_from_bytes(files[0].read_bytes())
    html = next(p for p in msg.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    links = re.findall(r'href="([^"]+\?score=\d+)"', html)
    assert [int(link.rsplit("=", 1)[1]) for link in links] == [1, 2, 3, 4, 5]

    page = client.get(f"/s/{token}?score=2")
    assert page.status_code == 200
    assert b'value="2" checked' in page.data
    assert client.get(f"/api/v1/invites/{created.json['id']}", headers=auth).json["answered_at"] is None

    done = client.post(f"/s/{token}", data={"score": "2", "comment": "Terrible, nobody helped me at all."})
    assert done.status_code == 200
    items = client.get("/api/v1/responses", headers=auth).json["items"]
    assert len(items) == 1
    assert items[0]["score"] == 2
    assert items[0]["sentiment"]["label"] == "negative"
    assert items[0]["ticket"]["agent"]["name"] == "Sam"

    metrics = client.get(f"/api/v1/metrics?survey_id={survey.id}", headers=auth).json
    assert metrics["csat"]["n"] == 1
    assert metrics["csat"]["value"] == 0.0
    assert metrics["csat"]["low_sample"] is True
