"""The package's public contract, as the app and workers use it."""

import ast
import dataclasses
from pathlib import Path

import pytest

import app.analysis as analysis
from app.analysis import ANALYSIS_VERSION, CommentAnalysis, analyze_comment, analyze_comments

TEXTS = [
    "Still waiting for my refund",
    "thanks!",
    "",
    None,
    "Muy buen servicio",
    "thanks!",
    "fast, but nothing was fixed",
]


def test_batch_gives_the_same_results_as_one_by_one():
    assert analyze_comments(TEXTS) == [analyze_comment(t) for t in TEXTS]
    assert analyze_comments([]) == []


def test_batch_results_do_not_share_mutable_lists():
    first, second = analyze_comments(["thanks!", "thanks!"])
    assert first == second
    first.drivers.append("mutated")
    assert second.drivers == ["thanks"]


def test_result_is_frozen_and_versioned():
    result = analyze_comment("great support")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.label = "negative"  # type: ignore[misc]
    assert isinstance(result, CommentAnalysis)
    assert isinstance(ANALYSIS_VERSION, int) and ANALYSIS_VERSION >= 2


def test_labels_follow_the_polarity():
    for text in TEXTS:
        result = analyze_comment(text)
        assert result.label in {"negative", "neutral", "positive", "unsupported_language", "empty"}
        if result.polarity is not None:
            expected = "positive" if result.polarity >= 0.1 else "negative" if result.polarity <= -0.1 else "neutral"
            assert result.label == expected


def test_package_imports_neither_flask_nor_the_database():
    forbidden = ("flask", "sqlalchemy", "flask_sqlalchemy", "app.models", "app.extensions", "celery")
    for path in Path(analysis.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(forbidden), f"{path.name} imports {name}"


def test_lexicon_data_ships_inside_the_package():
    data = Path(analysis.__file__).parent / "data"
    assert (data / "support_lexicon.txt").is_file() and (data / "emoji.txt").is_file()
