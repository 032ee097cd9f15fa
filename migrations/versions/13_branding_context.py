"""branding and context: sender, thank-you, ticket subject, agent photo, widget-only invites

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

A workspace names its emails' sender (From name) and where replies go (reply-to); a survey may
thank in its own words or send the customer on to an address; an invite keeps the ticket's
subject and the agent's photo for the survey page, and how it reaches the customer (email, or
the widget only: never emailed); invites are looked up by agent id, email and name (one agent
per id or email, services/invites/agents.py).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_from_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('reply_to', sa.String(length=320), nullable=True))
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('thank_you_message', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('redirect_url', sa.String(length=500), nullable=True))
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_subject', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('agent_photo_url', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('delivery', sa.String(length=16), server_default='email', nullable=False))
        batch_op.create_check_constraint(op.f('ck_invites_delivery'), "delivery IN ('email', 'widget')")
        batch_op.create_index('ix_invites_agent_id', ['workspace_id', 'agent_id', 'id'], unique=False)
        batch_op.create_index('ix_invites_agent_email', ['workspace_id', 'agent_email', 'id'], unique=False)
        batch_op.create_index('ix_invites_agent_name', ['workspace_id', 'agent_name'], unique=False)


def downgrade():
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_index('ix_invites_agent_name')
        batch_op.drop_index('ix_invites_agent_email')
        batch_op.drop_index('ix_invites_agent_id')
        batch_op.drop_constraint(op.f('ck_invites_delivery'), type_='check')
        batch_op.drop_column('delivery')
        batch_op.drop_column('agent_photo_url')
        batch_op.drop_column('ticket_subject')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_column('redirect_url')
        batch_op.drop_column('thank_you_message')
    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.drop_column('reply_to')
        batch_op.drop_column('mail_from_name')
