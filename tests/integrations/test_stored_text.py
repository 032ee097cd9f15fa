"""What a helpdesk's webhook leaves in the database: never the text the customer typed."""

from __future__ import annotations

import json

from app.integrations import get_provider
from tests.support.helpdesks import fixture


def test_a_zendesk_event_is_stored_without_the_tickets_subject_and_message():
    body = fixture("zendesk", "event_status_changed_solved.json")
    assert b"wrong VAT number" in body

    event = get_provider("zendesk").parse({}, body, survey_id=1)

    assert event.action == "fetch"
    stored = json.dumps(event.payload)
    assert "VAT" not in stored
    assert event.payload["detail"]["requester_id"] == "8447388090123"  # what making the invite reads stays
    assert event.payload["detail"]["tags"] == ["billing", "invoice"]
