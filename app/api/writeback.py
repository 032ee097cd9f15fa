"""The score back in the helpdesk: an integration's write-back settings and its notes."""

from __future__ import annotations

from sqlalchemy import select

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.contract import accepts, paginated, responds
from app.models.writeback import HelpdeskNote
from app.schemas.integration import HelpdeskNoteOutSchema, NotesQuery, WritebackInSchema, WritebackOutSchema
from app.services.integrations import get_integration
from app.services.pagination import fetch_page
from app.services.writeback.settings import set_writeback, writeback_view


@bp.get("/integrations/<id:integration_id>/write-back")
@responds(200, WritebackOutSchema)
def get_writeback(integration_id: int):
    """Whether answers are written back to their tickets, and how (never the token)."""
    return writeback_view(get_integration(current_workspace().id, integration_id))


@bp.put("/integrations/<id:integration_id>/write-back")
@accepts(WritebackInSchema)
@responds(200, WritebackOutSchema)
def put_writeback(integration_id: int, body: dict):
    """Turn write-back on or off; set the API address, a token with write access, the tag, the field."""
    return set_writeback(get_integration(current_workspace().id, integration_id), body)


@bp.get("/integrations/<id:integration_id>/notes")
@accepts(NotesQuery, location="query")
@paginated(HelpdeskNoteOutSchema, description="Notes written (or to be written) to tickets, newest first")
def list_helpdesk_notes(integration_id: int, query: dict):
    """Each answer version's note: sent, pending (and when it is tried again), failed and why."""
    integration = get_integration(current_workspace().id, integration_id)
    stmt = select(HelpdeskNote).where(HelpdeskNote.integration_id == integration.id).order_by(HelpdeskNote.id.desc())
    if query.get("cursor"):
        stmt = stmt.where(HelpdeskNote.id < query["cursor"])
    return fetch_page(stmt, query["limit"])
