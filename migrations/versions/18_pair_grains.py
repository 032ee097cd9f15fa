"""rollups: grains of two dimensions, and rebuilds that no longer sort every tagged fact

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02

metric_rollups gains a grain for every pair of dimensions (agent, team, channel, priority,
segment: grains 3, 5, 6, 9, 10, 12, 17, 18, 20, 24) and for a tag beside each one (33, 34, 36, 40,
48): /metrics with two dimensions at once (a grouping and a filter, or two filters) reads a few
rows per day instead of the all-five rows, which at 10 M answers are about one per fact (792 ms
for 90 days by week by team with channel=chat). The daily functions that write rows (the per-answer
apply, the per-statement invite update, the rebuild) are replaced; the hourly rollup keeps its
grains (pairs per UTC hour would be about one row per fact too). Both rebuilds now take each
fact's distinct tags with a LATERAL DISTINCT instead of sorting every tagged fact by ctid. Existing
workspaces are rolled up again here, in the migration's transaction.
"""
import re
from pathlib import Path

from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

PAIR_GRAINS = (3, 5, 9, 17, 6, 10, 18, 12, 20, 24, 33, 34, 36, 40, 48)


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(ROLLUP_SQL)
        # The rebuild's grouping sets hash in memory rather than sort on disk (this transaction only).
        op.execute("SET LOCAL work_mem = '256MB'")
        op.execute('SELECT afterword_rollup_rebuild(id) FROM workspaces')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        # The functions as the earlier revisions left them (0003 and 0006 for the daily ones, 0015
        # for the hourly rebuild), read from their files.
        for name, function in (
            ('05_insights.py', 'afterword_rollup_apply'),
            ('06_rollup_invite_updates_per_statement.py', 'afterword_rollup_invites_updated'),
            ('05_insights.py', 'afterword_rollup_rebuild'),
            ('15_hourly_rollups.py', 'afterword_rollup_hourly_rebuild'),
        ):
            op.execute(_frozen_function(name, function))
        op.execute(f'DELETE FROM metric_rollups WHERE grain IN {PAIR_GRAINS}')


def _frozen_function(file_name: str, function: str) -> str:
    text = (Path(__file__).resolve().parent / file_name).read_text()
    found = re.search(rf"CREATE OR REPLACE FUNCTION {function}\(.*?\n\$fn\$;\n", text, re.S)
    return found.group(0)


