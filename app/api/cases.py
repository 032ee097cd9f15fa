"""Follow-up cases: the queue, one case with its history, changes, notes, and the figures."""

from __future__ import annotations

from app.api.auth import current_workspace
from app.api.blueprint import bp
from app.api.contract import accepts, paginated, responds
from app.models.types import utcnow
from app.schemas.case import (
    CaseDetailSchema,
    CaseFiguresSchema,
    CaseInSchema,
    CaseOutSchema,
    CasesQuery,
    CaseUpdateSchema,
    FiguresQuery,
    NoteInSchema,
)
from app.services.cases import figures, opening, working
from app.services.outbound.events import deliver_soon


@bp.get("/cases")
@accepts(CasesQuery, location="query")
@paginated(CaseOutSchema, description="Cases, newest first")
def list_cases(query: dict):
    """Cases, filtered by `status`, `open` or `assignee_id`."""
    return working.list_cases(current_workspace().id, query)


@bp.post("/cases")
@accepts(CaseInSchema)
@responds(201, CaseDetailSchema)
def open_case(body: dict):
    """Open a case for an answer by hand (rules open theirs themselves)."""
    case = opening.open_case(current_workspace().id, body)
    deliver_soon()
    return working.case_view(case, with_history=True)


@bp.get("/cases/figures")
@accepts(FiguresQuery, location="query")
@responds(200, CaseFiguresSchema)
def case_figures(query: dict):
    """Over the cases opened in [since, until): opened, closed, closed in time, still open past due,
    the median hours to close and the recovery rate."""
    return figures.case_figures(current_workspace().id, query["since"], query["until"], utcnow())


@bp.get("/cases/<id:case_id>")
@responds(200, CaseDetailSchema)
def get_case(case_id: int):
    """One case with the answer, the customer and its history."""
    return working.case_view(working.get_case(current_workspace().id, case_id), with_history=True)


@bp.patch("/cases/<id:case_id>")
@accepts(CaseUpdateSchema)
@responds(200, CaseDetailSchema)
def update_case(case_id: int, body: dict):
    """Change the status, the owner or the due time, and/or add a note."""
    return working.change_case(working.get_case(current_workspace().id, case_id), body)


@bp.post("/cases/<id:case_id>/notes")
@accepts(NoteInSchema)
@responds(201, CaseDetailSchema)
def add_case_note(case_id: int, body: dict):
    """Add a note to the case's history."""
    return working.change_case(working.get_case(current_workspace().id, case_id), {"note": body["text"]})
