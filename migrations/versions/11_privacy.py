"""privacy: the audit trail (append-only), per-workspace privacy policies, removed comments

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# The audit trail refuses every change but an INSERT, whoever asks (the app has no such path;
# this stops a hand-written statement too). TRUNCATE has its own statement-level trigger.
APPEND_ONLY_SQL = """
CREATE FUNCTION afterword_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'audit_events is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER afterword_audit_append_only
    BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION afterword_audit_append_only();
CREATE TRIGGER afterword_audit_no_truncate
    BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION afterword_audit_append_only();
"""


def upgrade():
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('api_key_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_workspace', ['workspace_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_user_id'), ['user_id'], unique=False)

    op.create_table('privacy_policies',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('redact_free_text', sa.Boolean(), nullable=False),
    sa.Column('comment_text_days', sa.Integer(), nullable=True),
    sa.Column('respondent_identity_days', sa.Integer(), nullable=True),
    sa.Column('webhook_bodies_days', sa.Integer(), nullable=True),
    sa.Column('delivery_logs_days', sa.Integer(), nullable=True),
    sa.Column('webhook_logs_days', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_privacy_policies_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', name=op.f('pk_privacy_policies'))
    )

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment_removed_at', sa.DateTime(timezone=True), nullable=True))

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(APPEND_ONLY_SQL)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS afterword_audit_no_truncate ON audit_events;")
        op.execute("DROP TRIGGER IF EXISTS afterword_audit_append_only ON audit_events;")
        op.execute("DROP FUNCTION IF EXISTS afterword_audit_append_only();")
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_column('comment_removed_at')
    op.drop_table('privacy_policies')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_user_id'))
        batch_op.drop_index('ix_audit_events_workspace')
    op.drop_table('audit_events')
