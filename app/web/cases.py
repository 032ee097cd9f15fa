"""Follow-up cases as their owners work them: a queue per person (/w/{id}/cases), a form per case
to move it on and note what was done; and the case beside an answer, for the answer's page
(templates/web/cases/_on_answer.html, which that page includes)."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from app.errors import APIError
from app.models.case import CaseStatus
from app.platform.contract import FORM, HTML, responds, takes
from app.schemas.case import CaseUpdateSchema
from app.services.accounts import people
from app.services.accounts.permissions import Action, can, team_limit
from app.services.cases import working
from app.web.blueprint import bp
from app.web.forms import ConfirmForm
from app.web.members import member_page

_FORM = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": [s.value for s in CaseStatus]},
        "note": {"type": "string"},
        "back": {"type": "string"},
        "csrf_token": {"type": "string"},
    },
}
STATUS_LABELS = {
    "open": "Open",
    "contacted": "Contacted",
    "resolved": "Resolved",
    "won_back": "Won back",
    "not_recoverable": "Not recoverable",
}


@bp.app_context_processor
def _cases_in_pages():
    def case_for_answer(response_id: int):
        """The answer's case with its history, for whoever may work it; else None."""
        membership = g.get("membership")
        if not can(membership, Action.WORK_FOLLOW_UPS):
            return None
        case = working.case_for_response(membership.workspace_id, response_id)
        return working.case_view(case, with_history=True) if case else None

    return {
        "case_for_answer": case_for_answer,
        "case_status_labels": STATUS_LABELS,
        "may_work_cases": lambda: can(g.get("membership"), Action.WORK_FOLLOW_UPS),
    }


@bp.get("/w/<id:workspace_id>/cases")
@member_page(Action.WORK_FOLLOW_UPS)
@responds(200, content_type=HTML, errors=HTML, description="A person's open follow-up cases, most urgent first")
def cases_queue(workspace_id: int):
    """The queue: the viewer's open cases (`?who=unassigned` or `?who=<user id>` for another's)."""
    who = request.args.get("who", "me")
    people_here = [(user, membership) for user, membership, _ in people.directory(workspace_id) if membership]
    if who == "unassigned":
        owner_id, owner_label = None, "Unassigned"
    elif who.isdigit() and any(u.id == int(who) for u, _ in people_here):
        owner_id = int(who)
        owner_label = next(u.email for u, _ in people_here if u.id == owner_id)
    else:
        who, owner_id, owner_label = "me", g.user.id, None
    return render_template(
        "web/cases/queue.html",
        section="cases",
        cases=working.queue_of(workspace_id, owner_id, team_limit(g.membership)),
        who=who,
        owner_label=owner_label,
        people_here=people_here,
        statuses=list(CaseStatus),
    )


@bp.post("/w/<id:workspace_id>/cases/<id:case_id>")
@member_page(Action.WORK_FOLLOW_UPS)
@takes(_FORM, location="form", content_type=FORM)
@responds(303, content_type=HTML, errors=HTML, description="Saved: back to the page the form was on")
@responds(400, content_type=HTML, description="The form expired (CSRF token), or it asked for nothing valid")
@responds(404, content_type=HTML, description="No such case in this workspace")
def case_update(workspace_id: int, case_id: int):
    """Move a case on (its status) and/or note what was done."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    values = {k: v for k in ("status", "note") if (v := request.form.get(k, "").strip())}
    try:
        data = CaseUpdateSchema().load(values)
        case = working.get_case(workspace_id, case_id, team_limit(g.membership))
        working.change_case(case, data, g.user.id)
    except ValidationError:
        abort(400)
    except APIError as refused:
        abort(refused.status)
    back = request.form.get("back", "")
    # Only back to one of our own pages of this workspace: never an open redirect.
    if not back.startswith(f"/w/{workspace_id}/") or "//" in back or "\\" in back:
        back = url_for("web.cases_queue", workspace_id=workspace_id)
    return redirect(back, 303)
