"""privacy retention: keep completed webhook bodies (opt-in); indexes for the retention purge

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 08:05:00

0011 was merged to main before these were added, so they follow in a file of their own rather than
changing a migration a database may already carry.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # Existing policies keep today's behaviour (bodies dropped on completion); the model has no
    # server default, so the one that fills existing rows goes again.
    with op.batch_alter_table('privacy_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keep_completed_webhook_bodies', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('privacy_policies', schema=None) as batch_op:
        batch_op.alter_column('keep_completed_webhook_bodies', server_default=None)

    # The retention purge finds old rows by date.
    with op.batch_alter_table('invite_events', schema=None) as batch_op:
        batch_op.create_index('ix_invite_events_at', ['at'], unique=False)
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_deliveries_received', ['integration_id', 'received_at'], unique=False)


def downgrade():
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_received')
    with op.batch_alter_table('invite_events', schema=None) as batch_op:
        batch_op.drop_index('ix_invite_events_at')
    with op.batch_alter_table('privacy_policies', schema=None) as batch_op:
        batch_op.drop_column('keep_completed_webhook_bodies')
