"""Daily rollups of answers and deliveries, kept by database triggers (PostgreSQL).

Why triggers rather than Python: answers and invites are written by several code paths that
other people change (the survey page, the widget, delivery workers, the analysis task, the
importer, bulk UPDATEs and cascading DELETEs). A trigger sees every one of them in the same
transaction as the write, so the rollup can never drift from the rows it summarises. SQLite
(the embedded default) has no time-zone arithmetic, so there the metrics read the raw tables,
which is fast enough at the sizes SQLite serves.

One row counts the answers given (by score) and the invites delivered/answered on one local day
(in the workspace's time zone) for one survey, at one *grain*: a bitmask of the dimensions the
row is specific to (agent 1, team 2, channel 4, priority 8, segment 16, tag 32). Each answer
lands in grains 0 (everything), 1, 2, 4, 8, 16 (one dimension each), 31 (all five, for filter
combinations), and 32 (tag alone) and 63 (all six) once per distinct tag. Dimensions a row is not specific to hold ''.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import (
    DDL,
    Date,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.invite import Invite

DIMENSIONS = ("agent", "team", "channel", "priority", "segment", "tag")
GRAIN_BITS = {"agent": 1, "team": 2, "channel": 4, "priority": 8, "segment": 16, "tag": 32}
FULL_GRAIN = 31  # agent, team, channel, priority and segment together
TAGGED_FULL_GRAIN = 63  # the same, once per distinct tag
SCORE_SLOTS = 11  # scores 0..10 cover every scale a survey may use


class MetricRollup(db.Model):
    __tablename__ = "metric_rollups"
    __table_args__ = (
        PrimaryKeyConstraint(
            "workspace_id", "grain", "day", "survey_id", "agent", "team", "channel", "priority", "segment", "tag",
            name="pk_metric_rollups",
        ),
    )

    # No foreign keys: each would cost a lookup per row on every upsert and in every rebuild.
    # Surveys are archived, not deleted; should answers cascade away, the triggers zero their rows
    # and a rebuild drops them.
    workspace_id: Mapped[int] = mapped_column(Integer)
    grain: Mapped[int] = mapped_column(SmallInteger)
    day: Mapped[date] = mapped_column(Date)
    survey_id: Mapped[int] = mapped_column(Integer)
    agent: Mapped[str] = mapped_column(String(320), default="")
    team: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(50), default="")
    priority: Mapped[str] = mapped_column(String(50), default="")
    segment: Mapped[str] = mapped_column(String(100), default="")
    tag: Mapped[str] = mapped_column(String(100), default="")
    # The agent's display name, kept beside the agent key (the id, else the email, else the name).
    label: Mapped[str | None] = mapped_column(String(200))
    s0: Mapped[int] = mapped_column(Integer, default=0)
    s1: Mapped[int] = mapped_column(Integer, default=0)
    s2: Mapped[int] = mapped_column(Integer, default=0)
    s3: Mapped[int] = mapped_column(Integer, default=0)
    s4: Mapped[int] = mapped_column(Integer, default=0)
    s5: Mapped[int] = mapped_column(Integer, default=0)
    s6: Mapped[int] = mapped_column(Integer, default=0)
    s7: Mapped[int] = mapped_column(Integer, default=0)
    s8: Mapped[int] = mapped_column(Integer, default=0)
    s9: Mapped[int] = mapped_column(Integer, default=0)
    s10: Mapped[int] = mapped_column(Integer, default=0)
    polarity_sum: Mapped[float] = mapped_column(Float, default=0.0)
    polarity_n: Mapped[int] = mapped_column(Integer, default=0)
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)


# Response rate is read by the day an invite was sent; the partial days at a range's edges read
# the raw invites, so they need this index.
Index("ix_invites_workspace_sent", Invite.workspace_id, Invite.sent_at)


_KEYS = "workspace_id, grain, day, survey_id, agent, team, channel, priority, segment, tag"
_SCORES = ", ".join(f"s{i}" for i in range(SCORE_SLOTS))
# The grain of a GROUPING SETS row: the bits of the dimensions it is grouped by.
_GRAIN_OF = (
    "(CASE WHEN GROUPING(agent) = 0 THEN 1 ELSE 0 END + CASE WHEN GROUPING(team) = 0 THEN 2 ELSE 0 END"
    " + CASE WHEN GROUPING(channel) = 0 THEN 4 ELSE 0 END + CASE WHEN GROUPING(priority) = 0 THEN 8 ELSE 0 END"
    " + CASE WHEN GROUPING(segment) = 0 THEN 16 ELSE 0 END)"
)

# Inserted invites are rolled up row by row (most are not sent yet: nothing to add), deleted ones
# before they go. Updated invites are rolled up once per statement, over its transition tables:
# the delivery worker records a whole batch of sent invites in one UPDATE, and one set-based pass
# nets their facts per rollup row (a batch of one survey and agent touches ~9 rows, not ~9 per
# invite). Measured on an UPDATE marking 100 invites sent: ~21 ms of server time with the row
# trigger, ~7 ms with this one (about what it costs with no trigger at all). PostgreSQL allows no column list with transition tables, so every UPDATE of invites fires
# it; one that changes no rolled-up column (a send claim, a reminder) finds nothing and stops.
INVITE_TRIGGERS_SQL = """CREATE TRIGGER afterword_rollup_invites
    AFTER INSERT ON invites FOR EACH ROW EXECUTE FUNCTION afterword_rollup_invites();
