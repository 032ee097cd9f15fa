"""The grain of a rollup row: which dimensions it is specific to, as bits, and its score slots.

Shared by the model, the trigger SQL that fills it and the insights that read it.
"""

from itertools import combinations

DIMENSIONS = ("agent", "team", "channel", "priority", "segment", "tag")
GRAIN_BITS = {"agent": 1, "team": 2, "channel": 4, "priority": 8, "segment": 16, "tag": 32}
FULL_GRAIN = 31  # agent, team, channel, priority and segment together
TAGGED_FULL_GRAIN = 63  # the same, once per distinct tag
SCORE_SLOTS = 11  # scores 0..10 cover every scale a survey may use

# Grains of two dimensions (daily rollup only, migration 0018): any filter and grouping naming two
# dimensions reads one of them instead of the all-five rows, which barely compress (300 agents x
# 4 channels x 4 priorities x 3 segments: about one row per fact at 10 M answers). A tag and one
# other dimension is 32 + that dimension's bit.
PAIRS = tuple(combinations(DIMENSIONS[:-1], 2))
PAIR_GRAINS = tuple(GRAIN_BITS[a] | GRAIN_BITS[b] for a, b in PAIRS)
TAGGED_SINGLE_GRAINS = tuple(GRAIN_BITS["tag"] | GRAIN_BITS[d] for d in DIMENSIONS[:-1])


def grain_of(dimensions: set[str]) -> int:
    """The grain holding rows specific to exactly these dimensions: their bits (none: 0); three
    or more read the all-five grain (with a tag, its tagged twin), which every mix can filter."""
    if len(dimensions) <= 2:
        return sum(GRAIN_BITS[d] for d in dimensions)
    return TAGGED_FULL_GRAIN if "tag" in dimensions else FULL_GRAIN
