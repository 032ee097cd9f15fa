"""insights: rollups (kept by triggers on PostgreSQL), annotations, workspace settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('annotations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_annotations_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annotations'))
    )
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.create_index('ix_annotations_workspace_day', ['workspace_id', 'day'], unique=False)

    op.create_table('workspace_settings',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_workspace_settings_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', name=op.f('pk_workspace_settings'))
    )
    op.create_table('metric_rollups',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('grain', sa.SmallInteger(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('agent', sa.String(length=320), nullable=False),
    sa.Column('team', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=50), nullable=False),
    sa.Column('priority', sa.String(length=50), nullable=False),
    sa.Column('segment', sa.String(length=100), nullable=False),
    sa.Column('tag', sa.String(length=100), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=True),
    sa.Column('s0', sa.Integer(), nullable=False),
    sa.Column('s1', sa.Integer(), nullable=False),
    sa.Column('s2', sa.Integer(), nullable=False),
    sa.Column('s3', sa.Integer(), nullable=False),
    sa.Column('s4', sa.Integer(), nullable=False),
    sa.Column('s5', sa.Integer(), nullable=False),
    sa.Column('s6', sa.Integer(), nullable=False),
    sa.Column('s7', sa.Integer(), nullable=False),
    sa.Column('s8', sa.Integer(), nullable=False),
    sa.Column('s9', sa.Integer(), nullable=False),
    sa.Column('s10', sa.Integer(), nullable=False),
    sa.Column('polarity_sum', sa.Float(), nullable=False),
    sa.Column('polarity_n', sa.Integer(), nullable=False),
    sa.Column('delivered', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'grain', 'day', 'survey_id', 'agent', 'team', 'channel', 'priority', 'segment', 'tag', name='pk_metric_rollups')
    )
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.create_index('ix_invites_workspace_sent', ['workspace_id', 'sent_at'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(ROLLUP_SQL)
        # Rollups for the answers that already exist.
        op.execute('SELECT afterword_rollup_rebuild(id) FROM workspaces')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(DROP_ROLLUP_SQL)
    with op.batch_alter_table('invites', schema=None) as batch_op:
        batch_op.drop_index('ix_invites_workspace_sent')

    op.drop_table('metric_rollups')
    op.drop_table('workspace_settings')
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.drop_index('ix_annotations_workspace_day')

    op.drop_table('annotations')


# A frozen copy of app.models.rollup.ROLLUP_SQL as of this revision (migrations never import the app;
# tests/test_insights_schema.py checks the two agree until a later revision changes them).
ROLLUP_SQL = r'''
CREATE OR REPLACE FUNCTION afterword_rollup_apply(
    p_workspace integer, p_survey integer, p_day date, p_agent text, p_label text, p_team text,
    p_channel text, p_priority text, p_segment text, p_tags json, p_score integer,
    p_polarity double precision, p_delivered integer, p_answered integer, p_sign integer
) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    IF p_day IS NULL THEN
        RETURN;
    END IF;
    IF p_sign > 0 THEN
        INSERT INTO metric_rollups AS r (workspace_id, grain, day, survey_id, agent, team, channel, priority, segment, tag, label, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, polarity_sum, polarity_n, delivered, answered)
        SELECT p_workspace, g.grain, p_day, p_survey,
            CASE WHEN g.grain & 1 <> 0 THEN p_agent ELSE '' END,
            CASE WHEN g.grain & 2 <> 0 THEN p_team ELSE '' END,
            CASE WHEN g.grain & 4 <> 0 THEN p_channel ELSE '' END,
            CASE WHEN g.grain & 8 <> 0 THEN p_priority ELSE '' END,
            CASE WHEN g.grain & 16 <> 0 THEN p_segment ELSE '' END,
            g.tag,
            CASE WHEN g.grain & 1 <> 0 THEN p_label END,
            p_sign * (COALESCE(p_score, -1) = 0)::int, p_sign * (COALESCE(p_score, -1) = 1)::int, p_sign * (COALESCE(p_score, -1) = 2)::int, p_sign * (COALESCE(p_score, -1) = 3)::int, p_sign * (COALESCE(p_score, -1) = 4)::int, p_sign * (COALESCE(p_score, -1) = 5)::int, p_sign * (COALESCE(p_score, -1) = 6)::int, p_sign * (COALESCE(p_score, -1) = 7)::int, p_sign * (COALESCE(p_score, -1) = 8)::int, p_sign * (COALESCE(p_score, -1) = 9)::int, p_sign * (COALESCE(p_score, -1) = 10)::int,
            COALESCE(p_polarity, 0), (p_polarity IS NOT NULL)::int, p_delivered, p_answered
        FROM (
            SELECT unnest(ARRAY[0, 1, 2, 4, 8, 16, 31]) AS grain, ''::text AS tag
            UNION
            SELECT g, t.value FROM json_array_elements_text(COALESCE(p_tags, '[]'::json)) AS t(value),
                unnest(ARRAY[32, 63]) AS g
        ) AS g
        ON CONFLICT (workspace_id, grain, day, survey_id, agent, team, channel, priority, segment, tag) DO UPDATE SET
            label = COALESCE(EXCLUDED.label, r.label),
            s0 = r.s0 + EXCLUDED.s0, s1 = r.s1 + EXCLUDED.s1, s2 = r.s2 + EXCLUDED.s2, s3 = r.s3 + EXCLUDED.s3, s4 = r.s4 + EXCLUDED.s4, s5 = r.s5 + EXCLUDED.s5, s6 = r.s6 + EXCLUDED.s6, s7 = r.s7 + EXCLUDED.s7, s8 = r.s8 + EXCLUDED.s8, s9 = r.s9 + EXCLUDED.s9, s10 = r.s10 + EXCLUDED.s10,
            polarity_sum = r.polarity_sum + EXCLUDED.polarity_sum,
            polarity_n = r.polarity_n + EXCLUDED.polarity_n,
            delivered = r.delivered + EXCLUDED.delivered,
            answered = r.answered + EXCLUDED.answered;
    ELSE
        -- Only ever subtract from rows that exist (a removal never creates a row).
        UPDATE metric_rollups AS r SET
            s0 = r.s0 + v.s0, s1 = r.s1 + v.s1, s2 = r.s2 + v.s2, s3 = r.s3 + v.s3, s4 = r.s4 + v.s4, s5 = r.s5 + v.s5, s6 = r.s6 + v.s6, s7 = r.s7 + v.s7, s8 = r.s8 + v.s8, s9 = r.s9 + v.s9, s10 = r.s10 + v.s10,
            polarity_sum = r.polarity_sum + v.polarity_sum,
            polarity_n = r.polarity_n + v.polarity_n,
            delivered = r.delivered + v.delivered,
            answered = r.answered + v.answered
        FROM (
            SELECT g.grain,
                CASE WHEN g.grain & 1 <> 0 THEN p_agent ELSE '' END AS agent,
                CASE WHEN g.grain & 2 <> 0 THEN p_team ELSE '' END AS team,
                CASE WHEN g.grain & 4 <> 0 THEN p_channel ELSE '' END AS channel,
                CASE WHEN g.grain & 8 <> 0 THEN p_priority ELSE '' END AS priority,
                CASE WHEN g.grain & 16 <> 0 THEN p_segment ELSE '' END AS segment,
                g.tag,
                p_sign * (COALESCE(p_score, -1) = 0)::int AS s0, p_sign * (COALESCE(p_score, -1) = 1)::int AS s1, p_sign * (COALESCE(p_score, -1) = 2)::int AS s2, p_sign * (COALESCE(p_score, -1) = 3)::int AS s3, p_sign * (COALESCE(p_score, -1) = 4)::int AS s4, p_sign * (COALESCE(p_score, -1) = 5)::int AS s5, p_sign * (COALESCE(p_score, -1) = 6)::int AS s6, p_sign * (COALESCE(p_score, -1) = 7)::int AS s7, p_sign * (COALESCE(p_score, -1) = 8)::int AS s8, p_sign * (COALESCE(p_score, -1) = 9)::int AS s9, p_sign * (COALESCE(p_score, -1) = 10)::int AS s10,
                p_sign * COALESCE(p_polarity, 0) AS polarity_sum, p_sign * (p_polarity IS NOT NULL)::int AS polarity_n,
                p_sign * p_delivered AS delivered, p_sign * p_answered AS answered
            FROM (
                SELECT unnest(ARRAY[0, 1, 2, 4, 8, 16, 31]) AS grain, ''::text AS tag
                UNION
                SELECT g, t.value FROM json_array_elements_text(COALESCE(p_tags, '[]'::json)) AS t(value),
                    unnest(ARRAY[32, 63]) AS g
            ) AS g
        ) AS v
        WHERE r.workspace_id = p_workspace AND r.grain = v.grain AND r.day = p_day AND r.survey_id = p_survey
            AND r.agent = v.agent AND r.team = v.team AND r.channel = v.channel AND r.priority = v.priority
            AND r.segment = v.segment AND r.tag = v.tag;
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_rollup_answer(
    p_invite invites, p_workspace integer, p_survey integer, p_at timestamptz, p_score integer,
    p_polarity double precision, p_sign integer
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    zone text;
BEGIN
    SELECT timezone INTO zone FROM workspaces WHERE id = p_workspace;
    IF zone IS NULL OR p_invite.id IS NULL THEN
        RETURN;
    END IF;
    PERFORM afterword_rollup_apply(
        p_workspace, p_survey, (p_at AT TIME ZONE zone)::date,
        COALESCE(NULLIF(p_invite.agent_id, ''), NULLIF(p_invite.agent_email, ''), NULLIF(p_invite.agent_name, ''), ''),
        p_invite.agent_name, COALESCE(p_invite.team, ''), COALESCE(p_invite.channel, ''),
        COALESCE(p_invite.priority, ''), COALESCE(p_invite.customer_segment, ''), p_invite.tags,
        p_score, p_polarity, 0, 0, p_sign);
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_rollup_delivery(p_invite invites, p_sign integer) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    zone text;
BEGIN
    IF p_invite.sent_at IS NULL THEN
        RETURN;
    END IF;
    SELECT timezone INTO zone FROM workspaces WHERE id = p_invite.workspace_id;
    IF zone IS NULL THEN
        RETURN;
    END IF;
    PERFORM afterword_rollup_apply(
        p_invite.workspace_id, p_invite.survey_id, (p_invite.sent_at AT TIME ZONE zone)::date,
        COALESCE(NULLIF(p_invite.agent_id, ''), NULLIF(p_invite.agent_email, ''), NULLIF(p_invite.agent_name, ''), ''),
        p_invite.agent_name, COALESCE(p_invite.team, ''), COALESCE(p_invite.channel, ''),
        COALESCE(p_invite.priority, ''), COALESCE(p_invite.customer_segment, ''), p_invite.tags,
        NULL, NULL, 1, (p_invite.answered_at IS NOT NULL)::int, p_sign);
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_rollup_responses() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    inv invites;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.score IS NOT DISTINCT FROM OLD.score
        AND NEW.polarity IS NOT DISTINCT FROM OLD.polarity AND NEW.answered_at = OLD.answered_at
        AND NEW.invite_id = OLD.invite_id AND NEW.survey_id = OLD.survey_id
        AND NEW.workspace_id = OLD.workspace_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        -- When the invite itself is being deleted, its BEFORE DELETE trigger already took the
        -- answer out; finding no invite here means exactly that.
        SELECT * INTO inv FROM invites WHERE id = OLD.invite_id;
        PERFORM afterword_rollup_answer(inv, OLD.workspace_id, OLD.survey_id, OLD.answered_at, OLD.score, OLD.polarity, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        SELECT * INTO inv FROM invites WHERE id = NEW.invite_id;
        PERFORM afterword_rollup_answer(inv, NEW.workspace_id, NEW.survey_id, NEW.answered_at, NEW.score, NEW.polarity, 1);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_rollup_invites() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    resp responses;
    moved boolean := false;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        moved := (NEW.agent_id, NEW.agent_email, NEW.agent_name, NEW.team, NEW.channel, NEW.priority,
                  NEW.customer_segment, NEW.tags::text, NEW.survey_id, NEW.workspace_id)
            IS DISTINCT FROM (OLD.agent_id, OLD.agent_email, OLD.agent_name, OLD.team, OLD.channel, OLD.priority,
                  OLD.customer_segment, OLD.tags::text, OLD.survey_id, OLD.workspace_id);
        IF NOT moved AND NEW.sent_at IS NOT DISTINCT FROM OLD.sent_at
            AND NEW.answered_at IS NOT DISTINCT FROM OLD.answered_at THEN
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM afterword_rollup_delivery(OLD, -1);
        IF TG_OP = 'DELETE' OR moved THEN
            FOR resp IN SELECT * FROM responses WHERE invite_id = OLD.id LOOP
                PERFORM afterword_rollup_answer(OLD, resp.workspace_id, resp.survey_id, resp.answered_at, resp.score, resp.polarity, -1);
            END LOOP;
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM afterword_rollup_delivery(NEW, 1);
        IF moved THEN
            FOR resp IN SELECT * FROM responses WHERE invite_id = NEW.id LOOP
                PERFORM afterword_rollup_answer(NEW, resp.workspace_id, resp.survey_id, resp.answered_at, resp.score, resp.polarity, 1);
            END LOOP;
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_rollup_rebuild(p_workspace integer) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    zone text;
BEGIN
    SELECT timezone INTO zone FROM workspaces WHERE id = p_workspace;
    DELETE FROM metric_rollups WHERE workspace_id = p_workspace;
    IF zone IS NULL THEN
        RETURN;
    END IF;
    -- Answers (by the day answered) and deliveries (by the day sent) as one set of facts, so each
    -- grain is written by one INSERT with no conflicts to resolve.
    CREATE TEMPORARY TABLE afterword_rollup_facts ON COMMIT DROP AS
        SELECT r.survey_id, (r.answered_at AT TIME ZONE zone)::date AS day, r.score, r.polarity,
            0 AS delivered, 0 AS answered, i.tags, COALESCE(NULLIF(i.agent_id, ''), NULLIF(i.agent_email, ''), NULLIF(i.agent_name, ''), '') AS agent, i.agent_name AS agent_name, COALESCE(i.team, '') AS team, COALESCE(i.channel, '') AS channel, COALESCE(i.priority, '') AS priority, COALESCE(i.customer_segment, '') AS segment
        FROM responses r JOIN invites i ON i.id = r.invite_id WHERE r.workspace_id = p_workspace
        UNION ALL
        SELECT i.survey_id, (i.sent_at AT TIME ZONE zone)::date, NULL, NULL, 1, (i.answered_at IS NOT NULL)::int,
            i.tags, COALESCE(NULLIF(i.agent_id, ''), NULLIF(i.agent_email, ''), NULLIF(i.agent_name, ''), '') AS agent, i.agent_name AS agent_name, COALESCE(i.team, '') AS team, COALESCE(i.channel, '') AS channel, COALESCE(i.priority, '') AS priority, COALESCE(i.customer_segment, '') AS segment
        FROM invites i WHERE i.workspace_id = p_workspace AND i.sent_at IS NOT NULL;

    INSERT INTO metric_rollups (workspace_id, grain, day, survey_id, agent, team, channel, priority, segment, tag, label, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, polarity_sum, polarity_n, delivered, answered)
    SELECT p_workspace, (CASE WHEN GROUPING(agent) = 0 THEN 1 ELSE 0 END + CASE WHEN GROUPING(team) = 0 THEN 2 ELSE 0 END + CASE WHEN GROUPING(channel) = 0 THEN 4 ELSE 0 END + CASE WHEN GROUPING(priority) = 0 THEN 8 ELSE 0 END + CASE WHEN GROUPING(segment) = 0 THEN 16 ELSE 0 END), day, survey_id, COALESCE(agent, ''), COALESCE(team, ''), COALESCE(channel, ''),
        COALESCE(priority, ''), COALESCE(segment, ''), '',
        CASE WHEN GROUPING(agent) = 0 THEN max(agent_name) END,
        count(*) FILTER (WHERE score = 0), count(*) FILTER (WHERE score = 1), count(*) FILTER (WHERE score = 2), count(*) FILTER (WHERE score = 3), count(*) FILTER (WHERE score = 4), count(*) FILTER (WHERE score = 5), count(*) FILTER (WHERE score = 6), count(*) FILTER (WHERE score = 7), count(*) FILTER (WHERE score = 8), count(*) FILTER (WHERE score = 9), count(*) FILTER (WHERE score = 10), COALESCE(sum(polarity), 0), count(polarity), sum(delivered), sum(answered)
    FROM afterword_rollup_facts
    GROUP BY survey_id, day, GROUPING SETS ((), (agent), (team), (channel), (priority), (segment), (agent, team, channel, priority, segment));

    INSERT INTO metric_rollups (workspace_id, grain, day, survey_id, agent, team, channel, priority, segment, tag, label, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, polarity_sum, polarity_n, delivered, answered)
    SELECT p_workspace, 32 + (CASE WHEN GROUPING(agent) = 0 THEN 1 ELSE 0 END + CASE WHEN GROUPING(team) = 0 THEN 2 ELSE 0 END + CASE WHEN GROUPING(channel) = 0 THEN 4 ELSE 0 END + CASE WHEN GROUPING(priority) = 0 THEN 8 ELSE 0 END + CASE WHEN GROUPING(segment) = 0 THEN 16 ELSE 0 END), day, survey_id, COALESCE(agent, ''), COALESCE(team, ''),
        COALESCE(channel, ''), COALESCE(priority, ''), COALESCE(segment, ''), tag,
        CASE WHEN GROUPING(agent) = 0 THEN max(agent_name) END,
        count(*) FILTER (WHERE score = 0), count(*) FILTER (WHERE score = 1), count(*) FILTER (WHERE score = 2), count(*) FILTER (WHERE score = 3), count(*) FILTER (WHERE score = 4), count(*) FILTER (WHERE score = 5), count(*) FILTER (WHERE score = 6), count(*) FILTER (WHERE score = 7), count(*) FILTER (WHERE score = 8), count(*) FILTER (WHERE score = 9), count(*) FILTER (WHERE score = 10), COALESCE(sum(polarity), 0), count(polarity), sum(delivered), sum(answered)
    FROM (SELECT DISTINCT ON (f.ctid, t.value) f.*, t.value AS tag
          FROM afterword_rollup_facts f, json_array_elements_text(f.tags) AS t(value)) AS tagged
    GROUP BY survey_id, day, tag, GROUPING SETS ((), (agent, team, channel, priority, segment));

    DROP TABLE afterword_rollup_facts;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_rollup_workspaces() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    -- Days are local days: a new time zone regroups every answer.
    PERFORM afterword_rollup_rebuild(NEW.id);
    RETURN NULL;
END
$fn$;

CREATE TRIGGER afterword_rollup_responses
    AFTER INSERT OR DELETE OR UPDATE OF score, polarity, answered_at, invite_id, survey_id, workspace_id
    ON responses FOR EACH ROW EXECUTE FUNCTION afterword_rollup_responses();
CREATE TRIGGER afterword_rollup_invites
    AFTER INSERT OR UPDATE OF sent_at, answered_at, agent_id, agent_email, agent_name, team, channel, priority,
        customer_segment, tags, survey_id, workspace_id
    ON invites FOR EACH ROW EXECUTE FUNCTION afterword_rollup_invites();
CREATE TRIGGER afterword_rollup_invites_delete
    BEFORE DELETE ON invites FOR EACH ROW EXECUTE FUNCTION afterword_rollup_invites();
CREATE TRIGGER afterword_rollup_workspaces
    AFTER UPDATE OF timezone ON workspaces FOR EACH ROW
    WHEN (NEW.timezone IS DISTINCT FROM OLD.timezone) EXECUTE FUNCTION afterword_rollup_workspaces();
'''

DROP_ROLLUP_SQL = r'''
DROP TRIGGER IF EXISTS afterword_rollup_workspaces ON workspaces;
DROP TRIGGER IF EXISTS afterword_rollup_invites_delete ON invites;
DROP TRIGGER IF EXISTS afterword_rollup_invites ON invites;
DROP TRIGGER IF EXISTS afterword_rollup_responses ON responses;
DROP FUNCTION IF EXISTS afterword_rollup_workspaces();
DROP FUNCTION IF EXISTS afterword_rollup_rebuild(integer);
DROP FUNCTION IF EXISTS afterword_rollup_invites();
DROP FUNCTION IF EXISTS afterword_rollup_responses();
DROP FUNCTION IF EXISTS afterword_rollup_delivery(invites, integer);
DROP FUNCTION IF EXISTS afterword_rollup_answer(invites, integer, integer, timestamptz, integer, double precision, integer);
DROP FUNCTION IF EXISTS afterword_rollup_apply(integer, integer, date, text, text, text, text, text, text, json, integer, double precision, integer, integer, integer);
'''
