"""Pure maths of scores: survey kinds and scales, intervals, scores from distributions, local periods.

No Flask and no database here (import-linter checks it): everything takes and returns plain values."""
