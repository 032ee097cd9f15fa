"""theme sentiment and the default theme catalogue

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

Answers carry each theme's polarity (responses.theme_sentiment, response_themes.polarity); the
catalogue gains default themes (source 'default') that a workspace can switch off (enabled).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('theme_sentiment', sa.JSON(), nullable=True))
    with op.batch_alter_table('response_themes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('polarity', sa.Float(), nullable=True))
    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enabled', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.drop_constraint(op.f('ck_themes_source'), type_='check')
        batch_op.create_check_constraint(op.f('ck_themes_source'), "source IN ('auto', 'custom', 'default')")


def downgrade():
    op.execute("DELETE FROM themes WHERE source = 'default'")
    with op.batch_alter_table('themes', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_themes_source'), type_='check')
        batch_op.create_check_constraint(op.f('ck_themes_source'), "source IN ('auto', 'custom')")
        batch_op.drop_column('enabled')
    with op.batch_alter_table('response_themes', schema=None) as batch_op:
        batch_op.drop_column('polarity')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_column('theme_sentiment')