CREATE TRIGGER afterword_rollup_invites_updated
    AFTER UPDATE ON invites REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION afterword_rollup_invites_updated();"""


def invites_updated_sql() -> str:
    """The statement-level function that rolls up an UPDATE of invites (see INVITE_TRIGGERS_SQL)."""
    keys, scores, grain_of = _KEYS, _SCORES, _GRAIN_OF
    score_sums = ", ".join(f"COALESCE(sum(sign) FILTER (WHERE score = {i}), 0) AS s{i}" for i in range(SCORE_SLOTS))
    sums = (f"{score_sums}, COALESCE(sum(sign * polarity), 0) AS polarity_sum,"
            " COALESCE(sum(sign) FILTER (WHERE polarity IS NOT NULL), 0) AS polarity_n,"
            " sum(sign * delivered) AS delivered, sum(sign * answered) AS answered")
    label = "CASE WHEN GROUPING(agent) = 0 THEN max(agent_name) FILTER (WHERE sign > 0) END AS label"
    dims = lambda t: (  # noqa: E731
        f"COALESCE(NULLIF({t}.agent_id, ''), NULLIF({t}.agent_email, ''), NULLIF({t}.agent_name, ''), '') AS agent,"
        f" {t}.agent_name AS agent_name, COALESCE({t}.team, '') AS team, COALESCE({t}.channel, '') AS channel,"
        f" COALESCE({t}.priority, '') AS priority, COALESCE({t}.customer_segment, '') AS segment, {t}.tags")
    same_key = lambda a: " AND ".join(f"{a}.{k} = d.{k}" for k in keys.split(", "))  # noqa: E731
    nonzero = " OR ".join([f"s{i} <> 0" for i in range(SCORE_SLOTS)]
                          + ["polarity_sum <> 0", "polarity_n <> 0", "delivered <> 0", "answered <> 0"])
    no_removal = " AND ".join([f"d.s{i} >= 0" for i in range(SCORE_SLOTS)]
                              + ["d.polarity_n >= 0", "d.delivered >= 0", "d.answered >= 0"])
    added = ", ".join([f"s{i} = r.s{i} + d.s{i}" for i in range(SCORE_SLOTS)]
                      + [f"{c} = r.{c} + d.{c}" for c in ("polarity_sum", "polarity_n", "delivered", "answered")])
    added_excluded = ", ".join([f"s{i} = r.s{i} + EXCLUDED.s{i}" for i in range(SCORE_SLOTS)]
                               + [f"{c} = r.{c} + EXCLUDED.{c}" for c in ("polarity_sum", "polarity_n", "delivered", "answered")])
    moved = ("(n.agent_id, n.agent_email, n.agent_name, n.team, n.channel, n.priority, n.customer_segment,"
             " n.tags::text, n.survey_id, n.workspace_id) IS DISTINCT FROM (o.agent_id, o.agent_email, o.agent_name,"
             " o.team, o.channel, o.priority, o.customer_segment, o.tags::text, o.survey_id, o.workspace_id)")
    return f"""CREATE OR REPLACE FUNCTION afterword_rollup_invites_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    WITH changed AS (
        -- Invites whose rollup facts changed: sent, answered, or moved to other ticket facts.
        SELECT o.id, {moved} AS moved
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE {moved} OR n.sent_at IS DISTINCT FROM o.sent_at OR n.answered_at IS DISTINCT FROM o.answered_at
    ), facts AS (
        -- Each delivery out under its old values and in under its new ones; the answers of a
        -- moved invite likewise (the rest of its answers' facts live on the responses).
        SELECT -1 AS sign, o.workspace_id, o.survey_id, o.sent_at AS at, NULL::integer AS score,
            NULL::double precision AS polarity, 1 AS delivered, (o.answered_at IS NOT NULL)::int AS answered, {dims("o")}
        FROM changed c JOIN old_rows o ON o.id = c.id WHERE o.sent_at IS NOT NULL
        UNION ALL
        SELECT 1, n.workspace_id, n.survey_id, n.sent_at, NULL, NULL, 1, (n.answered_at IS NOT NULL)::int, {dims("n")}
        FROM changed c JOIN new_rows n ON n.id = c.id WHERE n.sent_at IS NOT NULL
        UNION ALL
        SELECT -1, r.workspace_id, r.survey_id, r.answered_at, r.score, r.polarity, 0, 0, {dims("o")}
        FROM changed c JOIN old_rows o ON o.id = c.id JOIN responses r ON r.invite_id = o.id WHERE c.moved
        UNION ALL
        SELECT 1, r.workspace_id, r.survey_id, r.answered_at, r.score, r.polarity, 0, 0, {dims("n")}
        FROM changed c JOIN new_rows n ON n.id = c.id JOIN responses r ON r.invite_id = n.id WHERE c.moved
    ), dated AS (
        SELECT f.*, (f.at AT TIME ZONE w.timezone)::date AS day, row_number() OVER () AS fact
        FROM facts f JOIN workspaces w ON w.id = f.workspace_id
        WHERE w.timezone IS NOT NULL
    ), deltas AS (
        SELECT workspace_id, {grain_of} AS grain, day, survey_id, COALESCE(agent, '') AS agent,
            COALESCE(team, '') AS team, COALESCE(channel, '') AS channel, COALESCE(priority, '') AS priority,
            COALESCE(segment, '') AS segment, '' AS tag, {label}, {sums}
        FROM dated
        GROUP BY workspace_id, survey_id, day, GROUPING SETS ((), (agent), (team), (channel), (priority), (segment), (agent, team, channel, priority, segment))
        UNION ALL
        SELECT workspace_id, 32 + {grain_of}, day, survey_id, COALESCE(agent, ''), COALESCE(team, ''),
            COALESCE(channel, ''), COALESCE(priority, ''), COALESCE(segment, ''), tag, {label}, {sums}
        FROM (SELECT DISTINCT ON (d.fact, t.value) d.*, t.value AS tag
              FROM dated d, json_array_elements_text(COALESCE(d.tags, '[]'::json)) AS t(value)) AS tagged
        GROUP BY workspace_id, survey_id, day, tag, GROUPING SETS ((), (agent, team, channel, priority, segment))
    ), netted AS (
        SELECT * FROM deltas WHERE {nonzero}
    ), updated AS (
        UPDATE metric_rollups AS r SET label = COALESCE(d.label, r.label), {added}
        FROM netted d WHERE {same_key("r")}
        RETURNING r.workspace_id, r.grain, r.day, r.survey_id, r.agent, r.team, r.channel, r.priority, r.segment, r.tag
    )
    -- Rows not there yet are added; a removal never creates a row.
    INSERT INTO metric_rollups AS r ({keys}, label, {scores}, polarity_sum, polarity_n, delivered, answered)
    SELECT d.workspace_id, d.grain, d.day, d.survey_id, d.agent, d.team, d.channel, d.priority, d.segment, d.tag,
        d.label, {", ".join(f"d.s{i}" for i in range(SCORE_SLOTS))}, d.polarity_sum, d.polarity_n, d.delivered, d.answered
    FROM netted d
    WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE {same_key("u")}) AND {no_removal}
    ON CONFLICT ({keys}) DO UPDATE SET label = COALESCE(EXCLUDED.label, r.label), {added_excluded};
    RETURN NULL;
