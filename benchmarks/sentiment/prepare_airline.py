"""Build data/airline_tweets.csv from the public "Twitter US Airline Sentiment" Tweets.csv.

The dataset is CC BY-NC-SA 4.0, so it is not committed with this MIT-licensed code: take
Tweets.csv from its publisher (Kaggle, crowdflower/twitter-airline-sentiment) or a copy of it,
then run this once. It keeps the tweets whose label had full contributor agreement, as
`text,label` with label -1/0/1, the sample benchmarks/sentiment/README.md reports on.

    .venv/bin/python benchmarks/sentiment/prepare_airline.py PATH/TO/Tweets.csv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

LABELS = {"negative": -1, "neutral": 0, "positive": 1}
OUT = Path(__file__).parent / "data" / "airline_tweets.csv"


def main(source: str) -> None:
    with open(source, encoding="utf-8", newline="") as f:
        rows = [
            (row["text"], LABELS[row["airline_sentiment"]])
            for row in csv.DictReader(f)
            if row.get("airline_sentiment") in LABELS and float(row.get("airline_sentiment_confidence") or 0) == 1.0
        ]
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    print(f"{len(rows)} tweets -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
