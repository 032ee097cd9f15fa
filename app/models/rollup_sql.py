"""The PL/pgSQL functions and triggers that keep metric_rollups exact (see app/models/rollup.py).

The SQL is generated so that what it repeats (the agent key, the dimensions read off an invite,
the score columns, the grains and their grouping sets) is written once, here, beside the Python
constants it must agree with. Every string is built when asked for, never at import.

The output is frozen text: each migration that creates or replaces these objects holds a copy
(migrations never import the app), and tests/test_insights_api.py checks those copies against
these functions byte for byte. So a change of wording, spacing or line breaks here needs a new
migration; the helpers take the line breaks of the text they produce for that reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.sql import ColumnElement

from app.models.invite import Invite
from app.models.rollup_grain import (
    DIMENSIONS,
    FULL_GRAIN,
    GRAIN_BITS,
    PAIR_GRAINS,
    PAIRS,
    SCORE_SLOTS,
    TAGGED_FULL_GRAIN,
    TAGGED_SINGLE_GRAINS,
)


@dataclass(frozen=True)
class Bucket:
    """A rollup table and the time bucket its rows count: the same functions and triggers are
    generated for each, so the daily and the hourly rollups can never disagree on what they count."""

    table: str  # the table the rows live in
    prefix: str  # of the functions and triggers that keep it
    column: str  # the bucket's column
    sql_type: str  # its type
    zoned: bool  # local days of the workspace's zone (else UTC hours, which no zone change moves)
    # Whether it holds the grains of all five dimensions (31, and 63 per tag). Those rows are about
    # one per fact at hourly grain (2.2 GB of 3.4 GB for 1 M answers): the hourly rollup leaves
    # them out, and a mix of dimensions reads its partial days from raw rows instead.
    full: bool = True
    # Whether it holds the grains of two dimensions (rollup_grain.PAIR_GRAINS, and a tag with each
    # dimension): the daily rollup only (migration 0018). Per UTC hour they would be about one row
    # per fact, as the all-five grains are.
    pairs: bool = False

    def of(self, instant: str, zone: str) -> str:
        """The bucket of the timestamptz `instant` (SQL), `zone` naming the workspace's zone."""
        if self.zoned:
            return f"({instant} AT TIME ZONE {zone})::date"
        # date_trunc with an explicit zone: the session's TimeZone (a half-hour zone, say) must
        # not move hour boundaries.
        return f"date_trunc('hour', {instant}, 'UTC')"


DAILY = Bucket("metric_rollups", "afterword_rollup", "day", "date", zoned=True, pairs=True)
# UTC hours: any zone's local day (or half-hour-offset day: see app/services/insights/cells.py) is
# a sum of whole hours plus, at most, partial hours at its two ends.
HOURLY = Bucket("metric_rollups_hourly", "afterword_rollup_hourly", "hour", "timestamptz", zoned=False, full=False)


# How an agent is identified in rollup rows, groups and filters: the first of these invite columns
# that is neither NULL nor empty, else ''. The triggers and the raw-row queries of
# app/services/insights must agree on it, or the rollup and the raw rows would count different agents.
AGENT_KEY_COLUMNS = ("agent_id", "agent_email", "agent_name")

