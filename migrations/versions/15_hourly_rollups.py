"""rollups per UTC hour: any time zone, and the partial days at a range's edges, without raw rows

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

metric_rollups_hourly holds the rows of metric_rollups per UTC hour, kept by triggers of their own
(the daily ones keep the text 0003 and 0006 froze). A local day in any zone is a sum of whole
hours, plus two partial hours in a half-hour zone, so /metrics in a zone other than the
workspace's no longer reads raw rows for whole hours (see app/services/insights/cells.py). It
holds every grain but those of all five dimensions (31 and 63), about one row per fact at this
grain: a mix of several dimensions reads its partial days from the raw rows. Existing workspaces
are rolled up here, in the migration's transaction.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('metric_rollups_hourly',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('grain', sa.SmallInteger(), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
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
    sa.PrimaryKeyConstraint('workspace_id', 'grain', 'hour', 'survey_id', 'agent', 'team', 'channel', 'priority', 'segment', 'tag', name=op.f('pk_metric_rollups_hourly'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(HOURLY_ROLLUP_SQL)
        op.execute('SELECT afterword_rollup_hourly_rebuild(id) FROM workspaces')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(DROP_HOURLY_ROLLUP_SQL)
    op.drop_table('metric_rollups_hourly')


# Frozen copy of app.models.rollup_sql.hourly_rollup_sql() as of this revision (migrations never
# import the app; tests/api/test_insights.py checks they agree until a later revision changes it).
HOURLY_ROLLUP_SQL = r'''
CREATE OR REPLACE FUNCTION afterword_rollup_hourly_apply(
    p_workspace integer, p_survey integer, p_hour timestamptz, p_agent text, p_label text, p_team text,
    p_channel text, p_priority text, p_segment text, p_tags json, p_score integer,
    p_polarity double precision, p_delivered integer, p_answered integer, p_sign integer
) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    IF p_hour IS NULL THEN
        RETURN;
    END IF;
    IF p_sign > 0 THEN
        INSERT INTO metric_rollups_hourly AS r (workspace_id, grain, hour, survey_id, agent, team, channel, priority, segment, tag, label, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, polarity_sum, polarity_n, delivered, answered)
        SELECT p_workspace, g.grain, p_hour, p_survey,
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
            SELECT unnest(ARRAY[0, 1, 2, 4, 8, 16]) AS grain, ''::text AS tag
            UNION
            SELECT g, t.value FROM json_array_elements_text(COALESCE(p_tags, '[]'::json)) AS t(value),
                unnest(ARRAY[32]) AS g
        ) AS g
        ON CONFLICT (workspace_id, grain, hour, survey_id, agent, team, channel, priority, segment, tag) DO UPDATE SET
            label = COALESCE(EXCLUDED.label, r.label),
            s0 = r.s0 + EXCLUDED.s0, s1 = r.s1 + EXCLUDED.s1, s2 = r.s2 + EXCLUDED.s2, s3 = r.s3 + EXCLUDED.s3, s4 = r.s4 + EXCLUDED.s4, s5 = r.s5 + EXCLUDED.s5, s6 = r.s6 + EXCLUDED.s6, s7 = r.s7 + EXCLUDED.s7, s8 = r.s8 + EXCLUDED.s8, s9 = r.s9 + EXCLUDED.s9, s10 = r.s10 + EXCLUDED.s10,
            polarity_sum = r.polarity_sum + EXCLUDED.polarity_sum,
            polarity_n = r.polarity_n + EXCLUDED.polarity_n,
            delivered = r.delivered + EXCLUDED.delivered,
            answered = r.answered + EXCLUDED.answered;
    ELSE
        -- Only ever subtract from rows that exist (a removal never creates a row).
        UPDATE metric_rollups_hourly AS r SET
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
                SELECT unnest(ARRAY[0, 1, 2, 4, 8, 16]) AS grain, ''::text AS tag
                UNION
                SELECT g, t.value FROM json_array_elements_text(COALESCE(p_tags, '[]'::json)) AS t(value),
                    unnest(ARRAY[32]) AS g
            ) AS g
        ) AS v
        WHERE r.workspace_id = p_workspace AND r.grain = v.grain AND r.hour = p_hour AND r.survey_id = p_survey
            AND r.agent = v.agent AND r.team = v.team AND r.channel = v.channel AND r.priority = v.priority
            AND r.segment = v.segment AND r.tag = v.tag;
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_rollup_hourly_answer(
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
    PERFORM afterword_rollup_hourly_apply(
        p_workspace, p_survey, date_trunc('hour', p_at, 'UTC'),
        COALESCE(NULLIF(p_invite.agent_id, ''), NULLIF(p_invite.agent_email, ''), NULLIF(p_invite.agent_name, ''), ''),
        p_invite.agent_name, COALESCE(p_invite.team, ''), COALESCE(p_invite.channel, ''),
        COALESCE(p_invite.priority, ''), COALESCE(p_invite.customer_segment, ''), p_invite.tags,
        p_score, p_polarity, 0, 0, p_sign);
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_rollup_hourly_delivery(p_invite invites, p_sign integer) RETURNS void
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
    PERFORM afterword_rollup_hourly_apply(
        p_invite.workspace_id, p_invite.survey_id, date_trunc('hour', p_invite.sent_at, 'UTC'),
        COALESCE(NULLIF(p_invite.agent_id, ''), NULLIF(p_invite.agent_email, ''), NULLIF(p_invite.agent_name, ''), ''),
        p_invite.agent_name, COALESCE(p_invite.team, ''), COALESCE(p_invite.channel, ''),
        COALESCE(p_invite.priority, ''), COALESCE(p_invite.customer_segment, ''), p_invite.tags,
        NULL, NULL, 1, (p_invite.answered_at IS NOT NULL)::int, p_sign);
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_rollup_hourly_responses() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
        PERFORM afterword_rollup_hourly_answer(inv, OLD.workspace_id, OLD.survey_id, OLD.answered_at, OLD.score, OLD.polarity, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        SELECT * INTO inv FROM invites WHERE id = NEW.invite_id;
        PERFORM afterword_rollup_hourly_answer(inv, NEW.workspace_id, NEW.survey_id, NEW.answered_at, NEW.score, NEW.polarity, 1);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_rollup_hourly_invites() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
        PERFORM afterword_rollup_hourly_delivery(OLD, -1);
        IF TG_OP = 'DELETE' OR moved THEN
            FOR resp IN SELECT * FROM responses WHERE invite_id = OLD.id LOOP
                PERFORM afterword_rollup_hourly_answer(OLD, resp.workspace_id, resp.survey_id, resp.answered_at, resp.score, resp.polarity, -1);
            END LOOP;
        END IF;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM afterword_rollup_hourly_delivery(NEW, 1);
        IF moved THEN
            FOR resp IN SELECT * FROM responses WHERE invite_id = NEW.id LOOP
                PERFORM afterword_rollup_hourly_answer(NEW, resp.workspace_id, resp.survey_id, resp.answered_at, resp.score, resp.polarity, 1);
            END LOOP;
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_rollup_hourly_invites_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    WITH changed AS (
        -- Invites whose rollup facts changed: sent, answered, or moved to other ticket facts.
        SELECT o.id, (n.agent_id, n.agent_email, n.agent_name, n.team, n.channel, n.priority, n.customer_segment, n.tags::text, n.survey_id, n.workspace_id) IS DISTINCT FROM (o.agent_id, o.agent_email, o.agent_name, o.team, o.channel, o.priority, o.customer_segment, o.tags::text, o.survey_id, o.workspace_id) AS moved
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (n.agent_id, n.agent_email, n.agent_name, n.team, n.channel, n.priority, n.customer_segment, n.tags::text, n.survey_id, n.workspace_id) IS DISTINCT FROM (o.agent_id, o.agent_email, o.agent_name, o.team, o.channel, o.priority, o.customer_segment, o.tags::text, o.survey_id, o.workspace_id) OR n.sent_at IS DISTINCT FROM o.sent_at OR n.answered_at IS DISTINCT FROM o.answered_at
    ), facts AS (
        -- Each delivery out under its old values and in under its new ones; the answers of a
        -- moved invite likewise (the rest of its answers' facts live on the responses).
        SELECT -1 AS sign, o.workspace_id, o.survey_id, o.sent_at AS at, NULL::integer AS score,
            NULL::double precision AS polarity, 1 AS delivered, (o.answered_at IS NOT NULL)::int AS answered, COALESCE(NULLIF(o.agent_id, ''), NULLIF(o.agent_email, ''), NULLIF(o.agent_name, ''), '') AS agent, o.agent_name AS agent_name, COALESCE(o.team, '') AS team, COALESCE(o.channel, '') AS channel, COALESCE(o.priority, '') AS priority, COALESCE(o.customer_segment, '') AS segment, o.tags
        FROM changed c JOIN old_rows o ON o.id = c.id WHERE o.sent_at IS NOT NULL
        UNION ALL
        SELECT 1, n.workspace_id, n.survey_id, n.sent_at, NULL, NULL, 1, (n.answered_at IS NOT NULL)::int, COALESCE(NULLIF(n.agent_id, ''), NULLIF(n.agent_email, ''), NULLIF(n.agent_name, ''), '') AS agent, n.agent_name AS agent_name, COALESCE(n.team, '') AS team, COALESCE(n.channel, '') AS channel, COALESCE(n.priority, '') AS priority, COALESCE(n.customer_segment, '') AS segment, n.tags
        FROM changed c JOIN new_rows n ON n.id = c.id WHERE n.sent_at IS NOT NULL
        UNION ALL
        SELECT -1, r.workspace_id, r.survey_id, r.answered_at, r.score, r.polarity, 0, 0, COALESCE(NULLIF(o.agent_id, ''), NULLIF(o.agent_email, ''), NULLIF(o.agent_name, ''), '') AS agent, o.agent_name AS agent_name, COALESCE(o.team, '') AS team, COALESCE(o.channel, '') AS channel, COALESCE(o.priority, '') AS priority, COALESCE(o.customer_segment, '') AS segment, o.tags
        FROM changed c JOIN old_rows o ON o.id = c.id JOIN responses r ON r.invite_id = o.id WHERE c.moved
        UNION ALL
        SELECT 1, r.workspace_id, r.survey_id, r.answered_at, r.score, r.polarity, 0, 0, COALESCE(NULLIF(n.agent_id, ''), NULLIF(n.agent_email, ''), NULLIF(n.agent_name, ''), '') AS agent, n.agent_name AS agent_name, COALESCE(n.team, '') AS team, COALESCE(n.channel, '') AS channel, COALESCE(n.priority, '') AS priority, COALESCE(n.customer_segment, '') AS segment, n.tags
        FROM changed c JOIN new_rows n ON n.id = c.id JOIN responses r ON r.invite_id = n.id WHERE c.moved
    ), dated AS (
        SELECT f.*, date_trunc('hour', f.at, 'UTC') AS hour, row_number() OVER () AS fact
        FROM facts f JOIN workspaces w ON w.id = f.workspace_id
        WHERE w.timezone IS NOT NULL
    ), deltas AS (
        SELECT workspace_id, (CASE WHEN GROUPING(agent) = 0 THEN 1 ELSE 0 END + CASE WHEN GROUPING(team) = 0 THEN 2 ELSE 0 END + CASE WHEN GROUPING(channel) = 0 THEN 4 ELSE 0 END + CASE WHEN GROUPING(priority) = 0 THEN 8 ELSE 0 END + CASE WHEN GROUPING(segment) = 0 THEN 16 ELSE 0 END) AS grain, hour, survey_id, COALESCE(agent, '') AS agent,
            COALESCE(team, '') AS team, COALESCE(channel, '') AS channel, COALESCE(priority, '') AS priority,
            COALESCE(segment, '') AS segment, '' AS tag, CASE WHEN GROUPING(agent) = 0 THEN max(agent_name) FILTER (WHERE sign > 0) END AS label, COALESCE(sum(sign) FILTER (WHERE score = 0), 0) AS s0, COALESCE(sum(sign) FILTER (WHERE score = 1), 0) AS s1, COALESCE(sum(sign) FILTER (WHERE score = 2), 0) AS s2, COALESCE(sum(sign) FILTER (WHERE score = 3), 0) AS s3, COALESCE(sum(sign) FILTER (WHERE score = 4), 0) AS s4, COALESCE(sum(sign) FILTER (WHERE score = 5), 0) AS s5, COALESCE(sum(sign) FILTER (WHERE score = 6), 0) AS s6, COALESCE(sum(sign) FILTER (WHERE score = 7), 0) AS s7, COALESCE(sum(sign) FILTER (WHERE score = 8), 0) AS s8, COALESCE(sum(sign) FILTER (WHERE score = 9), 0) AS s9, COALESCE(sum(sign) FILTER (WHERE score = 10), 0) AS s10, COALESCE(sum(sign * polarity), 0) AS polarity_sum, COALESCE(sum(sign) FILTER (WHERE polarity IS NOT NULL), 0) AS polarity_n, sum(sign * delivered) AS delivered, sum(sign * answered) AS answered
        FROM dated
        GROUP BY workspace_id, survey_id, hour, GROUPING SETS ((), (agent), (team), (channel), (priority), (segment))
        UNION ALL
        SELECT workspace_id, 32 + (CASE WHEN GROUPING(agent) = 0 THEN 1 ELSE 0 END + CASE WHEN GROUPING(team) = 0 THEN 2 ELSE 0 END + CASE WHEN GROUPING(channel) = 0 THEN 4 ELSE 0 END + CASE WHEN GROUPING(priority) = 0 THEN 8 ELSE 0 END + CASE WHEN GROUPING(segment) = 0 THEN 16 ELSE 0 END), hour, survey_id, COALESCE(agent, ''), COALESCE(team, ''),
            COALESCE(channel, ''), COALESCE(priority, ''), COALESCE(segment, ''), tag, CASE WHEN GROUPING(agent) = 0 THEN max(agent_name) FILTER (WHERE sign > 0) END AS label, COALESCE(sum(sign) FILTER (WHERE score = 0), 0) AS s0, COALESCE(sum(sign) FILTER (WHERE score = 1), 0) AS s1, COALESCE(sum(sign) FILTER (WHERE score = 2), 0) AS s2, COALESCE(sum(sign) FILTER (WHERE score = 3), 0) AS s3, COALESCE(sum(sign) FILTER (WHERE score = 4), 0) AS s4, COALESCE(sum(sign) FILTER (WHERE score = 5), 0) AS s5, COALESCE(sum(sign) FILTER (WHERE score = 6), 0) AS s6, COALESCE(sum(sign) FILTER (WHERE score = 7), 0) AS s7, COALESCE(sum(sign) FILTER (WHERE score = 8), 0) AS s8, COALESCE(sum(sign) FILTER (WHERE score = 9), 0) AS s9, COALESCE(sum(sign) FILTER (WHERE score = 10), 0) AS s10, COALESCE(sum(sign * polarity), 0) AS polarity_sum, COALESCE(sum(sign) FILTER (WHERE polarity IS NOT NULL), 0) AS polarity_n, sum(sign * delivered) AS delivered, sum(sign * answered) AS answered
        FROM (SELECT DISTINCT ON (d.fact, t.value) d.*, t.value AS tag
              FROM dated d, json_array_elements_text(COALESCE(d.tags, '[]'::json)) AS t(value)) AS tagged
        GROUP BY workspace_id, survey_id, hour, tag, GROUPING SETS ((), (agent, team, channel, priority, segment))
        HAVING GROUPING(agent) = 1
    ), netted AS (
        SELECT * FROM deltas WHERE s0 <> 0 OR s1 <> 0 OR s2 <> 0 OR s3 <> 0 OR s4 <> 0 OR s5 <> 0 OR s6 <> 0 OR s7 <> 0 OR s8 <> 0 OR s9 <> 0 OR s10 <> 0 OR polarity_sum <> 0 OR polarity_n <> 0 OR delivered <> 0 OR answered <> 0
    ), updated AS (
        UPDATE metric_rollups_hourly AS r SET label = COALESCE(d.label, r.label), s0 = r.s0 + d.s0, s1 = r.s1 + d.s1, s2 = r.s2 + d.s2, s3 = r.s3 + d.s3, s4 = r.s4 + d.s4, s5 = r.s5 + d.s5, s6 = r.s6 + d.s6, s7 = r.s7 + d.s7, s8 = r.s8 + d.s8, s9 = r.s9 + d.s9, s10 = r.s10 + d.s10, polarity_sum = r.polarity_sum + d.polarity_sum, polarity_n = r.polarity_n + d.polarity_n, delivered = r.delivered + d.delivered, answered = r.answered + d.answered
        FROM netted d WHERE r.workspace_id = d.workspace_id AND r.grain = d.grain AND r.hour = d.hour AND r.survey_id = d.survey_id AND r.agent = d.agent AND r.team = d.team AND r.channel = d.channel AND r.priority = d.priority AND r.segment = d.segment AND r.tag = d.tag
        RETURNING r.workspace_id, r.grain, r.hour, r.survey_id, r.agent, r.team, r.channel, r.priority, r.segment, r.tag
    )
    -- Rows not there yet are added; a removal never creates a row.
    INSERT INTO metric_rollups_hourly AS r (workspace_id, grain, hour, survey_id, agent, team, channel, priority, segment, tag, label, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, polarity_sum, polarity_n, delivered, answered)
    SELECT d.workspace_id, d.grain, d.hour, d.survey_id, d.agent, d.team, d.channel, d.priority, d.segment, d.tag,
        d.label, d.s0, d.s1, d.s2, d.s3, d.s4, d.s5, d.s6, d.s7, d.s8, d.s9, d.s10, d.polarity_sum, d.polarity_n, d.delivered, d.answered
    FROM netted d
    WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE u.workspace_id = d.workspace_id AND u.grain = d.grain AND u.hour = d.hour AND u.survey_id = d.survey_id AND u.agent = d.agent AND u.team = d.team AND u.channel = d.channel AND u.priority = d.priority AND u.segment = d.segment AND u.tag = d.tag) AND d.s0 >= 0 AND d.s1 >= 0 AND d.s2 >= 0 AND d.s3 >= 0 AND d.s4 >= 0 AND d.s5 >= 0 AND d.s6 >= 0 AND d.s7 >= 0 AND d.s8 >= 0 AND d.s9 >= 0 AND d.s10 >= 0 AND d.polarity_n >= 0 AND d.delivered >= 0 AND d.answered >= 0
    ON CONFLICT (workspace_id, grain, hour, survey_id, agent, team, channel, priority, segment, tag) DO UPDATE SET label = COALESCE(EXCLUDED.label, r.label), s0 = r.s0 + EXCLUDED.s0, s1 = r.s1 + EXCLUDED.s1, s2 = r.s2 + EXCLUDED.s2, s3 = r.s3 + EXCLUDED.s3, s4 = r.s4 + EXCLUDED.s4, s5 = r.s5 + EXCLUDED.s5, s6 = r.s6 + EXCLUDED.s6, s7 = r.s7 + EXCLUDED.s7, s8 = r.s8 + EXCLUDED.s8, s9 = r.s9 + EXCLUDED.s9, s10 = r.s10 + EXCLUDED.s10, polarity_sum = r.polarity_sum + EXCLUDED.polarity_sum, polarity_n = r.polarity_n + EXCLUDED.polarity_n, delivered = r.delivered + EXCLUDED.delivered, answered = r.answered + EXCLUDED.answered;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_rollup_hourly_rebuild(p_workspace integer) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    zone text;
BEGIN
    SELECT timezone INTO zone FROM workspaces WHERE id = p_workspace;
    DELETE FROM metric_rollups_hourly WHERE workspace_id = p_workspace;
    IF zone IS NULL THEN
        RETURN;
    END IF;
    -- Answers (by the day answered) and deliveries (by the day sent) as one set of facts, so each
    -- grain is written by one INSERT with no conflicts to resolve.
    CREATE TEMPORARY TABLE afterword_rollup_hourly_facts ON COMMIT DROP AS
        SELECT r.survey_id, date_trunc('hour', r.answered_at, 'UTC') AS hour, r.score, r.polarity,
            0 AS delivered, 0 AS answered, i.tags, COALESCE(NULLIF(i.agent_id, ''), NULLIF(i.agent_email, ''), NULLIF(i.agent_name, ''), '') AS agent, i.agent_name AS agent_name, COALESCE(i.team, '') AS team, COALESCE(i.channel, '') AS channel, COALESCE(i.priority, '') AS priority, COALESCE(i.customer_segment, '') AS segment
        FROM responses r JOIN invites i ON i.id = r.invite_id WHERE r.workspace_id = p_workspace
        UNION ALL
        SELECT i.survey_id, date_trunc('hour', i.sent_at, 'UTC'), NULL, NULL, 1, (i.answered_at IS NOT NULL)::int,
            i.tags, COALESCE(NULLIF(i.agent_id, ''), NULLIF(i.agent_email, ''), NULLIF(i.agent_name, ''), '') AS agent, i.agent_name AS agent_name, COALESCE(i.team, '') AS team, COALESCE(i.channel, '') AS channel, COALESCE(i.priority, '') AS priority, COALESCE(i.customer_segment, '') AS segment
        FROM invites i WHERE i.workspace_id = p_workspace AND i.sent_at IS NOT NULL;

    INSERT INTO metric_rollups_hourly (workspace_id, grain, hour, survey_id, agent, team, channel, priority, segment, tag, label, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, polarity_sum, polarity_n, delivered, answered)
    SELECT p_workspace, (CASE WHEN GROUPING(agent) = 0 THEN 1 ELSE 0 END + CASE WHEN GROUPING(team) = 0 THEN 2 ELSE 0 END + CASE WHEN GROUPING(channel) = 0 THEN 4 ELSE 0 END + CASE WHEN GROUPING(priority) = 0 THEN 8 ELSE 0 END + CASE WHEN GROUPING(segment) = 0 THEN 16 ELSE 0 END), hour, survey_id, COALESCE(agent, ''), COALESCE(team, ''), COALESCE(channel, ''),
        COALESCE(priority, ''), COALESCE(segment, ''), '',
        CASE WHEN GROUPING(agent) = 0 THEN max(agent_name) END,
        count(*) FILTER (WHERE score = 0), count(*) FILTER (WHERE score = 1), count(*) FILTER (WHERE score = 2), count(*) FILTER (WHERE score = 3), count(*) FILTER (WHERE score = 4), count(*) FILTER (WHERE score = 5), count(*) FILTER (WHERE score = 6), count(*) FILTER (WHERE score = 7), count(*) FILTER (WHERE score = 8), count(*) FILTER (WHERE score = 9), count(*) FILTER (WHERE score = 10), COALESCE(sum(polarity), 0), count(polarity), sum(delivered), sum(answered)
    FROM afterword_rollup_hourly_facts
    GROUP BY survey_id, hour, GROUPING SETS ((), (agent), (team), (channel), (priority), (segment));

    INSERT INTO metric_rollups_hourly (workspace_id, grain, hour, survey_id, agent, team, channel, priority, segment, tag, label, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, polarity_sum, polarity_n, delivered, answered)
    SELECT p_workspace, 32 + (CASE WHEN GROUPING(agent) = 0 THEN 1 ELSE 0 END + CASE WHEN GROUPING(team) = 0 THEN 2 ELSE 0 END + CASE WHEN GROUPING(channel) = 0 THEN 4 ELSE 0 END + CASE WHEN GROUPING(priority) = 0 THEN 8 ELSE 0 END + CASE WHEN GROUPING(segment) = 0 THEN 16 ELSE 0 END), hour, survey_id, COALESCE(agent, ''), COALESCE(team, ''),
        COALESCE(channel, ''), COALESCE(priority, ''), COALESCE(segment, ''), tag,
        CASE WHEN GROUPING(agent) = 0 THEN max(agent_name) END,
        count(*) FILTER (WHERE score = 0), count(*) FILTER (WHERE score = 1), count(*) FILTER (WHERE score = 2), count(*) FILTER (WHERE score = 3), count(*) FILTER (WHERE score = 4), count(*) FILTER (WHERE score = 5), count(*) FILTER (WHERE score = 6), count(*) FILTER (WHERE score = 7), count(*) FILTER (WHERE score = 8), count(*) FILTER (WHERE score = 9), count(*) FILTER (WHERE score = 10), COALESCE(sum(polarity), 0), count(polarity), sum(delivered), sum(answered)
    FROM (SELECT DISTINCT ON (f.ctid, t.value) f.*, t.value AS tag
          FROM afterword_rollup_hourly_facts f, json_array_elements_text(f.tags) AS t(value)) AS tagged
    GROUP BY survey_id, hour, tag, GROUPING SETS ((), (agent, team, channel, priority, segment))
    HAVING GROUPING(agent) = 1;

    DROP TABLE afterword_rollup_hourly_facts;
END
$fn$;

CREATE TRIGGER afterword_rollup_hourly_responses
    AFTER INSERT OR DELETE OR UPDATE OF score, polarity, answered_at, invite_id, survey_id, workspace_id
    ON responses FOR EACH ROW EXECUTE FUNCTION afterword_rollup_hourly_responses();
CREATE TRIGGER afterword_rollup_hourly_invites
    AFTER INSERT ON invites FOR EACH ROW EXECUTE FUNCTION afterword_rollup_hourly_invites();
CREATE TRIGGER afterword_rollup_hourly_invites_updated
    AFTER UPDATE ON invites REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION afterword_rollup_hourly_invites_updated();
CREATE TRIGGER afterword_rollup_hourly_invites_delete
    BEFORE DELETE ON invites FOR EACH ROW EXECUTE FUNCTION afterword_rollup_hourly_invites();
'''

DROP_HOURLY_ROLLUP_SQL = r'''
DROP TRIGGER IF EXISTS afterword_rollup_hourly_invites_updated ON invites;
DROP TRIGGER IF EXISTS afterword_rollup_hourly_invites_delete ON invites;
DROP TRIGGER IF EXISTS afterword_rollup_hourly_invites ON invites;
DROP TRIGGER IF EXISTS afterword_rollup_hourly_responses ON responses;
DROP FUNCTION IF EXISTS afterword_rollup_hourly_rebuild(integer);
DROP FUNCTION IF EXISTS afterword_rollup_hourly_invites_updated();
DROP FUNCTION IF EXISTS afterword_rollup_hourly_invites();
DROP FUNCTION IF EXISTS afterword_rollup_hourly_responses();
DROP FUNCTION IF EXISTS afterword_rollup_hourly_delivery(invites, integer);
DROP FUNCTION IF EXISTS afterword_rollup_hourly_answer(invites, integer, integer, timestamptz, integer, double precision, integer);
DROP FUNCTION IF EXISTS afterword_rollup_hourly_apply(integer, integer, timestamptz, text, text, text, text, text, text, json, integer, double precision, integer, integer, integer);
'''
