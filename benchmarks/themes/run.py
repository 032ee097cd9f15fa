"""Themes benchmark: does a comment's primary theme group comments the way people did?

    .venv/bin/python benchmarks/themes/run.py [--split eval|dev|all] [--min-mentions 2]

Data: Banking77 (PolyAI, CC BY 4.0; see README.md), customer-support queries each labelled by
people with one of 77 intents. The rows are split in two by position within each intent: even
rows are `dev` (what the catalogue and discovery were tuned on), odd rows `eval` (reported).

For each method, every comment's primary theme (the first of `themes`) is its group; a comment
without a theme is a group of its own. Printed: BCubed precision, recall and F1 of the groups
against the human intents, the share of comments given a theme, and the number of groups.
Methods, in the same run: ours (analyze_comments over the split, so discovered themes are the
ones that recur in it), every comment in one group, and the previous noun-run extractor
(legacy.py, the code of commit b156826).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from legacy import extract_themes as legacy_extract

from app.analysis import analyze_comments
from app.analysis.tokens import normalise, tokenize

DATA = Path(__file__).parent / "data" / "banking77_test.csv"


def load(split: str) -> tuple[list[str], list[str]]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    seen: Counter[str] = Counter()
    texts, labels = [], []
    for row in rows:
        n = seen[row["category"]]
        seen[row["category"]] += 1
        if split == "all" or (split == "dev") == (n % 2 == 0):
            texts.append(row["text"])
            labels.append(row["category"])
    return texts, labels


def bcubed(groups: list[str | None], labels: list[str]) -> tuple[float, float, float]:
    """BCubed precision, recall, F1 (Amigó et al. 2009); None groups are singletons."""
    groups = [g if g is not None else f"\0{i}" for i, g in enumerate(groups)]
    group_size = Counter(groups)
    label_size = Counter(labels)
    both = Counter(zip(groups, labels))
    n = len(labels)
    precision = sum(both[g, lab] / group_size[g] for g, lab in zip(groups, labels)) / n
    recall = sum(both[g, lab] / label_size[lab] for g, lab in zip(groups, labels)) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def ours(texts: list[str], min_mentions: int) -> list[str | None]:
    return [r.themes[0] if r.themes else None for r in analyze_comments(texts, min_mentions=min_mentions)]


def legacy(texts: list[str]) -> list[str | None]:
    out = []
    for text in texts:
        keys = legacy_extract(tokenize(normalise(text)))
        out.append(keys[0] if keys else None)
    return out


def report(name: str, groups: list[str | None], labels: list[str], seconds: float | None = None) -> None:
    p, r, f = bcubed(groups, labels)
    covered = sum(g is not None for g in groups) / len(groups)
    n_groups = len({g for g in groups if g is not None})
    timing = f"  {len(groups) / seconds:7.0f}/s" if seconds else ""
    print(f"{name:<34} {p:6.3f} {r:6.3f} {f:6.3f} {100 * covered:8.1f}% {n_groups:7d}{timing}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=["eval", "dev", "all"], default="eval")
    parser.add_argument("--min-mentions", type=int, default=2)
    parser.add_argument("--show", type=int, default=0, help="print the N largest groups of ours with their intents")
    args = parser.parse_args(argv)
    texts, labels = load(args.split)
    print(f"Banking77 test set, {args.split} split: {len(texts)} comments, {len(set(labels))} human intents")
    print(f"{'method':<34} {'B3 P':>6} {'B3 R':>6} {'B3 F1':>6} {'themed':>9} {'groups':>7}")
    ours(["warm up"], 1), legacy(["warm up"])  # lexicons and patterns load on first use
    started = time.perf_counter()
    mine = ours(texts, args.min_mentions)
    report(f"ours (min_mentions={args.min_mentions})", mine, labels, time.perf_counter() - started)
    report("baseline: one group", ["all"] * len(texts), labels)
    started = time.perf_counter()
    report("baseline: noun runs (b156826)", legacy(texts), labels, time.perf_counter() - started)
    if args.show:
        by_group: dict[str, Counter[str]] = defaultdict(Counter)
        for group, label in zip(mine, labels):
            by_group[group or "(none)"][label] += 1
        for group, intents in sorted(by_group.items(), key=lambda kv: -sum(kv[1].values()))[: args.show]:
            print(f"{sum(intents.values()):5d} {group:<28} {intents.most_common(4)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
