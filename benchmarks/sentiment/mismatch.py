"""Precision and recall of the tone-score mismatch flag on the hand-labelled sample.

    .venv/bin/python benchmarks/sentiment/mismatch.py [--show-misses]

The sample (tests/analysis/data/mismatch_sample.csv) holds post-support comments with the
score they came with and a human judgement of whether the pair is a contradiction; its header
gives the labelling rules. tests/analysis/test_analysis_mismatch_sample.py keeps the figures.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.analysis import analyze_comment, detect_mismatch  # noqa: E402

SAMPLE = ROOT / "tests" / "analysis" / "data" / "mismatch_sample.csv"
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


def load(path: Path = SAMPLE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def flagged(row: dict[str, str]) -> str | None:
    low, high = SCALES[row["kind"]]
    return detect_mismatch(row["kind"], int(row["score"]), low, high, analyze_comment(row["comment"]))


def precision_recall(rows: list[dict[str, str]]) -> tuple[float, float, list[tuple[str, dict[str, str], str | None]]]:
    tp = fp = fn = 0
    misses = []
    for row in rows:
        reason = flagged(row)
        truth = row["mismatch"] == "1"
        if reason and truth:
            tp += 1
        elif reason:
            fp += 1
            misses.append(("false flag", row, reason))
        elif truth:
            fn += 1
            misses.append(("missed", row, None))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    rows = load()
    precision, recall, misses = precision_recall(rows)
    positives = sum(1 for r in rows if r["mismatch"] == "1")
    print(f"rows: {len(rows)} ({positives} mismatches)  precision {precision:.3f}  recall {recall:.3f}")
    if args.show_misses:
        for what, row, reason in misses:
            print(f"{what:<10} {row['kind']} {row['score']:>2}  {row['comment']!r}  {reason or ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
