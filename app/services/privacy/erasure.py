"""Erasing a person: their identity and every free text they wrote or that names them, not their scores.

A data-subject request names an email address. Erasure keeps what the workspace's figures are made
of (each answer's score, its analysis, its invite's ticket facts and dates) and removes what makes
it theirs: so every aggregate and every rollup row is exactly what it was, and nothing left can be
traced back to the address. Concretely:

- the rollup triggers (app/models/rollup_sql.py) react to an answer's score, polarity, dates and
  its invite's ticket facts only; erasure changes none of them, so the triggers find nothing to do;
- a removed comment becomes a placeholder and `comment_removed_at` is set: the answer still counts
  as commented (the themes report's shares stay), and the analysis never re-runs on the placeholder;
- the address goes on the suppression list as a salted hash (models/suppression.py), so no survey
  reaches the person again and the list does not name them.

The work is a list of steps, one per table (`STEPS`), each given the same `Subject` and run in
one transaction with the audit record: a table added later (logs, notes) adds its own step here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Text, cast, delete, null, or_, select, update

from app.errors import APIError
from app.extensions import db
from app.models import Annotation, Integration, Invite, InviteEvent, Response, Suppression, WebhookDelivery
from app.models.audit import AuditAction
from app.models.integration import DeliveryStatus
from app.models.invite import InviteReason, InviteStatus
from app.models.suppression import SuppressionReason, address_hash
from app.models.types import utcnow
from app.services import audit
from app.services.accounts.permissions import Action, require
from app.services.invites.tickets import new_token
from app.services.privacy.loop_erasure import erase_follow_ups

ERASED = "[erased]"  # what stands where a removed comment or a mention of the person was


@dataclass
class Subject:
    """The person being erased, as the steps find them."""

    workspace_id: int
    email: str  # lower-cased
    invite_ids: list[int] = field(default_factory=list)  # every invite that was sent to them
    names: set[str] = field(default_factory=set)  # the names their invites carried

    @property
    def hash(self) -> str:
        return address_hash(self.workspace_id, self.email)

    def scrub(self, text: str | None) -> str | None:
        """The text with every mention of the address or of their names replaced."""
        if not text:
            return text
        for needle in sorted({self.email, *self.names} - {""}, key=len, reverse=True):
            text = re.sub(re.escape(needle), ERASED, text, flags=re.IGNORECASE)
        return text

    def mentioned_in(self, column):
        """SQL: the column's text mentions the address (names are too common to search the whole
        workspace by; they are scrubbed only from the person's own rows)."""
        return cast(column, Text).ilike(f"%{_like_escape(self.email)}%", escape="\\")


ErasureStep = Callable[[Subject], int]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# A mismatch reason quotes the comment's words ("... (polarity -0.80: 'rude', 'late')"): the quote
# goes with the comment, the verdict stays (answers are filtered and counted by it).
_QUOTED = re.compile(r": '.*'\)$")


