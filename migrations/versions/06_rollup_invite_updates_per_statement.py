"""rollups: an UPDATE of invites is rolled up once per statement

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-22

The delivery worker records a whole batch of sent invites in one UPDATE; the row-level trigger
upserted ~9 rollup rows per invite, the statement-level one nets the batch first (see
app/models/rollup.py). Inserts and deletes keep their row-level triggers.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(INVITES_UPDATED_SQL)
        op.execute('DROP TRIGGER IF EXISTS afterword_rollup_invites ON invites')
        op.execute(INVITE_TRIGGERS_SQL)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS afterword_rollup_invites_updated ON invites')
        op.execute('DROP TRIGGER IF EXISTS afterword_rollup_invites ON invites')
        op.execute('DROP FUNCTION IF EXISTS afterword_rollup_invites_updated()')
        op.execute(ROW_TRIGGER_0003_SQL)


# Frozen copies of app.models.rollup's INVITE_TRIGGERS_SQL and invites_updated_sql() as of this
# revision (migrations never import the app; tests/test_insights_api.py checks they agree until
# a later revision changes them).
INVITES_UPDATED_SQL = r'''CREATE OR REPLACE FUNCTION afterword_rollup_invites_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
        SELECT f.*, (f.at AT TIME ZONE w.timezone)::date AS day, row_number() OVER () AS fact
        FROM facts f JOIN workspaces w ON w.id = f.workspace_id
        WHERE w.timezone IS NOT NULL
    ), deltas AS (
        SELECT workspace_id, (CASE WHEN GROUPING(agent) = 0 THEN 1 ELSE 0 END + CASE WHEN GROUPING(team) = 0 THEN 2 ELSE 0 END + CASE WHEN GROUPING(channel) = 0 THEN 4 ELSE 0 END + CASE WHEN GROUPING(priority) = 0 THEN 8 ELSE 0 END + CASE WHEN GROUPING(segment) = 0 THEN 16 ELSE 0 END) AS grain, day, survey_id, COALESCE(agent, '') AS agent,
            COALESCE(team, '') AS team, COALESCE(channel, '') AS channel, COALESCE(priority, '') AS priority,
            COALESCE(segment, '') AS segment, '' AS tag, CASE WHEN GROUPING(agent) = 0 THEN max(agent_name) FILTER (WHERE sign > 0) END AS label, COALESCE(sum(sign) FILTER (WHERE score = 0), 0) AS s0, COALESCE(sum(sign) FILTER (WHERE score = 1), 0) AS s1, COALESCE(sum(sign) FILTER (WHERE score = 2), 0) AS s2, COALESCE(sum(sign) FILTER (WHERE score = 3), 0) AS s3, COALESCE(sum(sign) FILTER (WHERE score = 4), 0) AS s4, COALESCE(sum(sign) FILTER (WHERE score = 5), 0) AS s5, COALESCE(sum(sign) FILTER (WHERE score = 6), 0) AS s6, COALESCE(sum(sign) FILTER (WHERE score = 7), 0) AS s7, COALESCE(sum(sign) FILTER (WHERE score = 8), 0) AS s8, COALESCE(sum(sign) FILTER (WHERE score = 9), 0) AS s9, COALESCE(sum(sign) FILTER (WHERE score = 10), 0) AS s10, COALESCE(sum(sign * polarity), 0) AS polarity_sum, COALESCE(sum(sign) FILTER (WHERE polarity IS NOT NULL), 0) AS polarity_n, sum(sign * delivered) AS delivered, sum(sign * answered) AS answered
        FROM dated
        GROUP BY workspace_id, survey_id, day, GROUPING SETS ((), (agent), (team), (channel), (priority), (segment), (agent, team, channel, priority, segment))
        UNION ALL
        SELECT workspace_id, 32 + (CASE WHEN GROUPING(agent) = 0 THEN 1 ELSE 0 END + CASE WHEN GROUPING(team) = 0 THEN 2 ELSE 0 END + CASE WHEN GROUPING(channel) = 0 THEN 4 ELSE 0 END + CASE WHEN GROUPING(priority) = 0 THEN 8 ELSE 0 END + CASE WHEN GROUPING(segment) = 0 THEN 16 ELSE 0 END), day, survey_id, COALESCE(agent, ''), COALESCE(team, ''),
            COALESCE(channel, ''), COALESCE(priority, ''), COALESCE(segment, ''), tag, CASE WHEN GROUPING(agent) = 0 THEN max(agent_name) FILTER (WHERE sign > 0) END AS label, COALESCE(sum(sign) FILTER (WHERE score = 0), 0) AS s0, COALESCE(sum(sign) FILTER (WHERE score = 1), 0) AS s1, COALESCE(sum(sign) FILTER (WHERE score = 2), 0) AS s2, COALESCE(sum(sign) FILTER (WHERE score = 3), 0) AS s3, COALESCE(sum(sign) FILTER (WHERE score = 4), 0) AS s4, COALESCE(sum(sign) FILTER (WHERE score = 5), 0) AS s5, COALESCE(sum(sign) FILTER (WHERE score = 6), 0) AS s6, COALESCE(sum(sign) FILTER (WHERE score = 7), 0) AS s7, COALESCE(sum(sign) FILTER (WHERE score = 8), 0) AS s8, COALESCE(sum(sign) FILTER (WHERE score = 9), 0) AS s9, COALESCE(sum(sign) FILTER (WHERE score = 10), 0) AS s10, COALESCE(sum(sign * polarity), 0) AS polarity_sum, COALESCE(sum(sign) FILTER (WHERE polarity IS NOT NULL), 0) AS polarity_n, sum(sign * delivered) AS delivered, sum(sign * answered) AS answered
        FROM (SELECT DISTINCT ON (d.fact, t.value) d.*, t.value AS tag
              FROM dated d, json_array_elements_text(COALESCE(d.tags, '[]'::json)) AS t(value)) AS tagged
        GROUP BY workspace_id, survey_id, day, tag, GROUPING SETS ((), (agent, team, channel, priority, segment))
    ), netted AS (
        SELECT * FROM deltas WHERE s0 <> 0 OR s1 <> 0 OR s2 <> 0 OR s3 <> 0 OR s4 <> 0 OR s5 <> 0 OR s6 <> 0 OR s7 <> 0 OR s8 <> 0 OR s9 <> 0 OR s10 <> 0 OR polarity_sum <> 0 OR polarity_n <> 0 OR delivered <> 0 OR answered <> 0
    ), updated AS (
        UPDATE metric_rollups AS r SET label = COALESCE(d.label, r.label), s0 = r.s0 + d.s0, s1 = r.s1 + d.s1, s2 = r.s2 + d.s2, s3 = r.s3 + d.s3, s4 = r.s4 + d.s4, s5 = r.s5 + d.s5, s6 = r.s6 + d.s6, s7 = r.s7 + d.s7, s8 = r.s8 + d.s8, s9 = r.s9 + d.s9, s10 = r.s10 + d.s10, polarity_sum = r.polarity_sum + d.polarity_sum, polarity_n = r.polarity_n + d.polarity_n, delivered = r.delivered + d.delivered, answered = r.answered + d.answered
        FROM netted d WHERE r.workspace_id = d.workspace_id AND r.grain = d.grain AND r.day = d.day AND r.survey_id = d.survey_id AND r.agent = d.agent AND r.team = d.team AND r.channel = d.channel AND r.priority = d.priority AND r.segment = d.segment AND r.tag = d.tag
        RETURNING r.workspace_id, r.grain, r.day, r.survey_id, r.agent, r.team, r.channel, r.priority, r.segment, r.tag
    )
    -- Rows not there yet are added; a removal never creates a row.
    INSERT INTO metric_rollups AS r (workspace_id, grain, day, survey_id, agent, team, channel, priority, segment, tag, label, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, polarity_sum, polarity_n, delivered, answered)
    SELECT d.workspace_id, d.grain, d.day, d.survey_id, d.agent, d.team, d.channel, d.priority, d.segment, d.tag,
        d.label, d.s0, d.s1, d.s2, d.s3, d.s4, d.s5, d.s6, d.s7, d.s8, d.s9, d.s10, d.polarity_sum, d.polarity_n, d.delivered, d.answered
    FROM netted d
    WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE u.workspace_id = d.workspace_id AND u.grain = d.grain AND u.day = d.day AND u.survey_id = d.survey_id AND u.agent = d.agent AND u.team = d.team AND u.channel = d.channel AND u.priority = d.priority AND u.segment = d.segment AND u.tag = d.tag) AND d.s0 >= 0 AND d.s1 >= 0 AND d.s2 >= 0 AND d.s3 >= 0 AND d.s4 >= 0 AND d.s5 >= 0 AND d.s6 >= 0 AND d.s7 >= 0 AND d.s8 >= 0 AND d.s9 >= 0 AND d.s10 >= 0 AND d.polarity_n >= 0 AND d.delivered >= 0 AND d.answered >= 0
    ON CONFLICT (workspace_id, grain, day, survey_id, agent, team, channel, priority, segment, tag) DO UPDATE SET label = COALESCE(EXCLUDED.label, r.label), s0 = r.s0 + EXCLUDED.s0, s1 = r.s1 + EXCLUDED.s1, s2 = r.s2 + EXCLUDED.s2, s3 = r.s3 + EXCLUDED.s3, s4 = r.s4 + EXCLUDED.s4, s5 = r.s5 + EXCLUDED.s5, s6 = r.s6 + EXCLUDED.s6, s7 = r.s7 + EXCLUDED.s7, s8 = r.s8 + EXCLUDED.s8, s9 = r.s9 + EXCLUDED.s9, s10 = r.s10 + EXCLUDED.s10, polarity_sum = r.polarity_sum + EXCLUDED.polarity_sum, polarity_n = r.polarity_n + EXCLUDED.polarity_n, delivered = r.delivered + EXCLUDED.delivered, answered = r.answered + EXCLUDED.answered;
    RETURN NULL;
END
$fn$;
'''

INVITE_TRIGGERS_SQL = r'''CREATE TRIGGER afterword_rollup_invites
    AFTER INSERT ON invites FOR EACH ROW EXECUTE FUNCTION afterword_rollup_invites();
CREATE TRIGGER afterword_rollup_invites_updated
    AFTER UPDATE ON invites REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION afterword_rollup_invites_updated();'''

ROW_TRIGGER_0003_SQL = r'''CREATE TRIGGER afterword_rollup_invites
    AFTER INSERT OR UPDATE OF sent_at, answered_at, agent_id, agent_email, agent_name, team, channel, priority,
        customer_segment, tags, survey_id, workspace_id
    ON invites FOR EACH ROW EXECUTE FUNCTION afterword_rollup_invites();'''
