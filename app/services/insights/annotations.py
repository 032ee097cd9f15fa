"""The event log: launches, outages and policy changes shown beside the trends."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.errors import APIError
from app.extensions import db
from app.models import Annotation


def create_annotation(workspace_id: int, data: dict) -> Annotation:
    """Add an entry to the workspace's event log."""
    annotation = Annotation(workspace_id=workspace_id, day=data["date"], label=data["label"], note=data.get("note"))
    db.session.add(annotation)
    db.session.commit()
    return annotation


def list_annotations(workspace_id: int, since: date | None = None, until: date | None = None) -> list[Annotation]:
    """The workspace's entries with since <= date < until, oldest first."""
    query = select(Annotation).where(Annotation.workspace_id == workspace_id)
    if since is not None:
        query = query.where(Annotation.day >= since)
    if until is not None:
        query = query.where(Annotation.day < until)
    return list(db.session.scalars(query.order_by(Annotation.day, Annotation.id)))


def delete_annotation(workspace_id: int, annotation_id: int) -> None:
    annotation = db.session.scalar(
        select(Annotation).where(Annotation.id == annotation_id, Annotation.workspace_id == workspace_id)
    )
    if annotation is None:
        raise APIError(404, "not_found", f"No annotation {annotation_id} in this workspace.")
    db.session.delete(annotation)
    db.session.commit()