END
$fn$;
"""


def _rollup_sql() -> str:
    """The PL/pgSQL functions and triggers that keep metric_rollups exact (see module docstring)."""
    score_values = ", ".join(f"p_sign * (COALESCE(p_score, -1) = {i})::int" for i in range(SCORE_SLOTS))
    score_updates = ", ".join(f"s{i} = r.s{i} + v.s{i}" for i in range(SCORE_SLOTS))
    score_sums = ", ".join(f"count(*) FILTER (WHERE score = {i})" for i in range(SCORE_SLOTS))
    keys, scores, grain_of = _KEYS, _SCORES, _GRAIN_OF
    grouping_sets = (
        "GROUPING SETS ((), (agent), (team), (channel), (priority), (segment), (agent, team, channel, priority, segment))"
    )
    agent_key = "COALESCE(NULLIF(i.agent_id, ''), NULLIF(i.agent_email, ''), NULLIF(i.agent_name, ''), '')"
    dims = (
        f"{agent_key} AS agent, i.agent_name AS agent_name, COALESCE(i.team, '') AS team,"
        " COALESCE(i.channel, '') AS channel, COALESCE(i.priority, '') AS priority,"
        " COALESCE(i.customer_segment, '') AS segment"
    )
    return f"""
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
        INSERT INTO metric_rollups AS r ({keys}, label, {scores}, polarity_sum, polarity_n, delivered, answered)
        SELECT p_workspace, g.grain, p_day, p_survey,
            CASE WHEN g.grain & 1 <> 0 THEN p_agent ELSE '' END,
            CASE WHEN g.grain & 2 <> 0 THEN p_team ELSE '' END,
            CASE WHEN g.grain & 4 <> 0 THEN p_channel ELSE '' END,
            CASE WHEN g.grain & 8 <> 0 THEN p_priority ELSE '' END,
            CASE WHEN g.grain & 16 <> 0 THEN p_segment ELSE '' END,
            g.tag,
            CASE WHEN g.grain & 1 <> 0 THEN p_label END,
            {score_values},
            COALESCE(p_polarity, 0), (p_polarity IS NOT NULL)::int, p_delivered, p_answered
        FROM (
            SELECT unnest(ARRAY[0, 1, 2, 4, 8, 16, 31]) AS grain, ''::text AS tag
            UNION
            SELECT g, t.value FROM json_array_elements_text(COALESCE(p_tags, '[]'::json)) AS t(value),
                unnest(ARRAY[32, 63]) AS g
        ) AS g
        ON CONFLICT ({keys}) DO UPDATE SET
            label = COALESCE(EXCLUDED.label, r.label),
            {", ".join(f"s{i} = r.s{i} + EXCLUDED.s{i}" for i in range(SCORE_SLOTS))},
            polarity_sum = r.polarity_sum + EXCLUDED.polarity_sum,
            polarity_n = r.polarity_n + EXCLUDED.polarity_n,
            delivered = r.delivered + EXCLUDED.delivered,
            answered = r.answered + EXCLUDED.answered;
    ELSE
        -- Only ever subtract from rows that exist (a removal never creates a row).
        UPDATE metric_rollups AS r SET
            {score_updates},
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
                {", ".join(f"p_sign * (COALESCE(p_score, -1) = {i})::int AS s{i}" for i in range(SCORE_SLOTS))},
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

