"""helpdesks, ticket lifecycle, fatigue rules, reminders and suppressions

Revision ID: 0002
Revises: 0004
Create Date: 2026-11-22

Hand-checked: invites already in the table get solve numbers 1, 2, ... per (survey, ticket) in
id order before the one-survey-per-solve constraint is created, so an upgrade never fails on
rows the backbone allowed.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('suppressions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_suppressions_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppressions')),
    sa.UniqueConstraint('workspace_id', 'email', name=op.f('uq_suppressions_workspace_id_email'))
    )
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_base_url', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('api_credentials', sa.Text(), nullable=True))

    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('solve_number', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reminder_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_invites_customer', ['workspace_id', 'customer_email', 'created_at'], unique=False)
        batch_op.create_index('ix_invites_reminder_due', ['reminder_due_at'], unique=False)

    op.execute(
        "UPDATE invites SET solve_number = (SELECT count(*) FROM invites AS earlier"
        " WHERE earlier.survey_id = invites.survey_id AND earlier.ticket_id = invites.ticket_id"
        " AND earlier.id <= invites.id) WHERE ticket_id IS NOT NULL"
    )
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_invites_survey_id_ticket_id_solve_number'), ['survey_id', 'ticket_id', 'solve_number'])

    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('daily_cap', sa.Integer(), nullable=True))

    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='solve', nullable=False))
        batch_op.add_column(sa.Column('ticket_id', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='done', nullable=False))
        batch_op.add_column(sa.Column('payload', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=True))
        batch_op.create_index('ix_webhook_deliveries_pending', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_webhook_deliveries_ticket', ['integration_id', 'ticket_id'], unique=False)
        batch_op.create_check_constraint(
            batch_op.f('ck_webhook_deliveries_status'), "status IN ('pending', 'done', 'failed', 'superseded')"
        )

    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.add_column(sa.Column('send_delay_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('cooldown_days', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('sample_percent', sa.Integer(), server_default='100', nullable=False))
        batch_op.add_column(sa.Column('exclude_tags', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('daily_cap', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('workspaces', schema=None) as batch_op:
        batch_op.drop_column('daily_cap')
        batch_op.drop_column('exclude_tags')
        batch_op.drop_column('sample_percent')
        batch_op.drop_column('cooldown_days')
        batch_op.drop_column('send_delay_minutes')

    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_webhook_deliveries_status'), type_='check')
        batch_op.drop_index('ix_webhook_deliveries_ticket')
        batch_op.drop_index('ix_webhook_deliveries_pending')
        batch_op.drop_column('error')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('payload')
        batch_op.drop_column('status')
        batch_op.drop_column('ticket_id')
        batch_op.drop_column('kind')

    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_column('daily_cap')

    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_invites_survey_id_ticket_id_solve_number'), type_='unique')
        batch_op.drop_index('ix_invites_reminder_due')
        batch_op.drop_index('ix_invites_customer')
        batch_op.drop_column('reminder_sent_at')
        batch_op.drop_column('reminder_due_at')
        batch_op.drop_column('reopened_at')
        batch_op.drop_column('solve_number')

    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.drop_column('api_credentials')
        batch_op.drop_column('api_base_url')

    op.drop_table('suppressions')
