"""Every place an answer's themes are shown carries theme_sentiment: the CLI, /responses, the CSV."""

from __future__ import annotations

import csv
import io
import json


def test_analyze_command_prints_themes_in_salience_order_with_their_sentiment(app, tmp_path):
    path = tmp_path / "comments.txt"
    path.write_text(
        "quick response but nothing was fixed\n"
        "Took ages to get a reply\n"
        "The exchange rate was awful\n"
        "exchange rates?\n"
        "my gift voucher\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["analyze", str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows[0]["themes"] == ["resolution", "response speed"]
    assert rows[0]["theme_sentiment"]["resolution"] < 0 < rows[0]["theme_sentiment"]["response speed"]
    assert rows[1]["themes"] == ["response speed"] and rows[1]["theme_sentiment"]["response speed"] < 0
    # Discovered in the file: a subject that recurs is a theme, one said once is not.
    assert rows[2]["themes"] == ["exchange rate"] and rows[3]["themes"] == ["exchange rate"]
    assert rows[4]["themes"] == [] and rows[4]["theme_sentiment"] == {}
    once = app.test_cli_runner().invoke(args=["analyze", "--min-mentions", "1", str(path)])
    assert json.loads(once.output.splitlines()[4])["themes"] == ["gift voucher"]


def test_responses_and_the_csv_export_carry_theme_sentiment(client, make, workspace, auth, answers):
    survey = make.survey(workspace, "csat")
    mixed = answers.post(survey, 2, "quick response but nothing was fixed")
    empty = answers.post(survey, 4)
    items = {i["id"]: i for i in client.get("/api/v1/responses", headers=auth).json["items"]}
    assert items[mixed]["themes"] == ["resolution", "response speed"]
    sentiment = items[mixed]["theme_sentiment"]
    assert list(sentiment) == ["resolution", "response speed"]
    assert sentiment["resolution"] < 0 < sentiment["response speed"]
    assert items[empty]["themes"] == [] and items[empty]["theme_sentiment"] == {}

    exported = client.get("/api/v1/export/responses.csv", headers=auth)
    rows = {int(r["response_id"]): r for r in csv.DictReader(io.StringIO(exported.get_data(as_text=True)))}
    assert rows[mixed]["themes"] == "resolution;response speed"
    assert rows[mixed]["theme_sentiment"] == (
        f"resolution={sentiment['resolution']:+.3f};response speed={sentiment['response speed']:+.3f}"
    )
    assert rows[empty]["theme_sentiment"] == ""


def test_the_openapi_document_describes_theme_sentiment_and_the_report_sides(client):
    spec = client.get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    response = next(s for name, s in schemas.items() if name.startswith("ResponseOut"))
    assert "theme_sentiment" in response["properties"]
    item = schemas["ThemeReportItem"]["properties"]
    assert {"praise", "complaints", "neutral_mentions"} <= set(item)
    assert "complaints" in schemas["ThemeReport"]["properties"]
    assert "enabled" in schemas["ThemeOut"]["properties"]