{invites_updated_sql()}
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
            0 AS delivered, 0 AS answered, i.tags, {dims}
        FROM responses r JOIN invites i ON i.id = r.invite_id WHERE r.workspace_id = p_workspace
        UNION ALL
        SELECT i.survey_id, (i.sent_at AT TIME ZONE zone)::date, NULL, NULL, 1, (i.answered_at IS NOT NULL)::int,
            i.tags, {dims}
        FROM invites i WHERE i.workspace_id = p_workspace AND i.sent_at IS NOT NULL;

    INSERT INTO metric_rollups ({keys}, label, {scores}, polarity_sum, polarity_n, delivered, answered)
    SELECT p_workspace, {grain_of}, day, survey_id, COALESCE(agent, ''), COALESCE(team, ''), COALESCE(channel, ''),
        COALESCE(priority, ''), COALESCE(segment, ''), '',
        CASE WHEN GROUPING(agent) = 0 THEN max(agent_name) END,
        {score_sums}, COALESCE(sum(polarity), 0), count(polarity), sum(delivered), sum(answered)
    FROM afterword_rollup_facts
    GROUP BY survey_id, day, {grouping_sets};

    INSERT INTO metric_rollups ({keys}, label, {scores}, polarity_sum, polarity_n, delivered, answered)
    SELECT p_workspace, 32 + {grain_of}, day, survey_id, COALESCE(agent, ''), COALESCE(team, ''),
        COALESCE(channel, ''), COALESCE(priority, ''), COALESCE(segment, ''), tag,
        CASE WHEN GROUPING(agent) = 0 THEN max(agent_name) END,
        {score_sums}, COALESCE(sum(polarity), 0), count(polarity), sum(delivered), sum(answered)
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
{INVITE_TRIGGERS_SQL}
CREATE TRIGGER afterword_rollup_invites_delete
    BEFORE DELETE ON invites FOR EACH ROW EXECUTE FUNCTION afterword_rollup_invites();
