"""report rollups: theme mentions and their daily rollup, tickets by driver bucket and their durations by slot, kept by triggers

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02

theme_mentions copies each theme row with its answer's survey, time, score, polarity and side
(indexed for a theme's lowest or highest-scored examples in a range); theme_rollups counts them,
and every answer by score, per local day of the workspace's zone, so /themes reads days rather than
answers on PostgreSQL (see app/models/theme_rollup.py). driver_rollups counts tickets by local
day of creation and every driver's bucket, with the KPIs' sums; driver_durations their first
response and resolution times by slot, for exact medians through two indexes on invites (see
app/models/driver_rollup.py). Existing rows are copied and rolled up set-wise here (INSERT ...
SELECT, GROUP BY), before the triggers exist, in the migration's transaction.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('theme_mentions',
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('theme', sa.String(length=100), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('polarity', sa.Float(), nullable=True),
    sa.Column('theme_polarity', sa.Float(), nullable=True),
    sa.Column('side', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('response_id', 'theme', name='pk_theme_mentions')
    )
    op.create_table('theme_rollups',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('theme', sa.String(length=100), nullable=False),
    sa.Column('side', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('commented', sa.Integer(), nullable=False),
    sa.Column('polarity_sum', sa.Numeric(), nullable=False),
    sa.Column('polarity_n', sa.Integer(), nullable=False),
    sa.Column('theme_sum', sa.Numeric(), nullable=False),
    sa.Column('theme_n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'survey_id', 'day', 'theme', 'side', 'score', name='pk_theme_rollups')
    )
    op.create_table('driver_rollups',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=50), nullable=False),
    sa.Column('first_response', sa.String(length=20), nullable=False),
    sa.Column('resolution', sa.String(length=20), nullable=False),
    sa.Column('reopened', sa.String(length=8), nullable=False),
    sa.Column('fcr', sa.String(length=8), nullable=False),
    sa.Column('frt_met', sa.String(length=8), nullable=False),
    sa.Column('resolution_met', sa.String(length=8), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('tickets', sa.Integer(), nullable=False),
    sa.Column('frt_sum', sa.Numeric(), nullable=False),
    sa.Column('frt_n', sa.Integer(), nullable=False),
    sa.Column('resolution_sum', sa.Numeric(), nullable=False),
    sa.Column('resolution_n', sa.Integer(), nullable=False),
    sa.Column('handle_sum', sa.BigInteger(), nullable=False),
    sa.Column('handle_n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'survey_id', 'day', 'channel', 'first_response', 'resolution', 'reopened', 'fcr', 'frt_met', 'resolution_met', 'score', name='pk_driver_rollups')
    )
    op.create_table('driver_durations',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('which', sa.SmallInteger(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'survey_id', 'day', 'which', 'slot', name='pk_driver_durations')
    )
    op.create_table('driver_rollups_monthly',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=50), nullable=False),
    sa.Column('first_response', sa.String(length=20), nullable=False),
    sa.Column('resolution', sa.String(length=20), nullable=False),
    sa.Column('reopened', sa.String(length=8), nullable=False),
    sa.Column('fcr', sa.String(length=8), nullable=False),
    sa.Column('frt_met', sa.String(length=8), nullable=False),
    sa.Column('resolution_met', sa.String(length=8), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('tickets', sa.Integer(), nullable=False),
    sa.Column('frt_sum', sa.Numeric(), nullable=False),
    sa.Column('frt_n', sa.Integer(), nullable=False),
    sa.Column('resolution_sum', sa.Numeric(), nullable=False),
    sa.Column('resolution_n', sa.Integer(), nullable=False),
    sa.Column('handle_sum', sa.BigInteger(), nullable=False),
    sa.Column('handle_n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'survey_id', 'day', 'channel', 'first_response', 'resolution', 'reopened', 'fcr', 'frt_met', 'resolution_met', 'score', name='pk_driver_rollups_monthly')
    )
    op.create_table('driver_durations_monthly',
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('which', sa.SmallInteger(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'survey_id', 'day', 'which', 'slot', name='pk_driver_durations_monthly')
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(THEME_ROLLUP_FUNCTIONS_SQL)
        op.execute(THEME_BACKFILL_SQL)
        op.execute(THEME_ROLLUP_TRIGGERS_SQL)
        op.execute(DRIVER_ROLLUP_FUNCTIONS_SQL)
        op.execute(DRIVER_BACKFILL_SQL)
        op.execute(DRIVER_ROLLUP_TRIGGERS_SQL)
        op.execute(DURATION_INDEXES_SQL)
    # After the backfill: one index build rather than an insert per row.
    op.create_index('ix_theme_mentions_examples', 'theme_mentions', ['survey_id', 'theme', 'side', 'score', 'answered_at', 'response_id'], unique=False)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(DROP_DRIVER_ROLLUP_SQL)
        op.execute(DROP_THEME_ROLLUP_SQL)
    op.drop_table('driver_durations_monthly')
    op.drop_table('driver_rollups_monthly')
    op.drop_table('driver_durations')
    op.drop_table('driver_rollups')
    op.drop_index('ix_theme_mentions_examples', table_name='theme_mentions')
    op.drop_table('theme_rollups')
    op.drop_table('theme_mentions')


# Frozen copies of app.models.theme_rollup_sql and driver_rollup_sql as of this revision (migrations never import the
# app; tests/integration/test_theme_rollups_pg.py checks they agree until a later revision changes them).
THEME_ROLLUP_FUNCTIONS_SQL = r'''
CREATE OR REPLACE FUNCTION afterword_theme_side(p double precision) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT CASE WHEN p >= 0.1 THEN 'praise' WHEN p <= -0.1 THEN 'complaint' ELSE 'neutral' END
$fn$;

CREATE OR REPLACE FUNCTION afterword_theme_rollup_apply(
    p_workspace integer, p_survey integer, p_at timestamptz, p_theme text, p_side text, p_score integer,
    p_commented integer, p_polarity double precision, p_theme_polarity double precision, p_sign integer
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    zone text;
    on_day date;
BEGIN
    SELECT timezone INTO zone FROM workspaces WHERE id = p_workspace;
    IF zone IS NULL OR p_at IS NULL THEN
        RETURN;
    END IF;
    on_day := (p_at AT TIME ZONE zone)::date;
    INSERT INTO theme_rollups AS r (workspace_id, survey_id, day, theme, side, score, n, commented, polarity_sum, polarity_n, theme_sum, theme_n)
    VALUES (p_workspace, p_survey, on_day, p_theme, p_side, p_score, p_sign, p_sign * p_commented,
        p_sign * COALESCE(p_polarity::numeric, 0), p_sign * (p_polarity IS NOT NULL)::int,
        p_sign * COALESCE(p_theme_polarity::numeric, 0), p_sign * (p_theme_polarity IS NOT NULL)::int)
    ON CONFLICT (workspace_id, survey_id, day, theme, side, score) DO UPDATE SET
        n = r.n + EXCLUDED.n, commented = r.commented + EXCLUDED.commented, polarity_sum = r.polarity_sum + EXCLUDED.polarity_sum, polarity_n = r.polarity_n + EXCLUDED.polarity_n, theme_sum = r.theme_sum + EXCLUDED.theme_sum, theme_n = r.theme_n + EXCLUDED.theme_n;
    IF p_sign < 0 THEN
        -- A row whose facts all left is no row: the rebuild would not write it.
        DELETE FROM theme_rollups WHERE workspace_id = p_workspace AND survey_id = p_survey AND day = on_day
            AND theme = p_theme AND side = p_side AND score = p_score AND n = 0;
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_theme_mentions_copy() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM theme_mentions WHERE response_id = OLD.response_id AND theme = OLD.theme;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO theme_mentions (response_id, theme, workspace_id, survey_id, answered_at, score, polarity,
            theme_polarity, side)
        SELECT r.id, NEW.theme, r.workspace_id, r.survey_id, r.answered_at, r.score, r.polarity,
            NEW.polarity, afterword_theme_side(NEW.polarity)
        FROM responses r WHERE r.id = NEW.response_id;
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_theme_mentions_rollup() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM afterword_theme_rollup_apply(OLD.workspace_id, OLD.survey_id, OLD.answered_at, OLD.theme, OLD.side,
            OLD.score, 0, OLD.polarity, OLD.theme_polarity, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM afterword_theme_rollup_apply(NEW.workspace_id, NEW.survey_id, NEW.answered_at, NEW.theme, NEW.side,
            NEW.score, 0, NEW.polarity, NEW.theme_polarity, 1);
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_theme_responses() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    moved boolean := TG_OP = 'UPDATE' AND (NEW.score, NEW.polarity, NEW.answered_at, NEW.survey_id, NEW.workspace_id)
        IS DISTINCT FROM (OLD.score, OLD.polarity, OLD.answered_at, OLD.survey_id, OLD.workspace_id);
BEGIN
    IF TG_OP = 'UPDATE' AND NOT moved
        AND (NEW.comment IS NOT NULL AND NEW.comment <> '') = (OLD.comment IS NOT NULL AND OLD.comment <> '') THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM afterword_theme_rollup_apply(OLD.workspace_id, OLD.survey_id, OLD.answered_at, '', '', OLD.score,
            (OLD.comment IS NOT NULL AND OLD.comment <> '')::int, NULL, NULL, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM afterword_theme_rollup_apply(NEW.workspace_id, NEW.survey_id, NEW.answered_at, '', '', NEW.score,
            (NEW.comment IS NOT NULL AND NEW.comment <> '')::int, NULL, NULL, 1);
    END IF;
    IF moved THEN
        -- Its mentions follow (their own trigger moves them between rollup rows).
        UPDATE theme_mentions SET workspace_id = NEW.workspace_id, survey_id = NEW.survey_id,
            answered_at = NEW.answered_at, score = NEW.score, polarity = NEW.polarity
        WHERE response_id = NEW.id;
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_theme_rollup_rebuild(p_workspace integer) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    zone text;
BEGIN
    SELECT timezone INTO zone FROM workspaces WHERE id = p_workspace;
    DELETE FROM theme_rollups WHERE workspace_id = p_workspace;
    IF zone IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO theme_rollups (workspace_id, survey_id, day, theme, side, score, n, commented, polarity_sum, polarity_n, theme_sum, theme_n)
    SELECT p_workspace, survey_id, (answered_at AT TIME ZONE zone)::date AS day, '', '', score, count(*),
        count(*) FILTER (WHERE comment IS NOT NULL AND comment <> ''), 0, 0, 0, 0
    FROM responses WHERE workspace_id = p_workspace
    GROUP BY survey_id, day, score;
    INSERT INTO theme_rollups (workspace_id, survey_id, day, theme, side, score, n, commented, polarity_sum, polarity_n, theme_sum, theme_n)
    SELECT p_workspace, survey_id, (answered_at AT TIME ZONE zone)::date AS day, theme, side, score, count(*), 0,
        COALESCE(sum(polarity::numeric), 0), count(polarity), COALESCE(sum(theme_polarity::numeric), 0),
        count(theme_polarity)
    FROM theme_mentions WHERE workspace_id = p_workspace
    GROUP BY survey_id, day, theme, side, score;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_theme_rollup_workspaces() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    -- Days are local days: a new time zone regroups every answer.
    PERFORM afterword_theme_rollup_rebuild(NEW.id);
    RETURN NULL;
END
$fn$;
'''
THEME_BACKFILL_SQL = r'''
INSERT INTO theme_mentions (response_id, theme, workspace_id, survey_id, answered_at, score, polarity,
    theme_polarity, side)
SELECT r.id, t.theme, r.workspace_id, r.survey_id, r.answered_at, r.score, r.polarity, t.polarity,
    afterword_theme_side(t.polarity)
FROM response_themes t JOIN responses r ON r.id = t.response_id;
SELECT afterword_theme_rollup_rebuild(id) FROM workspaces;
'''
THEME_ROLLUP_TRIGGERS_SQL = r'''
CREATE TRIGGER afterword_theme_mentions_copy
    AFTER INSERT OR DELETE OR UPDATE OF response_id, theme, polarity ON response_themes
    FOR EACH ROW EXECUTE FUNCTION afterword_theme_mentions_copy();
CREATE TRIGGER afterword_theme_mentions_rollup
    AFTER INSERT OR DELETE OR UPDATE ON theme_mentions
    FOR EACH ROW EXECUTE FUNCTION afterword_theme_mentions_rollup();
CREATE TRIGGER afterword_theme_responses
    AFTER INSERT OR DELETE OR UPDATE OF score, polarity, answered_at, survey_id, workspace_id, comment ON responses
    FOR EACH ROW EXECUTE FUNCTION afterword_theme_responses();
CREATE TRIGGER afterword_theme_rollup_workspaces
    AFTER UPDATE OF timezone ON workspaces FOR EACH ROW
    WHEN (NEW.timezone IS DISTINCT FROM OLD.timezone) EXECUTE FUNCTION afterword_theme_rollup_workspaces();
'''
DROP_THEME_ROLLUP_SQL = r'''
DROP TRIGGER IF EXISTS afterword_theme_rollup_workspaces ON workspaces;
DROP TRIGGER IF EXISTS afterword_theme_responses ON responses;
DROP TRIGGER IF EXISTS afterword_theme_mentions_rollup ON theme_mentions;
DROP TRIGGER IF EXISTS afterword_theme_mentions_copy ON response_themes;
DROP FUNCTION IF EXISTS afterword_theme_rollup_workspaces();
DROP FUNCTION IF EXISTS afterword_theme_rollup_rebuild(integer);
DROP FUNCTION IF EXISTS afterword_theme_responses();
DROP FUNCTION IF EXISTS afterword_theme_mentions_rollup();
DROP FUNCTION IF EXISTS afterword_theme_mentions_copy();
DROP FUNCTION IF EXISTS afterword_theme_rollup_apply(integer, integer, timestamptz, text, text, integer, integer, double precision, double precision, integer);
DROP FUNCTION IF EXISTS afterword_theme_side(double precision);
'''
DRIVER_ROLLUP_FUNCTIONS_SQL = r'''
CREATE OR REPLACE FUNCTION afterword_seconds(p_later timestamptz, p_earlier timestamptz) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT CASE WHEN p_earlier IS NOT NULL AND p_later IS NOT NULL AND p_later >= p_earlier
        THEN extract(epoch FROM p_later - p_earlier) END
$fn$;

CREATE OR REPLACE FUNCTION afterword_duration_slot(s numeric) RETURNS integer
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT CASE WHEN s IS NULL THEN NULL WHEN s < 1 THEN 0
        ELSE 1 + floor(8 * log(2.0, s))::integer END
$fn$;

CREATE OR REPLACE FUNCTION afterword_frt_bucket(s numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT CASE WHEN s IS NULL THEN 'unknown' WHEN s < 120 THEN '< 2 min' WHEN s < 600 THEN '2–10 min' WHEN s < 3600 THEN '10 min – 1 h' WHEN s < 14400 THEN '1–4 h' WHEN s < 86400 THEN '4–24 h' ELSE '> 24 h' END
$fn$;

CREATE OR REPLACE FUNCTION afterword_resolution_bucket(s numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT CASE WHEN s IS NULL THEN 'unknown' WHEN s < 43200 THEN '< 12 h' WHEN s < 172800 THEN '12–48 h' ELSE '> 48 h' END
$fn$;

CREATE OR REPLACE FUNCTION afterword_met(s numeric, target numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT CASE WHEN s IS NULL OR target IS NULL THEN '' WHEN s <= target THEN 'met' ELSE 'missed' END
$fn$;

CREATE OR REPLACE FUNCTION afterword_sla_targets(p_workspace integer, p_channel text, OUT frt numeric,
    OUT resolution numeric) LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    saved jsonb;
    sla jsonb := '{"first_response_minutes": 240, "resolution_hours": 48, "channels": {"chat": {"first_response_minutes": 2}}}'::jsonb;
    channels jsonb;
    own jsonb;
BEGIN
    -- The saved settings overlaid on the defaults (objects merge key by key, anything else replaces).
    SELECT settings::jsonb -> 'sla' INTO saved FROM workspace_settings WHERE workspace_id = p_workspace;
    IF saved IS NOT NULL THEN
        IF jsonb_typeof(saved) <> 'object' THEN
            RETURN;
        END IF;
        channels := sla -> 'channels';
        IF jsonb_typeof(saved -> 'channels') = 'object' THEN
            SELECT channels || COALESCE(jsonb_object_agg(k, CASE WHEN jsonb_typeof(v) = 'object'
                AND jsonb_typeof(channels -> k) = 'object' THEN (channels -> k) || v ELSE v END), '{}')
            INTO channels FROM jsonb_each(saved -> 'channels') AS e(k, v);
        ELSIF saved ? 'channels' THEN
            channels := saved -> 'channels';
        END IF;
        sla := sla || saved || jsonb_build_object('channels', channels);
    END IF;
    -- A channel the settings name has its own targets, any other those of channel ''.
    IF jsonb_typeof(sla -> 'channels') = 'object' AND COALESCE(p_channel, '') <> ''
        AND (sla -> 'channels') ? p_channel THEN
        own := sla -> 'channels' -> p_channel;
    ELSIF jsonb_typeof(sla -> 'channels') = 'object' THEN
        own := sla -> 'channels' -> '';
    END IF;
    IF own IS NULL OR jsonb_typeof(own) <> 'object' THEN
        own := '{}';
    END IF;
    frt := 60 * (CASE WHEN own ? 'first_response_minutes' THEN own ->> 'first_response_minutes'
        ELSE sla ->> 'first_response_minutes' END)::numeric;
    resolution := 3600 * (CASE WHEN own ? 'resolution_hours' THEN own ->> 'resolution_hours'
        ELSE sla ->> 'resolution_hours' END)::numeric;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_driver_apply(p invites, p_score integer, p_sign integer) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    zone text;
    on_day date;
    on_month date;
    frt numeric := afterword_seconds(p.first_response_at, p.ticket_created_at);
    res numeric := afterword_seconds(p.solved_at, p.ticket_created_at);
    target record;
BEGIN
    SELECT timezone INTO zone FROM workspaces WHERE id = p.workspace_id;
    IF zone IS NULL OR p.id IS NULL OR p.created_at IS NULL THEN
        RETURN;
    END IF;
    on_day := (p.created_at AT TIME ZONE zone)::date;
    on_month := date_trunc('month', on_day)::date;
    SELECT * INTO target FROM afterword_sla_targets(p.workspace_id, p.channel);
    INSERT INTO driver_rollups AS r (workspace_id, survey_id, day, channel, first_response, resolution, reopened, fcr, frt_met, resolution_met, score, tickets, frt_sum, frt_n, resolution_sum, resolution_n, handle_sum, handle_n)
    VALUES (p.workspace_id, p.survey_id, on_day, COALESCE(p.channel, ''), afterword_frt_bucket(frt),
        afterword_resolution_bucket(res),
        CASE WHEN p.reopens IS NULL THEN 'unknown' WHEN p.reopens > 0 THEN 'yes' ELSE 'no' END,
        CASE WHEN p.reopens IS NULL THEN 'unknown' WHEN p.solved_at IS NOT NULL AND p.reopens = 0 THEN 'yes'
            ELSE 'no' END,
        afterword_met(frt, target.frt), afterword_met(res, target.resolution), COALESCE(p_score, -1),
        p_sign, p_sign * COALESCE(frt, 0), p_sign * (frt IS NOT NULL)::int, p_sign * COALESCE(res, 0),
        p_sign * (res IS NOT NULL)::int, p_sign * COALESCE(p.handle_seconds, 0),
        p_sign * (p.handle_seconds IS NOT NULL)::int)
    ON CONFLICT (workspace_id, survey_id, day, channel, first_response, resolution, reopened, fcr, frt_met, resolution_met, score) DO UPDATE SET
        tickets = r.tickets + EXCLUDED.tickets, frt_sum = r.frt_sum + EXCLUDED.frt_sum, frt_n = r.frt_n + EXCLUDED.frt_n, resolution_sum = r.resolution_sum + EXCLUDED.resolution_sum, resolution_n = r.resolution_n + EXCLUDED.resolution_n, handle_sum = r.handle_sum + EXCLUDED.handle_sum, handle_n = r.handle_n + EXCLUDED.handle_n;
    INSERT INTO driver_durations AS d (workspace_id, survey_id, day, which, slot, n)
    SELECT p.workspace_id, p.survey_id, on_day, which, afterword_duration_slot(s), p_sign
    FROM (VALUES (0, frt), (1, res)) AS v(which, s) WHERE s IS NOT NULL
    ON CONFLICT (workspace_id, survey_id, day, which, slot) DO UPDATE SET n = d.n + EXCLUDED.n;
    INSERT INTO driver_rollups_monthly AS r (workspace_id, survey_id, day, channel, first_response, resolution, reopened, fcr, frt_met, resolution_met, score, tickets, frt_sum, frt_n, resolution_sum, resolution_n, handle_sum, handle_n)
    VALUES (p.workspace_id, p.survey_id, on_month, COALESCE(p.channel, ''), afterword_frt_bucket(frt),
        afterword_resolution_bucket(res),
        CASE WHEN p.reopens IS NULL THEN 'unknown' WHEN p.reopens > 0 THEN 'yes' ELSE 'no' END,
        CASE WHEN p.reopens IS NULL THEN 'unknown' WHEN p.solved_at IS NOT NULL AND p.reopens = 0 THEN 'yes'
            ELSE 'no' END,
        afterword_met(frt, target.frt), afterword_met(res, target.resolution), COALESCE(p_score, -1),
        p_sign, p_sign * COALESCE(frt, 0), p_sign * (frt IS NOT NULL)::int, p_sign * COALESCE(res, 0),
        p_sign * (res IS NOT NULL)::int, p_sign * COALESCE(p.handle_seconds, 0),
        p_sign * (p.handle_seconds IS NOT NULL)::int)
    ON CONFLICT (workspace_id, survey_id, day, channel, first_response, resolution, reopened, fcr, frt_met, resolution_met, score) DO UPDATE SET
        tickets = r.tickets + EXCLUDED.tickets, frt_sum = r.frt_sum + EXCLUDED.frt_sum, frt_n = r.frt_n + EXCLUDED.frt_n, resolution_sum = r.resolution_sum + EXCLUDED.resolution_sum, resolution_n = r.resolution_n + EXCLUDED.resolution_n, handle_sum = r.handle_sum + EXCLUDED.handle_sum, handle_n = r.handle_n + EXCLUDED.handle_n;
    INSERT INTO driver_durations_monthly AS d (workspace_id, survey_id, day, which, slot, n)
    SELECT p.workspace_id, p.survey_id, on_month, which, afterword_duration_slot(s), p_sign
    FROM (VALUES (0, frt), (1, res)) AS v(which, s) WHERE s IS NOT NULL
    ON CONFLICT (workspace_id, survey_id, day, which, slot) DO UPDATE SET n = d.n + EXCLUDED.n;
    IF p_sign < 0 THEN
        -- A row whose tickets all left is no row: the rebuild would not write it.
        DELETE FROM driver_rollups WHERE workspace_id = p.workspace_id AND survey_id = p.survey_id
            AND day = on_day AND tickets = 0;
        DELETE FROM driver_durations WHERE workspace_id = p.workspace_id AND survey_id = p.survey_id
            AND day = on_day AND n = 0;
        DELETE FROM driver_rollups_monthly WHERE workspace_id = p.workspace_id AND survey_id = p.survey_id
            AND day = on_month AND tickets = 0;
        DELETE FROM driver_durations_monthly WHERE workspace_id = p.workspace_id AND survey_id = p.survey_id
            AND day = on_month AND n = 0;
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_driver_invites() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    score integer;
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.workspace_id, NEW.survey_id, NEW.created_at, NEW.channel, NEW.ticket_created_at,
            NEW.first_response_at, NEW.solved_at, NEW.reopens, NEW.handle_seconds)
        IS NOT DISTINCT FROM (OLD.workspace_id, OLD.survey_id, OLD.created_at, OLD.channel, OLD.ticket_created_at,
            OLD.first_response_at, OLD.solved_at, OLD.reopens, OLD.handle_seconds) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT r.score INTO score FROM responses r WHERE r.invite_id = OLD.id;
        PERFORM afterword_driver_apply(OLD, score, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        SELECT r.score INTO score FROM responses r WHERE r.invite_id = NEW.id;
        PERFORM afterword_driver_apply(NEW, score, 1);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_driver_responses() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    inv invites;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.score IS NOT DISTINCT FROM OLD.score AND NEW.invite_id = OLD.invite_id THEN
        RETURN NULL;
    END IF;
    -- An invite being deleted took its ticket out already (BEFORE DELETE): finding none means that.
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT * INTO inv FROM invites WHERE id = OLD.invite_id;
        IF inv.id IS NOT NULL THEN
            PERFORM afterword_driver_apply(inv, OLD.score, -1);
            PERFORM afterword_driver_apply(inv, (SELECT r.score FROM responses r WHERE r.invite_id = inv.id), 1);
        END IF;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.invite_id <> OLD.invite_id) THEN
        SELECT * INTO inv FROM invites WHERE id = NEW.invite_id;
        IF inv.id IS NOT NULL THEN
            PERFORM afterword_driver_apply(inv, NULL, -1);
            PERFORM afterword_driver_apply(inv, NEW.score, 1);
        END IF;
    END IF;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_driver_rollup_rebuild(p_workspace integer) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    zone text;
BEGIN
    SELECT timezone INTO zone FROM workspaces WHERE id = p_workspace;
    DELETE FROM driver_rollups WHERE workspace_id = p_workspace;
    DELETE FROM driver_durations WHERE workspace_id = p_workspace;
    DELETE FROM driver_rollups_monthly WHERE workspace_id = p_workspace;
    DELETE FROM driver_durations_monthly WHERE workspace_id = p_workspace;
    IF zone IS NULL THEN
        RETURN;
    END IF;
    CREATE TEMPORARY TABLE afterword_driver_facts ON COMMIT DROP AS
        SELECT i.survey_id, (i.created_at AT TIME ZONE zone)::date AS day, COALESCE(i.channel, '') AS channel,
            afterword_seconds(i.first_response_at, i.ticket_created_at) AS frt,
            afterword_seconds(i.solved_at, i.ticket_created_at) AS res,
            i.reopens, i.solved_at IS NOT NULL AS solved, i.handle_seconds, COALESCE(r.score, -1) AS score,
            t.frt AS frt_target, t.resolution AS res_target
        FROM invites i
        LEFT JOIN responses r ON r.invite_id = i.id
        -- The targets once per channel, not once per ticket.
        LEFT JOIN (SELECT c.channel, (afterword_sla_targets(p_workspace, c.channel)).*
                   FROM (SELECT DISTINCT COALESCE(channel, '') AS channel FROM invites
                         WHERE workspace_id = p_workspace) AS c) AS t
            ON t.channel = COALESCE(i.channel, '')
        WHERE i.workspace_id = p_workspace AND i.created_at IS NOT NULL;
    INSERT INTO driver_rollups (workspace_id, survey_id, day, channel, first_response, resolution, reopened, fcr, frt_met, resolution_met, score, tickets, frt_sum, frt_n, resolution_sum, resolution_n, handle_sum, handle_n)
    SELECT p_workspace, survey_id, day, channel, afterword_frt_bucket(frt) AS first_response,
        afterword_resolution_bucket(res) AS resolution,
        CASE WHEN reopens IS NULL THEN 'unknown' WHEN reopens > 0 THEN 'yes' ELSE 'no' END AS reopened,
        CASE WHEN reopens IS NULL THEN 'unknown' WHEN solved AND reopens = 0 THEN 'yes' ELSE 'no' END AS fcr,
        afterword_met(frt, frt_target) AS frt_met, afterword_met(res, res_target) AS resolution_met, score,
        count(*), COALESCE(sum(frt), 0), count(frt), COALESCE(sum(res), 0), count(res),
        COALESCE(sum(handle_seconds), 0), count(handle_seconds)
    FROM afterword_driver_facts
    GROUP BY survey_id, day, channel, first_response, resolution, reopened, fcr, frt_met, resolution_met, score;
    INSERT INTO driver_durations (workspace_id, survey_id, day, which, slot, n)
    SELECT p_workspace, survey_id, day, which, afterword_duration_slot(s) AS slot, count(*)
    FROM (SELECT survey_id, day, 0 AS which, frt AS s FROM afterword_driver_facts WHERE frt IS NOT NULL
          UNION ALL
          SELECT survey_id, day, 1, res FROM afterword_driver_facts WHERE res IS NOT NULL) AS v
    GROUP BY survey_id, day, which, slot;
    -- Months from the days.
    INSERT INTO driver_rollups_monthly (workspace_id, survey_id, day, channel, first_response, resolution, reopened, fcr, frt_met, resolution_met, score, tickets, frt_sum, frt_n, resolution_sum, resolution_n, handle_sum, handle_n)
    SELECT workspace_id, survey_id, date_trunc('month', day)::date AS month, channel, first_response, resolution,
        reopened, fcr, frt_met, resolution_met, score, sum(tickets), sum(frt_sum), sum(frt_n), sum(resolution_sum), sum(resolution_n), sum(handle_sum), sum(handle_n)
    FROM driver_rollups WHERE workspace_id = p_workspace
    GROUP BY workspace_id, survey_id, month, channel, first_response, resolution, reopened, fcr, frt_met,
        resolution_met, score;
    INSERT INTO driver_durations_monthly (workspace_id, survey_id, day, which, slot, n)
    SELECT workspace_id, survey_id, date_trunc('month', day)::date AS month, which, slot, sum(n)
    FROM driver_durations WHERE workspace_id = p_workspace
    GROUP BY workspace_id, survey_id, month, which, slot;
    DROP TABLE afterword_driver_facts;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_driver_rollup_workspaces() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    -- Days are local days: a new time zone regroups every ticket.
    PERFORM afterword_driver_rollup_rebuild(NEW.id);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION afterword_driver_rollup_settings() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    -- New SLA targets re-judge every ticket as met or missed.
    IF TG_OP = 'DELETE' THEN
        PERFORM afterword_driver_rollup_rebuild(OLD.workspace_id);
    ELSIF TG_OP = 'INSERT' OR (NEW.settings::jsonb -> 'sla') IS DISTINCT FROM (OLD.settings::jsonb -> 'sla') THEN
        PERFORM afterword_driver_rollup_rebuild(NEW.workspace_id);
    END IF;
    RETURN NULL;
END
$fn$;
'''
DRIVER_BACKFILL_SQL = r'''
SELECT afterword_driver_rollup_rebuild(id) FROM workspaces;
'''
DRIVER_ROLLUP_TRIGGERS_SQL = r'''
CREATE TRIGGER afterword_driver_invites
    AFTER INSERT OR UPDATE OF workspace_id, survey_id, created_at, channel, ticket_created_at, first_response_at,
        solved_at, reopens, handle_seconds ON invites
    FOR EACH ROW EXECUTE FUNCTION afterword_driver_invites();
CREATE TRIGGER afterword_driver_invites_delete
    BEFORE DELETE ON invites FOR EACH ROW EXECUTE FUNCTION afterword_driver_invites();
CREATE TRIGGER afterword_driver_responses
    AFTER INSERT OR DELETE OR UPDATE OF score, invite_id ON responses
    FOR EACH ROW EXECUTE FUNCTION afterword_driver_responses();
CREATE TRIGGER afterword_driver_rollup_workspaces
    AFTER UPDATE OF timezone ON workspaces FOR EACH ROW
    WHEN (NEW.timezone IS DISTINCT FROM OLD.timezone) EXECUTE FUNCTION afterword_driver_rollup_workspaces();
CREATE TRIGGER afterword_driver_rollup_settings
    AFTER INSERT OR UPDATE OR DELETE ON workspace_settings
    FOR EACH ROW EXECUTE FUNCTION afterword_driver_rollup_settings();
'''
DURATION_INDEXES_SQL = r'''
CREATE INDEX ix_invites_frt_slot ON invites (workspace_id, survey_id, (afterword_duration_slot(afterword_seconds(first_response_at, ticket_created_at))), created_at)
    INCLUDE (first_response_at, ticket_created_at);
CREATE INDEX ix_invites_resolution_slot ON invites (workspace_id, survey_id, (afterword_duration_slot(afterword_seconds(solved_at, ticket_created_at))), created_at)
    INCLUDE (solved_at, ticket_created_at);
'''
DROP_DRIVER_ROLLUP_SQL = r'''
DROP INDEX IF EXISTS ix_invites_resolution_slot;
DROP INDEX IF EXISTS ix_invites_frt_slot;
DROP TRIGGER IF EXISTS afterword_driver_rollup_settings ON workspace_settings;
DROP TRIGGER IF EXISTS afterword_driver_rollup_workspaces ON workspaces;
DROP TRIGGER IF EXISTS afterword_driver_responses ON responses;
DROP TRIGGER IF EXISTS afterword_driver_invites_delete ON invites;
DROP TRIGGER IF EXISTS afterword_driver_invites ON invites;
DROP FUNCTION IF EXISTS afterword_driver_rollup_settings();
DROP FUNCTION IF EXISTS afterword_driver_rollup_workspaces();
DROP FUNCTION IF EXISTS afterword_driver_rollup_rebuild(integer);
DROP FUNCTION IF EXISTS afterword_driver_responses();
DROP FUNCTION IF EXISTS afterword_driver_invites();
DROP FUNCTION IF EXISTS afterword_driver_apply(invites, integer, integer);
DROP FUNCTION IF EXISTS afterword_sla_targets(integer, text);
DROP FUNCTION IF EXISTS afterword_met(numeric, numeric);
DROP FUNCTION IF EXISTS afterword_resolution_bucket(numeric);
DROP FUNCTION IF EXISTS afterword_frt_bucket(numeric);
DROP FUNCTION IF EXISTS afterword_duration_slot(numeric);
DROP FUNCTION IF EXISTS afterword_seconds(timestamptz, timestamptz);
'''
