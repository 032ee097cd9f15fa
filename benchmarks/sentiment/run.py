"""Sentiment quality benchmark: plain TextBlob vs VADER (reference only) vs SupportAnalyzer.

    .venv/bin/python benchmarks/sentiment/run.py                 # both bundled sets, eval split
    .venv/bin/python benchmarks/sentiment/run.py --split dev     # the only split to tune on
    .venv/bin/python benchmarks/sentiment/run.py --data FILE.csv # columns text,label

VADER is printed only when the vaderSentiment package is installed; the app never imports it.

Labels may be -1/0/1, 0/1, or any numeric rating (e.g. 1-5 stars): above the scale's middle
is positive, below is negative, exactly the middle is neutral. Reports Pearson r between each
analyzer's score and the label, and balanced accuracy of each analyzer's label (neutral band
±0.1 for TextBlob and ours, VADER's documented ±0.05 on its compound score).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from textblob import TextBlob

from app.analysis.sentiment import analyze_text

try:  # a reference only, and optional
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
except ImportError:  # pragma: no cover - depends on the venv
    SentimentIntensityAnalyzer = None

DATA = Path(__file__).parent / "data"
# Restaurant-review sentences (binary labels), then airline customer-service tweets (3 classes).
# The airline set is not committed (CC BY-NC-SA): prepare_airline.py builds it where it is wanted.
BUNDLED = [DATA / "yelp_labelled.txt", DATA / "airline_tweets.csv"]
DEV_SHARE = 30  # percent of rows, chosen by a hash of the text so the split never moves


def load(path: Path) -> list[tuple[str, float]]:
    rows: list[tuple[str, float]] = []
    with path.open(encoding="utf-8", newline="") as f:
        if path.suffix == ".csv":
            for row in csv.DictReader(f):
                if row.get("text") and row.get("label", "").strip():
                    rows.append((row["text"], float(row["label"])))
        else:  # tab-separated "text<TAB>label", the UCI sentence files' format
            for line in f:
                text, _, label = line.rstrip("\n").rpartition("\t")
                if text and label.strip():
                    rows.append((text, float(label)))
    return rows


def split_of(text: str) -> str:
    return "dev" if zlib.crc32(text.encode("utf-8")) % 100 < DEV_SHARE else "eval"


def classes(labels: list[float]) -> list[int]:
    low, high = min(labels), max(labels)
    middle = (low + high) / 2
    return [1 if y > middle else -1 if y < middle else 0 for y in labels]


def pearson(xs: list[float], ys: list[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy) if sxx and syy else 0.0


def balanced_accuracy(truth: list[int], predicted: list[int]) -> float:
    recalls = []
    for c in sorted(set(truth)):
        idx = [i for i, t in enumerate(truth) if t == c]
        recalls.append(sum(1 for i in idx if predicted[i] == c) / len(idx))
    return sum(recalls) / len(recalls)


def to_class(score: float, band: float) -> int:
    return 1 if score >= band else -1 if score <= -band else 0


def evaluate(path: Path, split: str, show_errors: int) -> None:
    rows = load(path)
    if split != "all":
        rows = [r for r in rows if split_of(r[0]) == split]
    texts = [t for t, _ in rows]
    labels = [y for _, y in rows]
    truth = classes(labels)

    unsupported = 0

    def ours(text: str) -> float:
        nonlocal unsupported
        result = analyze_text(text)
        if result.polarity is None:
            unsupported += 1
            return 0.0
        return result.polarity

    analyzers: list[tuple[str, Callable[[str], float], float]] = [
        ("TextBlob (pattern)", lambda t: TextBlob(t).sentiment.polarity, 0.1),
    ]
    if SentimentIntensityAnalyzer is not None:
        vader = SentimentIntensityAnalyzer()
        analyzers.append(("VADER (reference)", lambda t: vader.polarity_scores(t)["compound"], 0.05))
    analyzers.append(("Afterword SupportAnalyzer", ours, 0.1))
    print(
        f"data: {path.name}  split: {split}  n={len(rows)}  "
        f"classes: {{{', '.join(f'{c}: {truth.count(c)}' for c in sorted(set(truth)))}}}"
    )
    print(f"{'analyzer':<28}{'Pearson r':>10}{'bal. acc.':>11}{'neutral %':>11}{'ms/text':>9}")
    scores_by_name = {}
    for name, score, band in analyzers:
        started = time.perf_counter()
        scores = [score(t) for t in texts]
        elapsed = (time.perf_counter() - started) * 1000 / max(1, len(texts))
        predicted = [to_class(s, band) for s in scores]
        neutral = 100 * predicted.count(0) / max(1, len(predicted))
        print(
            f"{name:<28}{pearson(scores, labels):>10.3f}{balanced_accuracy(truth, predicted):>11.3f}"
            f"{neutral:>10.1f}%{elapsed:>9.3f}"
        )
        scores_by_name[name] = scores
    if SentimentIntensityAnalyzer is None:
        print("(VADER reference skipped: vaderSentiment is not installed)")
    if unsupported:
        print(f"(ours marked {unsupported} texts as not English; scored 0 here)")
    if show_errors:
        ours_scores = scores_by_name["Afterword SupportAnalyzer"]
        misses = sorted(range(len(texts)), key=lambda i: -(abs(truth[i] - ours_scores[i])))
        for i in misses[:show_errors]:
            print(f"{labels[i]:>4} {ours_scores[i]:+.2f}  {texts[i]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--data", type=Path, action="append", help="a labelled file (repeatable); default: both bundled"
    )
    parser.add_argument("--split", choices=("dev", "eval", "all"), default="eval")
    parser.add_argument(
        "--show-errors",
        type=int,
        default=0,
        metavar="N",
        help="print N of our worst misses (use with --split dev only)",
    )
    args = parser.parse_args(argv)
    for n, path in enumerate(args.data or BUNDLED):
        if n:
            print()
        if not path.exists():
            print(
                f"{path.name}: not here; benchmarks/sentiment/prepare_airline.py builds it from the public Tweets.csv"
            )
            continue
        evaluate(path, args.split, args.show_errors)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