def remove_comments(response_ids: list[int], placeholder: str = ERASED) -> int:
    """Replace these answers' comments by a placeholder, leaving score, analysis and updated_at."""
    if not response_ids:
        return 0
    result = db.session.execute(
        update(Response)
        .where(Response.id.in_(response_ids), Response.comment.is_not(None), Response.comment != placeholder)
        .values(comment=placeholder, comment_removed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    quoting = db.session.execute(
        select(Response.id, Response.mismatch_reason).where(
            Response.id.in_(response_ids), Response.mismatch_reason.like("%: '%")
        )
    ).all()
    for row in quoting:
        db.session.execute(
            update(Response)
            .where(Response.id == row.id)
            .values(mismatch_reason=_QUOTED.sub(")", row.mismatch_reason))
            .execution_options(synchronize_session=False)
        )
    return result.rowcount


def remove_identity(invite_ids: list[int]) -> int:
    """Clear the customer's address, name and id on these invites, and the ticket's subject (which
    may quote them); the ticket's facts stay."""
    if not invite_ids:
        return 0
    result = db.session.execute(
        update(Invite)
        .where(Invite.id.in_(invite_ids))
        .values(customer_email=None, customer_name=None, customer_id=None, ticket_subject=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def forget_identities(invite_ids: list[int]) -> int:
    """Retention's identity removal: each invite's address and name also go from its own history
    and failure reason (a mail server's refusal quotes the address), then `remove_identity`."""
    if not invite_ids:
        return 0
    people = {
        row.id: Subject(0, row.customer_email or "", names=_meaningful({row.customer_name}))
        for row in db.session.execute(
            select(Invite.id, Invite.customer_email, Invite.customer_name).where(Invite.id.in_(invite_ids))
        )
    }
    events = db.session.execute(
        select(InviteEvent.id, InviteEvent.invite_id, InviteEvent.detail).where(
            InviteEvent.invite_id.in_(invite_ids), InviteEvent.detail.is_not(None)
        )
    ).all()
    for row in events:
        scrubbed = people[row.invite_id].scrub(row.detail)
        if scrubbed != row.detail:
            db.session.execute(update(InviteEvent).where(InviteEvent.id == row.id).values(detail=scrubbed))
    reasons = db.session.execute(
        select(Invite.id, Invite.reason).where(Invite.id.in_(invite_ids), Invite.reason.is_not(None))
    ).all()
    for row in reasons:
        scrubbed = people[row.id].scrub(row.reason)
        if scrubbed != row.reason:
            db.session.execute(
                update(Invite)
                .where(Invite.id == row.id)
                .values(reason=scrubbed)
                .execution_options(synchronize_session=False)
            )
    return remove_identity(invite_ids)


def _comments(subject: Subject) -> int:
    """Their answers' comments; and, in anyone's comment, a mention of their address."""
    own = list(db.session.scalars(select(Response.id).where(Response.invite_id.in_(subject.invite_ids))))
    count = remove_comments(own)
    others = db.session.execute(
        select(Response.id, Response.comment).where(
            Response.workspace_id == subject.workspace_id, subject.mentioned_in(Response.comment)
        )
    ).all()
    for row in others:
        db.session.execute(update(Response).where(Response.id == row.id).values(comment=subject.scrub(row.comment)))
    return count + len(others)


def _invite_history(subject: Subject) -> int:
    """Their invites' event details and failure reasons (a mail server's refusal names the address)."""
    count = 0
    events = db.session.execute(
        select(InviteEvent.id, InviteEvent.detail).where(
            InviteEvent.invite_id.in_(subject.invite_ids), InviteEvent.detail.is_not(None)
        )
    ).all()
    for row in events:
        scrubbed = subject.scrub(row.detail)
        if scrubbed != row.detail:
            db.session.execute(update(InviteEvent).where(InviteEvent.id == row.id).values(detail=scrubbed))
            count += 1
    reasons = db.session.execute(
        select(Invite.id, Invite.reason).where(Invite.id.in_(subject.invite_ids), Invite.reason.is_not(None))
    ).all()
    for row in reasons:
        scrubbed = subject.scrub(row.reason)
        if scrubbed != row.reason:
            db.session.execute(
                update(Invite)
                .where(Invite.id == row.id)
                .values(reason=scrubbed)
                .execution_options(synchronize_session=False)
            )
            count += 1
    return count


def _webhook_bodies(subject: Subject) -> int:
    """Raw webhook bodies and errors that came with their invites or mention their address.

    A delivery still pending would make an invite for them later: it is failed instead."""
    integrations = select(Integration.id).where(Integration.workspace_id == subject.workspace_id)
    rows = list(
        db.session.scalars(
            select(WebhookDelivery).where(
                WebhookDelivery.integration_id.in_(integrations),
                or_(
                    WebhookDelivery.invite_id.in_(subject.invite_ids),
                    subject.mentioned_in(WebhookDelivery.payload),
                    subject.mentioned_in(WebhookDelivery.error),
                ),
            )
        )
    )
    for delivery in rows:
        if delivery.status == DeliveryStatus.PENDING:
            delivery.status, delivery.error = DeliveryStatus.FAILED, "erased by a data-subject request"
        else:
            delivery.error = subject.scrub(delivery.error)
        delivery.payload = null()  # SQL NULL: a JSON column would store None as JSON null
    return len(rows)


def _annotations(subject: Subject) -> int:
    """Notes on the workspace's charts that mention their address."""
    rows = list(
        db.session.scalars(
            select(Annotation).where(
                Annotation.workspace_id == subject.workspace_id,
                or_(subject.mentioned_in(Annotation.note), subject.mentioned_in(Annotation.label)),
            )
        )
    )
    for row in rows:
        row.label, row.note = subject.scrub(row.label), subject.scrub(row.note)
    return len(rows)


def _identity(subject: Subject) -> int:
    """Their address, name and id; unsent invites skipped, reminders stopped, and every survey link
    made dead (a new token), so no link in an old email opens their answers again."""
    for invite_id in subject.invite_ids:
        db.session.execute(
            update(Invite)
            .where(Invite.id == invite_id)
            .values(token=new_token(), reminder_due_at=None)
            .execution_options(synchronize_session=False)
        )
    db.session.execute(
        update(Invite)
        .where(Invite.id.in_(subject.invite_ids), Invite.status == InviteStatus.SCHEDULED)
        .values(status=InviteStatus.SKIPPED, reason=InviteReason.SUPPRESSED)
        .execution_options(synchronize_session=False)
    )
    return remove_identity(subject.invite_ids)


def _suppression(subject: Subject) -> int:
    """The address's own row goes (it names them); its hash takes its place, so nothing is sent again."""
    db.session.execute(
        delete(Suppression).where(Suppression.workspace_id == subject.workspace_id, Suppression.email == subject.email)
    )
    exists = db.session.scalar(
        select(Suppression.id).where(
            Suppression.workspace_id == subject.workspace_id, Suppression.email == subject.hash
        )
    )
    if exists is None:
        db.session.add(
            Suppression(workspace_id=subject.workspace_id, email=subject.hash, reason=SuppressionReason.ERASED)
        )
    return 1


# In order: the steps that find rows through the invites run before the invites lose the address.
# Another table holding free text or a copy of the address adds its step here.
STEPS: list[tuple[str, ErasureStep]] = [
    ("follow_ups", erase_follow_ups),  # first: it finds the texts that quote their comments
    ("comments", _comments),
    ("invite_history", _invite_history),
    ("webhook_deliveries", _webhook_bodies),
    ("annotations", _annotations),
    ("invites", _identity),
    ("suppression", _suppression),
]


def _meaningful(names) -> set[str]:
    """Names long enough to mean the person when found in a text ("Al" is in "also")."""
    return {name for name in names if name and len(name.strip()) >= 3}


def find_subject(workspace_id: int, email: str) -> Subject:
    email = email.strip().lower()
    rows = db.session.execute(
        select(Invite.id, Invite.customer_name).where(
            Invite.workspace_id == workspace_id, Invite.customer_email == email
        )
    ).all()
    # A name is scrubbed from their own rows only.
    names = _meaningful(row.customer_name for row in rows)
    return Subject(workspace_id, email, [row.id for row in rows], names)


def erase_person(workspace_id: int, email: str, membership=None) -> dict[str, int]:
    """Erase everything that identifies `email` in the workspace; returns rows changed per step.

    `membership`: the person asking from a settings page (the API's key, or the CLI's operator,
    were authorised before). One transaction: all of it, with its audit record, or nothing."""
    if membership is not None:
        require(membership, Action.MANAGE_PRIVACY)
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 320:
        raise APIError(422, "validation_error", "Give the person's email address.", {"email": ["Not an address."]})
    subject = find_subject(workspace_id, email)
    counts = {name: step(subject) for name, step in STEPS}
    audit.record(AuditAction.ERASED, workspace_id, subject.hash, {"rows": counts})
    db.session.commit()
    # A delivery completing meanwhile may have made an invite for the address after the steps read
    # (it checked the suppression list before this committed): one more pass clears any committed
    # by now. A delivery that checks from now on sees the hash and stores no address at all
    # (invites/tickets.py); only one already past that check and not yet committed can slip by.
    again = find_subject(workspace_id, email)
    if again.invite_ids:
        for name, step in STEPS:
            counts[name] += step(again)
        db.session.commit()
    return counts