# The dimensions a rollup row may be grouped by (a tag is a row of its own, one per distinct tag).
_GROUPED = DIMENSIONS[:-1]
# The invite column behind each grouped dimension other than the agent (whose key is agent_key_sql).
_INVITE_COLUMN = {"team": "team", "channel": "channel", "priority": "priority", "segment": "customer_segment"}
# What a rollup row sums besides the score counts s0..s10.
_MEASURES = ("polarity_sum", "polarity_n", "delivered", "answered")
# The invite columns an answer's or delivery's rollup rows depend on (besides sent_at and
# answered_at): an UPDATE changing any of them moves the invite's facts to other rows.
_TICKET_FACTS = (
    "agent_id",
    "agent_email",
    "agent_name",
    "team",
    "channel",
    "priority",
    "customer_segment",
    "tags::text",
    "survey_id",
    "workspace_id",
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


# --- the agent key --------------------------------------------------------------------------------


def agent_key_sql(row: str) -> str:
    """The agent key of the invite `row` (a table alias or a PL/pgSQL record), as SQL text."""
    return "COALESCE(" + ", ".join(f"NULLIF({row}.{c}, '')" for c in AGENT_KEY_COLUMNS) + ", '')"


def agent_key(invite=Invite) -> ColumnElement:
    """The same agent key as a SQLAlchemy expression over `invite` (the model or an alias of it)."""
    return func.coalesce(*(func.nullif(getattr(invite, c), "") for c in AGENT_KEY_COLUMNS), "")


# --- fragments ------------------------------------------------------------------------------------


def _keys(row: str = "", b: Bucket = DAILY) -> str:
    """The primary key columns of the rollup table (the ON CONFLICT target), optionally of `row`."""
    prefix = f"{row}." if row else ""
    return ", ".join(prefix + c for c in ("workspace_id", "grain", b.column, "survey_id", *DIMENSIONS))


def _per_score(template: str, sep: str = ", ") -> str:
    """`template` once per score slot, `{i}` standing for the score: one term per column s0..s10."""
    return sep.join(template.format(i=i) for i in range(SCORE_SLOTS))


def _rollup_columns(b: Bucket = DAILY) -> str:
    """Every column an INSERT into the rollup table writes."""
    return f"{_keys(b=b)}, label, {_per_score('s{i}')}, {', '.join(_MEASURES)}"


def _same_key(a: str, b: str, bucket: Bucket = DAILY) -> str:
    """Rows `a` and `b` are the same rollup row."""
    return " AND ".join(f"{a}.{k} = {b}.{k}" for k in _keys(b=bucket).split(", "))


def _added(src: str, sep: str = ", ") -> str:
    """The SET list adding the counts of `src` to the rollup row `r` (the score terms share a line)."""
    scores = _per_score("s{i} = r.s{i} + " + src + ".s{i}")
    return sep.join([scores, *(f"{c} = r.{c} + {src}.{c}" for c in _MEASURES)])


def _nonzero() -> str:
    """A delta changes something (deltas that net to zero are skipped, not written)."""
    return " OR ".join([_per_score("s{i} <> 0", " OR "), *(f"{c} <> 0" for c in _MEASURES)])


def _no_removal(row: str) -> str:
    """The delta `row` only adds: a removal must never create a row (polarity_sum may be negative)."""
    return " AND ".join(
        [_per_score(row + ".s{i} >= 0", " AND "), *(f"{row}.{c} >= 0" for c in _MEASURES if c != "polarity_sum")]
    )


def _invite_dimensions(row: str) -> str:
    """The grouped dimensions of the invite `row`, named as in metric_rollups, with the agent's name."""
    others = ", ".join(f"COALESCE({row}.{_INVITE_COLUMN[d]}, '') AS {d}" for d in _GROUPED[1:])
    return f"{agent_key_sql(row)} AS agent, {row}.agent_name AS agent_name, {others}"


def _ticket_facts(row: str, wrap: str = " ") -> str:
    """The row value of the invite `row`'s _TICKET_FACTS (compared whole to tell whether it moved)."""
    cells = [f"{row}.{c}" for c in _TICKET_FACTS]
    return f"({', '.join(cells[:6])},{wrap}{', '.join(cells[6:])})"


def _grain_of() -> str:
    """The grain of a GROUPING SETS row: the bits of the dimensions it is grouped by."""
    terms = (f"CASE WHEN GROUPING({d}) = 0 THEN {GRAIN_BITS[d]} ELSE 0 END" for d in _GROUPED)
    return "(" + " + ".join(terms) + ")"


def _grouping_sets(tagged: bool = False, b: Bucket = DAILY) -> str:
    """The groupings behind the grains: all, each dimension alone, each pair (`b.pairs`) and all
    five (for other filter combinations); rows of one tag: all, each dimension beside the tag
    (`b.pairs`) and all five (grains 32, 33..48 and 63). Tagged rows keep the five even without
    `b.full` (a grouping set must name every dimension the SELECT reads): _without_full drops them."""
    singles = [f"({d})" for d in _GROUPED]
    pairs = [f"({a}, {c})" for a, c in PAIRS] if b.pairs and not tagged else []
    sets = ["()", *(singles if b.pairs or not tagged else []), *pairs]
    full = ["(" + ", ".join(_GROUPED) + ")"] if b.full or tagged else []
    return f"GROUPING SETS ({', '.join([*sets, *full])})"


def _without_full(b: Bucket, indent: str) -> str:
    """The HAVING that leaves out the tagged all-five rows (grain 63) when `b` holds no full grains."""
    return "" if b.full else f"\n{indent}HAVING GROUPING(agent) = 1"


def _grains(indent: str, b: Bucket = DAILY) -> str:
    """The (grain, tag) pairs one answer or delivery lands in: _grouping_sets as rows, for
    afterword_rollup_apply, which writes one fact at a time. Lines after the first start with `indent`."""
    full = (FULL_GRAIN,) if b.full else ()
    pairs = PAIR_GRAINS if b.pairs else ()
    untagged = ", ".join(str(g) for g in (0, *(GRAIN_BITS[d] for d in _GROUPED), *pairs, *full))
    tagged_grains = (GRAIN_BITS["tag"], *(TAGGED_SINGLE_GRAINS if b.pairs else ()), *(TAGGED_FULL_GRAIN,) * b.full)
    tagged = ", ".join(str(g) for g in tagged_grains)
    return f"\n{indent}".join(
        [
            f"SELECT unnest(ARRAY[{untagged}]) AS grain, ''::text AS tag",
            "UNION",
            "SELECT g, t.value FROM json_array_elements_text(COALESCE(p_tags, '[]'::json)) AS t(value),",
            f"    unnest(ARRAY[{tagged}]) AS g",
        ]
    )


def _grain_dimensions(indent: str, named: bool) -> str:
    """The parameters of afterword_rollup_apply as one grain's dimensions ('' where it is not specific)."""
    return f",\n{indent}".join(
        f"CASE WHEN g.grain & {GRAIN_BITS[d]} <> 0 THEN p_{d} ELSE '' END" + (f" AS {d}" if named else "")
        for d in _GROUPED
    )


def _signed_scores(named: bool) -> str:
    """One answer's score as +/-1 in its slot (p_score NULL, a delivery, counts in none)."""
    return _per_score("p_sign * (COALESCE(p_score, -1) = {i})::int" + (" AS s{i}" if named else ""))


def _apply_args(row: str) -> str:
    """The facts of the invite `row` as afterword_rollup_apply's p_agent .. p_tags."""
    dims = [f"COALESCE({row}.{_INVITE_COLUMN[d]}, '')" for d in _GROUPED[1:]]
    return (
        f"{agent_key_sql(row)},\n"
        f"        {row}.agent_name, {dims[0]}, {dims[1]},\n"
        f"        {dims[2]}, {dims[3]}, {row}.tags,"
    )


# --- functions ------------------------------------------------------------------------------------


def _apply_sql(b: Bucket = DAILY) -> str:
    """Adds (p_sign > 0) or subtracts one answer or delivery in every rollup row it belongs to."""
    one_per_line = ",\n            "
    at = f"p_{b.column}"
    return f"""CREATE OR REPLACE FUNCTION {b.prefix}_apply(
    p_workspace integer, p_survey integer, {at} {b.sql_type}, p_agent text, p_label text, p_team text,
    p_channel text, p_priority text, p_segment text, p_tags json, p_score integer,
    p_polarity double precision, p_delivered integer, p_answered integer, p_sign integer
) RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    IF {at} IS NULL THEN
        RETURN;
    END IF;
    IF p_sign > 0 THEN
        INSERT INTO {b.table} AS r ({_rollup_columns(b)})
        SELECT p_workspace, g.grain, {at}, p_survey,
            {_grain_dimensions("            ", named=False)},
            g.tag,
            CASE WHEN g.grain & 1 <> 0 THEN p_label END,
            {_signed_scores(named=False)},
            COALESCE(p_polarity, 0), (p_polarity IS NOT NULL)::int, p_delivered, p_answered
        FROM (
            {_grains("            ", b)}
        ) AS g
        ON CONFLICT ({_keys(b=b)}) DO UPDATE SET
            label = COALESCE(EXCLUDED.label, r.label),
            {_added("EXCLUDED", one_per_line)};
    ELSE
        -- Only ever subtract from rows that exist (a removal never creates a row).
        UPDATE {b.table} AS r SET
            {_added("v", one_per_line)}
        FROM (
            SELECT g.grain,
                {_grain_dimensions("                ", named=True)},
                g.tag,
                {_signed_scores(named=True)},
                p_sign * COALESCE(p_polarity, 0) AS polarity_sum, p_sign * (p_polarity IS NOT NULL)::int AS polarity_n,
                p_sign * p_delivered AS delivered, p_sign * p_answered AS answered
            FROM (
                {_grains("                ", b)}
            ) AS g
        ) AS v
        WHERE r.workspace_id = p_workspace AND r.grain = v.grain AND r.{b.column} = {at} AND r.survey_id = p_survey
            AND r.agent = v.agent AND r.team = v.team AND r.channel = v.channel AND r.priority = v.priority
            AND r.segment = v.segment AND r.tag = v.tag;
    END IF;
END
$fn$;
"""


def _answer_sql(b: Bucket = DAILY) -> str:
    """One answer in or out, in its bucket (local day or UTC hour), under its invite's facts."""
    return f"""CREATE OR REPLACE FUNCTION {b.prefix}_answer(
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
    PERFORM {b.prefix}_apply(
        p_workspace, p_survey, {b.of("p_at", "zone")},
        {_apply_args("p_invite")}
        p_score, p_polarity, 0, 0, p_sign);
END
$fn$;
"""


def _delivery_sql(b: Bucket = DAILY) -> str:
    """One delivered invite in or out, in the bucket it was sent in."""
    return f"""CREATE OR REPLACE FUNCTION {b.prefix}_delivery(p_invite invites, p_sign integer) RETURNS void
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
    PERFORM {b.prefix}_apply(
        p_invite.workspace_id, p_invite.survey_id, {b.of("p_invite.sent_at", "zone")},
        {_apply_args("p_invite")}
        NULL, NULL, 1, (p_invite.answered_at IS NOT NULL)::int, p_sign);
END
$fn$;
"""


# Constant: nothing in it is shared with the other functions.
_RESPONSES_SQL = """CREATE OR REPLACE FUNCTION afterword_rollup_responses() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
"""


def _invites_sql() -> str:
    """The row-level function of inserted and deleted invites (updates go to invites_updated_sql;
    its UPDATE branch is kept so the function's text stays that of migration 0003)."""
    wrap = "\n                  "
    return f"""CREATE OR REPLACE FUNCTION afterword_rollup_invites() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    resp responses;
    moved boolean := false;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        moved := {_ticket_facts("NEW", wrap)}
            IS DISTINCT FROM {_ticket_facts("OLD", wrap)};
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
"""


def invites_updated_sql(b: Bucket = DAILY) -> str:
    """The statement-level function that rolls up an UPDATE of invites (see INVITE_TRIGGERS_SQL)."""
    grain_of = _grain_of()
    # An UPDATE may add and remove facts of one rollup row; the label comes from the added ones.
    label = "CASE WHEN GROUPING(agent) = 0 THEN max(agent_name) FILTER (WHERE sign > 0) END AS label"
    sums = (
        f"{_per_score('COALESCE(sum(sign) FILTER (WHERE score = {i}), 0) AS s{i}')},"
        " COALESCE(sum(sign * polarity), 0) AS polarity_sum,"
        " COALESCE(sum(sign) FILTER (WHERE polarity IS NOT NULL), 0) AS polarity_n,"
        " sum(sign * delivered) AS delivered, sum(sign * answered) AS answered"
    )
    moved = f"{_ticket_facts('n')} IS DISTINCT FROM {_ticket_facts('o')}"
    return f"""CREATE OR REPLACE FUNCTION {b.prefix}_invites_updated() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
            NULL::double precision AS polarity, 1 AS delivered, (o.answered_at IS NOT NULL)::int AS answered, {_invite_dimensions("o")}, o.tags
        FROM changed c JOIN old_rows o ON o.id = c.id WHERE o.sent_at IS NOT NULL
        UNION ALL
        SELECT 1, n.workspace_id, n.survey_id, n.sent_at, NULL, NULL, 1, (n.answered_at IS NOT NULL)::int, {_invite_dimensions("n")}, n.tags
        FROM changed c JOIN new_rows n ON n.id = c.id WHERE n.sent_at IS NOT NULL
        UNION ALL
        SELECT -1, r.workspace_id, r.survey_id, r.answered_at, r.score, r.polarity, 0, 0, {_invite_dimensions("o")}, o.tags
        FROM changed c JOIN old_rows o ON o.id = c.id JOIN responses r ON r.invite_id = o.id WHERE c.moved
        UNION ALL
        SELECT 1, r.workspace_id, r.survey_id, r.answered_at, r.score, r.polarity, 0, 0, {_invite_dimensions("n")}, n.tags
        FROM changed c JOIN new_rows n ON n.id = c.id JOIN responses r ON r.invite_id = n.id WHERE c.moved
    ), dated AS (
        SELECT f.*, {b.of("f.at", "w.timezone")} AS {b.column}, row_number() OVER () AS fact
        FROM facts f JOIN workspaces w ON w.id = f.workspace_id
        WHERE w.timezone IS NOT NULL
    ), deltas AS (
        SELECT workspace_id, {grain_of} AS grain, {b.column}, survey_id, COALESCE(agent, '') AS agent,
            COALESCE(team, '') AS team, COALESCE(channel, '') AS channel, COALESCE(priority, '') AS priority,
            COALESCE(segment, '') AS segment, '' AS tag, {label}, {sums}
        FROM dated
        GROUP BY workspace_id, survey_id, {b.column}, {_grouping_sets(b=b)}
        UNION ALL
        SELECT workspace_id, 32 + {grain_of}, {b.column}, survey_id, COALESCE(agent, ''), COALESCE(team, ''),
            COALESCE(channel, ''), COALESCE(priority, ''), COALESCE(segment, ''), tag, {label}, {sums}
        FROM (SELECT DISTINCT ON (d.fact, t.value) d.*, t.value AS tag
              FROM dated d, json_array_elements_text(COALESCE(d.tags, '[]'::json)) AS t(value)) AS tagged
        GROUP BY workspace_id, survey_id, {b.column}, tag, {_grouping_sets(tagged=True, b=b)}{_without_full(b, "        ")}
    ), netted AS (
        SELECT * FROM deltas WHERE {_nonzero()}
    ), updated AS (
        UPDATE {b.table} AS r SET label = COALESCE(d.label, r.label), {_added("d")}
        FROM netted d WHERE {_same_key("r", "d", b)}
        RETURNING {_keys("r", b)}
    )
    -- Rows not there yet are added; a removal never creates a row.
    INSERT INTO {b.table} AS r ({_rollup_columns(b)})
    SELECT {_keys("d", b)},
        d.label, {_per_score("d.s{i}")}, {", ".join(f"d.{c}" for c in _MEASURES)}
    FROM netted d
    WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE {_same_key("u", "d", b)}) AND {_no_removal("d")}
    ON CONFLICT ({_keys(b=b)}) DO UPDATE SET label = COALESCE(EXCLUDED.label, r.label), {_added("EXCLUDED")};
    RETURN NULL;
END
$fn$;
"""


def _rebuild_sql(b: Bucket = DAILY) -> str:
    """Recomputes a workspace's rollups from the raw rows (a new time zone, or a repair)."""
    grain_of = _grain_of()
    sums = f"{_per_score('count(*) FILTER (WHERE score = {i})')}, COALESCE(sum(polarity), 0), count(polarity), sum(delivered), sum(answered)"
    facts = f"{b.prefix}_facts"
    return f"""CREATE OR REPLACE FUNCTION {b.prefix}_rebuild(p_workspace integer) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
    zone text;
BEGIN
    SELECT timezone INTO zone FROM workspaces WHERE id = p_workspace;
    DELETE FROM {b.table} WHERE workspace_id = p_workspace;
    IF zone IS NULL THEN
        RETURN;
    END IF;
    -- Answers (by the day answered) and deliveries (by the day sent) as one set of facts, so each
    -- grain is written by one INSERT with no conflicts to resolve.
    CREATE TEMPORARY TABLE {facts} ON COMMIT DROP AS
        SELECT r.survey_id, {b.of("r.answered_at", "zone")} AS {b.column}, r.score, r.polarity,
            0 AS delivered, 0 AS answered, i.tags, {_invite_dimensions("i")}
        FROM responses r JOIN invites i ON i.id = r.invite_id WHERE r.workspace_id = p_workspace
        UNION ALL
        SELECT i.survey_id, {b.of("i.sent_at", "zone")}, NULL, NULL, 1, (i.answered_at IS NOT NULL)::int,
            i.tags, {_invite_dimensions("i")}
        FROM invites i WHERE i.workspace_id = p_workspace AND i.sent_at IS NOT NULL;

    INSERT INTO {b.table} ({_rollup_columns(b)})
    SELECT p_workspace, {grain_of}, {b.column}, survey_id, COALESCE(agent, ''), COALESCE(team, ''), COALESCE(channel, ''),
        COALESCE(priority, ''), COALESCE(segment, ''), '',
        CASE WHEN GROUPING(agent) = 0 THEN max(agent_name) END,
        {sums}
    FROM {facts}
    GROUP BY survey_id, {b.column}, {_grouping_sets(b=b)};

    INSERT INTO {b.table} ({_rollup_columns(b)})
    SELECT p_workspace, 32 + {grain_of}, {b.column}, survey_id, COALESCE(agent, ''), COALESCE(team, ''),
        COALESCE(channel, ''), COALESCE(priority, ''), COALESCE(segment, ''), tag,
        CASE WHEN GROUPING(agent) = 0 THEN max(agent_name) END,
        {sums}
    FROM {facts} f, LATERAL (SELECT DISTINCT t.value AS tag FROM json_array_elements_text(f.tags) AS t(value)) AS tagged
    GROUP BY survey_id, {b.column}, tag, {_grouping_sets(tagged=True, b=b)}{_without_full(b, "    ")};

    DROP TABLE {facts};
END
$fn$;
"""


_WORKSPACES_SQL = """CREATE OR REPLACE FUNCTION afterword_rollup_workspaces() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    -- Days are local days: a new time zone regroups every answer.
    PERFORM afterword_rollup_rebuild(NEW.id);
    RETURN NULL;
END
$fn$;
"""

# The responses trigger lists the columns afterword_rollup_responses reads; the invites' delete
# trigger runs BEFORE the delete so the invite's answers can still be found and taken out.
_OTHER_TRIGGERS_SQL = """CREATE TRIGGER afterword_rollup_invites_delete
    BEFORE DELETE ON invites FOR EACH ROW EXECUTE FUNCTION afterword_rollup_invites();
CREATE TRIGGER afterword_rollup_workspaces
    AFTER UPDATE OF timezone ON workspaces FOR EACH ROW
    WHEN (NEW.timezone IS DISTINCT FROM OLD.timezone) EXECUTE FUNCTION afterword_rollup_workspaces();
"""
_RESPONSES_TRIGGER_SQL = """CREATE TRIGGER afterword_rollup_responses
    AFTER INSERT OR DELETE OR UPDATE OF score, polarity, answered_at, invite_id, survey_id, workspace_id
    ON responses FOR EACH ROW EXECUTE FUNCTION afterword_rollup_responses();
"""


# --- public ---------------------------------------------------------------------------------------


def rollup_functions_sql() -> str:
    """Every CREATE OR REPLACE FUNCTION, in the order migration 0003 created them."""
    return "\n" + "\n".join(
        [
            _apply_sql(),
            _answer_sql(),
            _delivery_sql(),
            _RESPONSES_SQL,
            _invites_sql(),
            invites_updated_sql(),
            _rebuild_sql(),
            _WORKSPACES_SQL,
        ]
    )


def rollup_triggers_sql() -> str:
    """Every CREATE TRIGGER (the functions must exist first)."""
    return f"{_RESPONSES_TRIGGER_SQL}{INVITE_TRIGGERS_SQL}\n{_OTHER_TRIGGERS_SQL}"


def rollup_sql() -> str:
    """The functions and triggers that keep metric_rollups exact: what `db.create_all()` runs on
    PostgreSQL, and what the migrations' frozen copies add up to."""
    return f"{rollup_functions_sql()}\n{rollup_triggers_sql()}"


# --- the hourly rollup ----------------------------------------------------------------------------


def _renamed(sql: str, b: Bucket) -> str:
    """`sql` (written for the daily rollup) naming `b`'s functions and triggers instead."""
    return sql.replace("afterword_rollup_", f"{b.prefix}_")


def hourly_rollup_sql() -> str:
    """The functions and triggers that keep metric_rollups_hourly exact: the daily rollup's, on UTC
    hours. Separate triggers rather than more work in the daily ones, so each stays the text its
    migration froze; a change of the workspace's zone moves no hour, so nothing rebuilds them
    but a bulk load or a repair (`afterword_rollup_hourly_rebuild(workspace_id)`)."""
    b = HOURLY
    delete_trigger = _OTHER_TRIGGERS_SQL.split(";")[0] + ";\n"
    functions = [
        _apply_sql(b),
        _answer_sql(b),
        _delivery_sql(b),
        _renamed(_RESPONSES_SQL, b),
        _renamed(_invites_sql(), b),
        invites_updated_sql(b),
        _rebuild_sql(b),
    ]
    triggers = _renamed(f"{_RESPONSES_TRIGGER_SQL}{INVITE_TRIGGERS_SQL}\n{delete_trigger}", b)
    return "\n" + "\n".join(functions) + "\n" + triggers


DROP_HOURLY_ROLLUP_SQL = """
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
"""


# --- grains of two dimensions (migration 0018) ----------------------------------------------------


def pair_grains_sql() -> str:
    """The functions migration 0018 replaced: the daily rollup's, which now write the grains of two
    dimensions too, and both rebuilds, which take each fact's distinct tags row by row (the sort
    of every tagged fact by ctid they did before spilled gigabytes to disk at 10 M answers)."""
    return "\n" + "\n".join([_apply_sql(), invites_updated_sql(), _rebuild_sql(), _rebuild_sql(HOURLY)])
