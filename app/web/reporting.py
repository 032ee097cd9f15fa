"""The reporting settings page: what counts as good, targets beside scores, and SLA targets, saved
through the API's own schema and service (PATCH /api/v1/workspace: `thresholds`, `targets`, `sla`)."""

from __future__ import annotations

from flask import g, render_template, request
from marshmallow import ValidationError

from app.platform.contract import FORM, HTML, responds, takes
from app.schemas.workspace import WorkspaceInSchema
from app.services.accounts.permissions import Action
from app.services.workspaces import change_settings, workspace_view
from app.web.blueprint import bp
from app.web.forms import ConfirmForm
from app.web.members import member_page

# Form field name (the setting's path, dotted) → kind. An empty field saves None: no target, or
# (thresholds) docs/kpis.md's rule.
FIELDS = {
    "thresholds.csat.good_points": int,
    "thresholds.ces.easy_points": int,
    **{f"targets.{kind}": float for kind in ("csat", "nps", "ces", "response_rate", "fcr", "sla")},
    "sla.first_response_minutes": int,
    "sla.resolution_hours": int,
    "ranking.min_sample": int,
}
CHANNEL_FIELDS = ("first_response_minutes", "resolution_hours")
NEW_CHANNEL_ROWS = 1


def _number(raw: str, kind: type):
    raw = raw.strip()
    if raw == "":
        return None
    if kind is int and raw.lstrip("-").isdigit() and len(raw) < 12:
        return int(raw)
    return raw  # the schema names what is wrong with it


def _put(tree: dict, path: str, value) -> None:
    *parents, leaf = path.split(".")
    for key in parents:
        tree = tree.setdefault(key, {})
    tree[leaf] = value


def _posted() -> tuple[dict, list[str]]:
    """The form as PATCH /workspace's body, and the channel names in row order."""
    data: dict = {}
    for name, kind in FIELDS.items():
        _put(data, name, _number(request.form.get(name, ""), kind))
    channels, names = {}, []
    for i in range(_row_count(request.form)):
        name = request.form.get(f"channel-{i}-name", "").strip()
        names.append(name)
        if name:
            channels[name] = {f: _number(request.form.get(f"channel-{i}-{f}", ""), int) for f in CHANNEL_FIELDS}
    data.setdefault("sla", {})["channels"] = channels
    return data, names


def _row_count(form) -> int:
    rows = 0
    while f"channel-{rows}-name" in form and rows < 60:
        rows += 1
    return rows


def _flat(messages, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages keyed by the form's dotted field names."""
    if isinstance(messages, list):
        return {prefix: [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        flat.update(_flat(value, name))
    return flat


def _channel_errors(flat: dict, names: list[str]) -> dict:
    """Errors under sla.channels.<name>[.value].<field> tied to that row's input."""
    tied = {}
    for key, problems in flat.items():
        if not key.startswith("sla.channels."):
            tied[key] = problems
            continue
        rest = key.removeprefix("sla.channels.")
        for i, name in enumerate(names):
            if name and rest.startswith(name + "."):
                field = rest.removeprefix(name + ".").removeprefix("value.").removeprefix("key.")
                field = field if field in CHANNEL_FIELDS else "name"
                tied.setdefault(f"channel-{i}-{field}", []).extend(problems)
                break
        else:
            tied.setdefault("channel-0-name", []).extend(problems)
    return tied


def _current() -> dict:
    view = workspace_view(g.workspace)
    settings = {"thresholds": view.thresholds, "targets": view.targets, "sla": view.sla, "ranking": view.ranking}
    values = {}
    for name in FIELDS:
        value = settings
        for key in name.split("."):
            value = (value or {}).get(key)
        values[name] = value
    rows = [
        {"name": name, **{f: (own or {}).get(f) for f in CHANNEL_FIELDS}}
        for name, own in sorted((view.sla.get("channels") or {}).items())
    ]
    _with_rows(values, rows)
    return values


def _with_rows(values: dict, rows: list[dict]) -> None:
    rows = [*rows, *[{"name": "", **dict.fromkeys(CHANNEL_FIELDS)} for _ in range(NEW_CHANNEL_ROWS)]]
    for i, row in enumerate(rows):
        values[f"channel-{i}-name"] = row["name"]
        for f in CHANNEL_FIELDS:
            values[f"channel-{i}-{f}"] = row[f]
    values["_rows"] = len(rows)


def _form_again() -> dict:
    values = dict(request.form)
    values["_rows"] = _row_count(request.form)
    return values


def _page(values: dict, errors: dict, status: int = 200, **extra):
    return render_template("web/settings/reporting.html", values=values, errors=errors, **extra), status


@bp.get("/w/<id:workspace_id>/settings/reporting")
@member_page(Action.MANAGE_SETTINGS)
@responds(200, content_type=HTML, errors=HTML, description="Thresholds, targets and SLA targets")
def settings_reporting_page(workspace_id: int):
    """The reporting settings page: thresholds, targets and SLA targets (defaults filled in)."""
    return _page(_current(), {})


@bp.post("/w/<id:workspace_id>/settings/reporting")
@member_page(Action.MANAGE_SETTINGS)
@takes(
    {"type": "object", "properties": {k: {"type": "string"} for k in [*FIELDS, "csrf_token"]}},
    location="form",
    content_type=FORM,
)
@responds(200, content_type=HTML, errors=HTML, description="Saved; the page again")
@responds(400, content_type=HTML, description="The form expired (its CSRF token): nothing saved")
@responds(422, content_type=HTML, description="Nothing saved: the page again, saying what to fix")
def settings_reporting(workspace_id: int):
    """Save the thresholds, targets and SLA targets."""
    if not ConfirmForm().validate_on_submit():  # the CSRF token
        return _page(_form_again(), {"_form": ["The form expired."]}, 400)
    data, names = _posted()
    try:
        data = WorkspaceInSchema(partial=True).load(data)
    except ValidationError as invalid:
        return _page(_form_again(), _channel_errors(_flat(invalid.messages), names), 422)
    change_settings(g.membership, g.workspace, data)
    return _page(_current(), {}, saved=True)
