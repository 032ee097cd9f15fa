"""The mismatch flag's precision and recall on the hand-labelled sample stay where they were.

tests/analysis/data/mismatch_sample.csv: 138 comment, score and kind rows with a human
judgement (labelling rules in its header). The thresholds were set on rows 1-108; rows 109-138
were written afterwards and never tuned on. Measured (run benchmarks/sentiment/mismatch.py):
precision 1.000 and recall 0.984 on all rows; on the held-out rows 1.000 and 0.867 when they
were written (0.933 after a later lexicon fix); with the analyzer and thresholds before this
change, 1.000 and 0.770 on all rows.
"""

import csv
from pathlib import Path

import pytest

from app.analysis import analyze_comment, detect_mismatch

SAMPLE = Path(__file__).parent / "data" / "mismatch_sample.csv"
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
# The figures reached, less a margin, so a lexicon tweak may cost one or two rows, not more.
MIN_PRECISION = 0.93
MIN_RECALL = 0.90
MIN_HELD_OUT_RECALL = 0.80


def _rows() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def _precision_recall(rows: list[dict[str, str]]) -> tuple[float, float]:
    tp = fp = fn = 0
    for row in rows:
        low, high = SCALES[row["kind"]]
        flagged = detect_mismatch(row["kind"], int(row["score"]), low, high, analyze_comment(row["comment"]))
        truth = row["mismatch"] == "1"
        tp += bool(flagged) and truth
        fp += bool(flagged) and not truth
        fn += not flagged and truth
    return tp / (tp + fp), tp / (tp + fn)


def test_sample_is_big_enough_and_balanced():
    rows = _rows()
    assert len(rows) >= 80
    assert 0.25 < sum(r["mismatch"] == "1" for r in rows) / len(rows) < 0.6
    assert {r["kind"] for r in rows} == set(SCALES)


def test_precision_and_recall_on_the_whole_sample():
    precision, recall = _precision_recall(_rows())
    assert precision >= MIN_PRECISION, precision
    assert recall >= MIN_RECALL, recall


def test_recall_on_the_rows_never_tuned_on():
    precision, recall = _precision_recall(_rows()[108:])
    assert precision >= MIN_PRECISION, precision
    assert recall >= MIN_HELD_OUT_RECALL, recall


@pytest.mark.parametrize(
    "kind, score, comment",
    [
        ("csat", 1, "Thanks for trying"),  # a bottom score with only politeness
        ("nps", 9, "9 — but it took three chats"),  # a promoter's score carrying a complaint
    ],
)
def test_the_issue_examples_are_flagged(kind, score, comment):
    low, high = SCALES[kind]
    assert detect_mismatch(kind, score, low, high, analyze_comment(comment)) is not None
