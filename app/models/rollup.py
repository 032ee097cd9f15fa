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


def _rollup_sql() -> str:
    """The PL/pgSQL functions and triggers that keep metric_rollups exact (see module docstring)."""
    scores = ", ".join(f"s{i}" for i in range(SCORE_SLOTS))
    score_values = ", ".join(f"p_sign * (COALESCE(p_score, -1) = {i})::int" for i in range(SCORE_SLOTS))
    score_updates = ", ".join(f"s{i} = r.s{i} + v.s{i}" for i in range(SCORE_SLOTS))
    score_sums = ", ".join(f"count(*) FILTER (WHERE score = {i})" for i in range(SCORE_SLOTS))
    keys = "workspace_id, grain, day, survey_id, agent, team, channel, priority, segment, tag"
    grain_of = (
        "(CASE WHEN GROUPING(agent) = 0 THEN 1 ELSE 0 END + CASE WHEN GROUPING(team) = 0 THEN 2 ELSE 0 END"
        " + CASE WHEN GROUPING(channel) = 0 THEN 4 ELSE 0 END + CASE WHEN GROUPING(priority) = 0 THEN 8 ELSE 0 END"
        " + CASE WHEN GROUPING(segment) = 0 THEN 16 ELSE 0 END)"
    )
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
CREATE TRIGGER afterword_rollup_invites
    AFTER INSERT OR UPDATE OF sent_at, answered_at, agent_id, agent_email, agent_name, team, channel, priority,
        customer_segment, tags, survey_id, workspace_id
    ON invites FOR EACH ROW EXECUTE FUNCTION afterword_rollup_invites();
CREATE TRIGGER afterword_rollup_invites_delete
    BEFORE DELETE ON invites FOR EACH ROW EXECUTE FUNCTION afterword_rollup_invites();
CREATE TRIGGER afterword_rollup_workspaces
    AFTER UPDATE OF timezone ON workspaces FOR EACH ROW
    WHEN (NEW.timezone IS DISTINCT FROM OLD.timezone) EXECUTE FUNCTION afterword_rollup_workspaces();
"""


ROLLUP_SQL = _rollup_sql()
DROP_ROLLUP_SQL = """
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
"""

# `db.create_all()` on PostgreSQL gets the triggers too, so a database made without migrations
# never serves stale rollups.
event.listen(db.metadata, "after_create", DDL(ROLLUP_SQL).execute_if(dialect="postgresql"))
