"""Throughput of the worker's database path against a bare TextBlob sentiment loop.

    .venv/bin/python benchmarks/analysis_db_throughput.py [--repeat 5] [--batch-size 200] [--no-custom]

Stores the comments of benchmarks/analysis_throughput.py as answers in a fresh SQLite
database, then times what an `afterword.analyze_batch` task does for each batch of ids:
app.services.analysis.analyze_responses (load rows, the workspace's custom themes, sentiment,
themes, mismatch, ResponseTheme rows, catalogue upsert, one commit). Printed beside it, in the
same run: the pure analyze_comments call and `[TextBlob(t).sentiment for t in texts]`.
"""
from __future__ import annotations

import argparse
import gc
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
# A throwaway instance folder: the benchmark writes nothing under the project's instance/.
os.environ["AFTERWORD_INSTANCE"] = tempfile.mkdtemp(prefix="afterword-bench-")
for name in ("DATABASE_URL", "REDIS_URL", "SMTP_URL"):
    os.environ.pop(name, None)

from sqlalchemy import insert, select, update  # noqa: E402
from textblob import TextBlob  # noqa: E402

from analysis_throughput import DEFAULT_DATA, load_texts  # noqa: E402
from app import create_app  # noqa: E402
from app.analysis import analyze_comment, analyze_comments  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Invite, Response, Theme  # noqa: E402
from app.models.types import utcnow  # noqa: E402
from app.services.analysis import analyze_responses, stale_batches  # noqa: E402
from app.services.surveys import create_survey  # noqa: E402
from app.services.theme_catalogue import custom_catalogue  # noqa: E402
from app.services.workspaces import create_workspace  # noqa: E402

CUSTOM_THEMES = {
    "billing": (["invoice", "charged", "bill"], ["money back"]),
    "waiting": (["waiting", "slow"], ["no reply", "took forever"]),
    "food": (["food", "pizza", "burger"], []),
}


def store_answers(texts: list[str], custom: bool) -> int:
    workspace, _ = create_workspace("Benchmark")
    survey = create_survey(workspace.id, {"name": "CSAT", "kind": "csat"})
    now = utcnow()
    db.session.execute(insert(Invite), [
        {"workspace_id": workspace.id, "survey_id": survey.id, "token": secrets.token_urlsafe(24), "status": "sent",
         "created_at": now, "due_at": now, "tags": []}
        for _ in texts
    ])
    invite_ids = db.session.scalars(select(Invite.id).order_by(Invite.id)).all()
    db.session.execute(insert(Response), [
        {"workspace_id": workspace.id, "survey_id": survey.id, "invite_id": invite_id, "score": 1 + i % 5,
         "comment": text, "answered_at": now, "updated_at": now, "themes": []}
        for i, (invite_id, text) in enumerate(zip(invite_ids, texts))
    ])
    if custom:
        db.session.add_all(Theme(workspace_id=workspace.id, key=key, label=key.title(), source="custom",
                                 keywords=keywords, phrases=phrases)
                           for key, (keywords, phrases) in CUSTOM_THEMES.items())
    db.session.commit()
    return workspace.id


def mark_stale() -> None:
    db.session.execute(update(Response).values(analysis_version=None))
    db.session.commit()


def reanalyse_all(workspace_id: int, batch_size: int) -> None:
    for ids in stale_batches(workspace_id, batch_size):
        analyze_responses(ids)


def cpu_rate(run, n: int, repeat: int, before=None) -> float:
    """Best comments per CPU-second of this process over `repeat` runs (`before` is not timed).

    CPU time rather than wall time: "per core" is what the target is about, and it keeps the
    figures steady on a shared machine. SQLite runs in this process, so its work counts.
    """
    rates = []
    for _ in range(repeat):
        if before:
            before()
        gc.collect()
        started = time.process_time()
        run()
        rates.append(n / (time.process_time() - started))
    return max(rates)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--no-custom", action="store_true", help="no custom themes in the workspace")
    args = parser.parse_args(argv)

    texts = load_texts(args.data)
    folder = Path(os.environ["AFTERWORD_INSTANCE"])
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
                      "BROKER_DIR": str(folder / "broker")})
    with app.app_context():
        db.create_all()
        workspace_id = store_answers(texts, custom=not args.no_custom)
        TextBlob("warm up").sentiment
        analyze_comment("warm up")
        reanalyse_all(workspace_id, args.batch_size)  # warm the catalogue and the theme matchers too

        n = len(texts)
        catalogue = custom_catalogue(workspace_id) or None
        bare = cpu_rate(lambda: [TextBlob(t).sentiment for t in texts], n, args.repeat)
        pure = cpu_rate(lambda: analyze_comments(texts, catalogue), n, args.repeat)
        stored = cpu_rate(lambda: reanalyse_all(workspace_id, args.batch_size), n, args.repeat, before=mark_stale)
        db.engine.dispose()

    custom = "none" if args.no_custom else f"{len(CUSTOM_THEMES)} custom themes"
    print(f"answers: {n} (unique comments), SQLite, batches of {args.batch_size}, {custom}")
    print(f"best of {args.repeat} runs, CPU time of this one process")
    print(f"TextBlob(text).sentiment loop           {bare:10.0f} comments/s")
    print(f"analyze_comments (same themes)         {pure:10.0f} comments/s   {pure / bare:5.2f}x")
    print(f"analyze_responses (DB, as the worker)   {stored:10.0f} comments/s   {stored / bare:5.2f}x")
    print("target: the worker path at >= 0.80x the TextBlob loop")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
