"""What the webhook door answers a helpdesk."""

from __future__ import annotations

from marshmallow import Schema, fields

from app.schemas.common import Int


class HookReplySchema(Schema):
    """Accepted (202, stored for a worker), or 200: a duplicate, ignored, a ping, a reopen applied."""

    status = fields.String(metadata={"enum": ["accepted", "duplicate", "ignored", "ok", "reopened"]})
    delivery_id = Int(metadata={"description": "accepted: the stored delivery"})
    invite_id = Int(allow_none=True, metadata={"description": "reopened: the ticket's latest invite"})
    cancelled = fields.Boolean(metadata={"description": "reopened: whether its unsent email was cancelled"})
    challenge = fields.String(metadata={"description": "Front's handshake: its challenge, echoed"})
