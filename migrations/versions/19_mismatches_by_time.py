"""answers whose tone contradicts their score, by workspace and time

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02

The overview counts a period's tone–score mismatches and lists the newest. About one answer in
fifty is one, and without this index PostgreSQL read every answer of the period to find them: 1.6 s
of the overview's 1.9 s for 30 days at 10 million answers (benchmarks/dashboard_pages.py). Partial,
so it holds only the flagged answers.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_responses_mismatches',
        'responses',
        ['workspace_id', 'answered_at'],
        postgresql_where=sa.text('mismatch_reason IS NOT NULL'),
        sqlite_where=sa.text('mismatch_reason IS NOT NULL'),
    )


def downgrade():
    op.drop_index('ix_responses_mismatches', table_name='responses')
