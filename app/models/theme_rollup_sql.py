"""The PL/pgSQL functions and triggers that keep theme_mentions and theme_rollups exact (see
app/models/theme_rollup.py).

Three layers, each a row trigger reading only the row it fires for:
- response_themes -> theme_mentions: each theme row is copied beside its answer's facts (survey,
  time, score, polarity) and its side, so one table holds every column the report filters, groups
  and ranks mentions by; an answer's UPDATE copies its new facts onto its mentions.
- theme_mentions -> theme_rollups: each mention in or out of its (local day, theme, side, score) row.
- responses -> theme_rollups: each answer in or out of the row of theme '' (every answer, by
  score, and how many have a comment: the report's base and its shares' denominator).
A deleted answer takes its theme rows with it (ON DELETE CASCADE), whose trigger takes its
mentions out. A new time zone regroups the days: `afterword_theme_rollup_rebuild(workspace_id)`.

The output is frozen text: migration 0017 holds a copy, and
tests/integration/test_theme_rollups_pg.py checks it against this module byte for byte (a change here needs a new migration).
"""

from __future__ import annotations

# A mention's side, from the polarity of the clauses that mention the theme: the same cut as
# app/services/insights/themes.py's PRAISE_AT and COMPLAINT_AT (a test checks they agree).
PRAISE_AT, COMPLAINT_AT = 0.1, -0.1

_MEASURES = ("n", "commented", "polarity_sum", "polarity_n", "theme_sum", "theme_n")
_KEYS = "workspace_id, survey_id, day, theme, side, score"

THEME_ROLLUP_FUNCTIONS_SQL = f"""
CREATE OR REPLACE FUNCTION afterword_theme_side(p double precision) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT CASE WHEN p >= {PRAISE_AT} THEN 'praise' WHEN p <= {COMPLAINT_AT} THEN 'complaint' ELSE 'neutral' END
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
    INSERT INTO theme_rollups AS r ({_KEYS}, {", ".join(_MEASURES)})
    VALUES (p_workspace, p_survey, on_day, p_theme, p_side, p_score, p_sign, p_sign * p_commented,
        p_sign * COALESCE(p_polarity::numeric, 0), p_sign * (p_polarity IS NOT NULL)::int,
        p_sign * COALESCE(p_theme_polarity::numeric, 0), p_sign * (p_theme_polarity IS NOT NULL)::int)
    ON CONFLICT ({_KEYS}) DO UPDATE SET
        {", ".join(f"{m} = r.{m} + EXCLUDED.{m}" for m in _MEASURES)};
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
    INSERT INTO theme_rollups ({_KEYS}, {", ".join(_MEASURES)})
    SELECT p_workspace, survey_id, (answered_at AT TIME ZONE zone)::date AS day, '', '', score, count(*),
        count(*) FILTER (WHERE comment IS NOT NULL AND comment <> ''), 0, 0, 0, 0
    FROM responses WHERE workspace_id = p_workspace
    GROUP BY survey_id, day, score;
    INSERT INTO theme_rollups ({_KEYS}, {", ".join(_MEASURES)})
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
"""

# Created after the migration's backfill, so that backfill fires nothing row by row.
THEME_ROLLUP_TRIGGERS_SQL = """
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
"""

THEME_ROLLUP_SQL = THEME_ROLLUP_FUNCTIONS_SQL + THEME_ROLLUP_TRIGGERS_SQL

DROP_THEME_ROLLUP_SQL = """
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
"""

# The migration's backfill: every existing theme row copied beside its answer's facts, set-wise,
# then each workspace rolled up (GROUP BY), between the functions and the triggers.
THEME_BACKFILL_SQL = """
INSERT INTO theme_mentions (response_id, theme, workspace_id, survey_id, answered_at, score, polarity,
    theme_polarity, side)
SELECT r.id, t.theme, r.workspace_id, r.survey_id, r.answered_at, r.score, r.polarity, t.polarity,
    afterword_theme_side(t.polarity)
FROM response_themes t JOIN responses r ON r.id = t.response_id;
SELECT afterword_theme_rollup_rebuild(id) FROM workspaces;
"""
