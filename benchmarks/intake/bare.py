"""The baseline: a bare Flask endpoint that does one INSERT and answers 202."""

from __future__ import annotations

import os

from flask import Flask, request
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"], pool_size=2, max_overflow=0)
app = Flask(__name__)


@app.post("/bare")
def bare():
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO bench_bare (body) VALUES (:body)"), {"body": request.get_data(as_text=True)})
    return {"status": "accepted"}, 202
