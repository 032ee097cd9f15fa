"""Workspace shapes: the branding a workspace may change, and the workspace as the API shows it."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.schemas.common import StrictSchema, Text


class WorkspaceInSchema(StrictSchema):
    name = Text(200, validate=validate.Length(min=1))
    brand_colour = fields.String(validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$", error="Use #rrggbb."))
    # https only: the logo shows on our pages and inside the host's, both served over https.
    logo_url = fields.Url(allow_none=True, schemes={"https"}, validate=validate.Length(max=500))


class WorkspaceOutSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    timezone = fields.String()
    brand_colour = fields.String()
    logo_url = fields.String(allow_none=True)
