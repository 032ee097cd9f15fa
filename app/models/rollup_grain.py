"""The grain of a rollup row: which dimensions it is specific to, as bits, and its score slots.

Shared by the model, the trigger SQL that fills it and the insights that read it.
"""

DIMENSIONS = ("agent", "team", "channel", "priority", "segment", "tag")
GRAIN_BITS = {"agent": 1, "team": 2, "channel": 4, "priority": 8, "segment": 16, "tag": 32}
FULL_GRAIN = 31  # agent, team, channel, priority and segment together
TAGGED_FULL_GRAIN = 63  # the same, once per distinct tag
SCORE_SLOTS = 11  # scores 0..10 cover every scale a survey may use