# Frozen copy of app.models.rollup_sql.pair_grains_sql() as of this revision (migrations never
# import the app; tests/api/test_insights.py checks they agree until a later revision changes it).
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
            SELECT unnest(ARRAY[0, 1, 2, 4, 8, 16, 3, 5, 9, 17, 6, 10, 18, 12, 20, 24, 31]) AS grain, ''::text AS tag
            UNION
            SELECT g, t.value FROM json_array_elements_text(COALESCE(p_tags, '[]'::json)) AS t(value),
                unnest(ARRAY[32, 33, 34, 36, 40, 48, 63]) AS g
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
                SELECT unnest(ARRAY[0, 1, 2, 4, 8, 16, 3, 5, 9, 17, 6, 10, 18, 12, 20, 24, 31]) AS grain, ''::text AS tag
                UNION
                SELECT g, t.value FROM json_array_elements_text(COALESCE(p_tags, '[]'::json)) AS t(value),
                    unnest(ARRAY[32, 33, 34, 36, 40, 48, 63]) AS g
            ) AS g
        ) AS v
        WHERE r.workspace_id = p_workspace AND r.grain = v.grain AND r.day = p_day AND r.survey_id = p_survey
            AND r.agent = v.agent AND r.team = v.team AND r.channel = v.channel AND r.priority = v.priority
            AND r.segment = v.segment AND r.tag = v.tag;
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_rollup_invites_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
        GROUP BY workspace_id, survey_id, day, GROUPING SETS ((), (agent), (team), (channel), (priority), (segment), (agent, team), (agent, channel), (agent, priority), (agent, segment), (team, channel), (team, priority), (team, segment), (channel, priority), (channel, segment), (priority, segment), (agent, team, channel, priority, segment))
        UNION ALL
        SELECT workspace_id, 32 + (CASE WHEN GROUPING(agent) = 0 THEN 1 ELSE 0 END + CASE WHEN GROUPING(team) = 0 THEN 2 ELSE 0 END + CASE WHEN GROUPING(channel) = 0 THEN 4 ELSE 0 END + CASE WHEN GROUPING(priority) = 0 THEN 8 ELSE 0 END + CASE WHEN GROUPING(segment) = 0 THEN 16 ELSE 0 END), day, survey_id, COALESCE(agent, ''), COALESCE(team, ''),
            COALESCE(channel, ''), COALESCE(priority, ''), COALESCE(segment, ''), tag, CASE WHEN GROUPING(agent) = 0 THEN max(agent_name) FILTER (WHERE sign > 0) END AS label, COALESCE(sum(sign) FILTER (WHERE score = 0), 0) AS s0, COALESCE(sum(sign) FILTER (WHERE score = 1), 0) AS s1, COALESCE(sum(sign) FILTER (WHERE score = 2), 0) AS s2, COALESCE(sum(sign) FILTER (WHERE score = 3), 0) AS s3, COALESCE(sum(sign) FILTER (WHERE score = 4), 0) AS s4, COALESCE(sum(sign) FILTER (WHERE score = 5), 0) AS s5, COALESCE(sum(sign) FILTER (WHERE score = 6), 0) AS s6, COALESCE(sum(sign) FILTER (WHERE score = 7), 0) AS s7, COALESCE(sum(sign) FILTER (WHERE score = 8), 0) AS s8, COALESCE(sum(sign) FILTER (WHERE score = 9), 0) AS s9, COALESCE(sum(sign) FILTER (WHERE score = 10), 0) AS s10, COALESCE(sum(sign * polarity), 0) AS polarity_sum, COALESCE(sum(sign) FILTER (WHERE polarity IS NOT NULL), 0) AS polarity_n, sum(sign * delivered) AS delivered, sum(sign * answered) AS answered
        FROM (SELECT DISTINCT ON (d.fact, t.value) d.*, t.value AS tag
              FROM dated d, json_array_elements_text(COALESCE(d.tags, '[]'::json)) AS t(value)) AS tagged
        GROUP BY workspace_id, survey_id, day, tag, GROUPING SETS ((), (agent), (team), (channel), (priority), (segment), (agent, team, channel, priority, segment))
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
    GROUP BY survey_id, day, GROUPING SETS ((), (agent), (team), (channel), (priority), (segment), (agent, team), (agent, channel), (agent, priority), (agent, segment), (team, channel), (team, priority), (team, segment), (channel, priority), (channel, segment), (priority, segment), (agent, team, channel, priority, segment));

    INSERT INTO metric_rollups (workspace_id, grain, day, survey_id, agent, team, channel, priority, segment, tag, label, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, polarity_sum, polarity_n, delivered, answered)
    SELECT p_workspace, 32 + (CASE WHEN GROUPING(agent) = 0 THEN 1 ELSE 0 END + CASE WHEN GROUPING(team) = 0 THEN 2 ELSE 0 END + CASE WHEN GROUPING(channel) = 0 THEN 4 ELSE 0 END + CASE WHEN GROUPING(priority) = 0 THEN 8 ELSE 0 END + CASE WHEN GROUPING(segment) = 0 THEN 16 ELSE 0 END), day, survey_id, COALESCE(agent, ''), COALESCE(team, ''),
        COALESCE(channel, ''), COALESCE(priority, ''), COALESCE(segment, ''), tag,
        CASE WHEN GROUPING(agent) = 0 THEN max(agent_name) END,
        count(*) FILTER (WHERE score = 0), count(*) FILTER (WHERE score = 1), count(*) FILTER (WHERE score = 2), count(*) FILTER (WHERE score = 3), count(*) FILTER (WHERE score = 4), count(*) FILTER (WHERE score = 5), count(*) FILTER (WHERE score = 6), count(*) FILTER (WHERE score = 7), count(*) FILTER (WHERE score = 8), count(*) FILTER (WHERE score = 9), count(*) FILTER (WHERE score = 10), COALESCE(sum(polarity), 0), count(polarity), sum(delivered), sum(answered)
    FROM afterword_rollup_facts f, LATERAL (SELECT DISTINCT t.value AS tag FROM json_array_elements_text(f.tags) AS t(value)) AS tagged
    GROUP BY survey_id, day, tag, GROUPING SETS ((), (agent), (team), (channel), (priority), (segment), (agent, team, channel, priority, segment));

    DROP TABLE afterword_rollup_facts;
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
    FROM afterword_rollup_hourly_facts f, LATERAL (SELECT DISTINCT t.value AS tag FROM json_array_elements_text(f.tags) AS t(value)) AS tagged
    GROUP BY survey_id, hour, tag, GROUPING SETS ((), (agent, team, channel, priority, segment))
    HAVING GROUPING(agent) = 1;

    DROP TABLE afterword_rollup_hourly_facts;
END
$fn$;
'''