CREATE TRIGGER afterword_rollup_workspaces
    AFTER UPDATE OF timezone ON workspaces FOR EACH ROW
    WHEN (NEW.timezone IS DISTINCT FROM OLD.timezone) EXECUTE FUNCTION afterword_rollup_workspaces();
"""


ROLLUP_SQL = _rollup_sql()
DROP_ROLLUP_SQL = """
DROP TRIGGER IF EXISTS afterword_rollup_workspaces ON workspaces;
DROP TRIGGER IF EXISTS afterword_rollup_invites_updated ON invites;
DROP TRIGGER IF EXISTS afterword_rollup_invites_delete ON invites;
DROP TRIGGER IF EXISTS afterword_rollup_invites ON invites;
DROP TRIGGER IF EXISTS afterword_rollup_responses ON responses;
DROP FUNCTION IF EXISTS afterword_rollup_workspaces();
DROP FUNCTION IF EXISTS afterword_rollup_rebuild(integer);
DROP FUNCTION IF EXISTS afterword_rollup_invites_updated();
DROP FUNCTION IF EXISTS afterword_rollup_invites();
DROP FUNCTION IF EXISTS afterword_rollup_responses();
DROP FUNCTION IF EXISTS afterword_rollup_delivery(invites, integer);
DROP FUNCTION IF EXISTS afterword_rollup_answer(invites, integer, integer, timestamptz, integer, double precision, integer);
DROP FUNCTION IF EXISTS afterword_rollup_apply(integer, integer, date, text, text, text, text, text, text, json, integer, double precision, integer, integer, integer);
"""

# `db.create_all()` on PostgreSQL gets the triggers too, so a database made without migrations
# never serves stale rollups.
event.listen(db.metadata, "after_create", DDL(ROLLUP_SQL).execute_if(dialect="postgresql"))
