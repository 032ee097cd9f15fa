"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('workspaces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('api_key_hash', sa.String(length=64), nullable=False),
    sa.Column('api_key_prefix', sa.String(length=16), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('brand_colour', sa.String(length=7), nullable=False),
    sa.Column('logo_url', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workspaces')),
    sa.UniqueConstraint('api_key_hash', name=op.f('uq_workspaces_api_key_hash'))
    )
    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('scale_min', sa.Integer(), nullable=False),
    sa.Column('scale_max', sa.Integer(), nullable=False),
    sa.Column('follow_up', sa.JSON(), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('send_delay_minutes', sa.Integer(), nullable=False),
    sa.Column('cooldown_days', sa.Integer(), nullable=False),
    sa.Column('sample_percent', sa.Integer(), nullable=False),
    sa.Column('exclude_tags', sa.JSON(), nullable=False),
    sa.Column('reminder_after_hours', sa.Integer(), nullable=True),
    sa.Column('expires_after_days', sa.Integer(), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('csat', 'nps', 'ces')", name=op.f('ck_surveys_kind')),
    sa.CheckConstraint('scale_min < scale_max', name=op.f('ck_surveys_scale')),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_surveys_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys'))
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_surveys_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('integrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('secret', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_integrations_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_integrations_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integrations'))
    )
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integrations_survey_id'), ['survey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_integrations_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=True),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('customer_email', sa.String(length=320), nullable=True),
    sa.Column('customer_name', sa.String(length=200), nullable=True),
    sa.Column('customer_id', sa.String(length=200), nullable=True),
    sa.Column('customer_segment', sa.String(length=100), nullable=True),
    sa.Column('ticket_id', sa.String(length=200), nullable=True),
    sa.Column('agent_id', sa.String(length=200), nullable=True),
    sa.Column('agent_name', sa.String(length=200), nullable=True),
    sa.Column('agent_email', sa.String(length=320), nullable=True),
    sa.Column('team', sa.String(length=200), nullable=True),
    sa.Column('channel', sa.String(length=50), nullable=True),
    sa.Column('priority', sa.String(length=50), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('ticket_created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('solved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopens', sa.Integer(), nullable=True),
    sa.Column('handle_seconds', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('send_claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('scheduled', 'sending', 'sent', 'failed', 'skipped', 'cancelled')", name=op.f('ck_invites_status')),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'], name=op.f('fk_invites_integration_id_integrations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_invites_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_invites_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invites')),
    sa.UniqueConstraint('token', name=op.f('uq_invites_token'))
    )
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.create_index('ix_invites_due', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_invites_survey_id'), ['survey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invites_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('invite_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invite_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['invite_id'], ['invites.id'], name=op.f('fk_invite_events_invite_id_invites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invite_events'))
    )
    with op.batch_alter_table('invite_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invite_events_invite_id'), ['invite_id'], unique=False)

    op.create_table('responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('invite_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('polarity', sa.Float(), nullable=True),
    sa.Column('subjectivity', sa.Float(), nullable=True),
    sa.Column('sentiment_label', sa.String(length=32), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('themes', sa.JSON(), nullable=False),
    sa.Column('mismatch_reason', sa.Text(), nullable=True),
    sa.Column('analysis_version', sa.Integer(), nullable=True),
    sa.Column('analyzed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['invite_id'], ['invites.id'], name=op.f('fk_responses_invite_id_invites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_responses_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_responses_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responses')),
    sa.UniqueConstraint('invite_id', name=op.f('uq_responses_invite_id'))
    )
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_responses_survey_id'), ['survey_id'], unique=False)
        batch_op.create_index('ix_responses_workspace_answered', ['workspace_id', 'answered_at', 'id'], unique=False)

    op.create_table('webhook_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('invite_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'], name=op.f('fk_webhook_deliveries_integration_id_integrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invite_id'], ['invites.id'], name=op.f('fk_webhook_deliveries_invite_id_invites'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    sa.UniqueConstraint('integration_id', 'external_id', name=op.f('uq_webhook_deliveries_integration_id_external_id'))
    )
    op.create_table('response_themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('theme', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_response_themes_response_id_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_themes')),
    sa.UniqueConstraint('response_id', 'theme', name=op.f('uq_response_themes_response_id_theme'))
    )
    with op.batch_alter_table('response_themes', schema=None) as batch_op:
        batch_op.create_index('ix_response_themes_theme', ['theme'], unique=False)




def downgrade():
    
    with op.batch_alter_table('response_themes', schema=None) as batch_op:
        batch_op.drop_index('ix_response_themes_theme')

    op.drop_table('response_themes')
    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index('ix_responses_workspace_answered')
        batch_op.drop_index(batch_op.f('ix_responses_survey_id'))

    op.drop_table('responses')
    with op.batch_alter_table('invite_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invite_events_invite_id'))

    op.drop_table('invite_events')
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invites_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_invites_survey_id'))
        batch_op.drop_index('ix_invites_due')

    op.drop_table('invites')
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integrations_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_integrations_survey_id'))

    op.drop_table('integrations')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_surveys_workspace_id'))

    op.drop_table('surveys')
    op.drop_table('workspaces')

