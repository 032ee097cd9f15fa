"""themes catalogue

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-22

The workspace theme catalogue. Chained after 0001 on the issue-4 branch; re-chained at merge.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('phrases', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('auto', 'custom')", name=op.f('ck_themes_source')),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_themes_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_themes')),
    sa.UniqueConstraint('workspace_id', 'key', name=op.f('uq_themes_workspace_id_key'))
    )


def downgrade():
    op.drop_table('themes')
