"""SupportAnalyzer on the comments post-support surveys actually get."""

import pytest
from textblob import TextBlob

from app.analysis import analyze_comment
from app.analysis.sentiment import SupportAnalyzer, SupportSentiment


def polarity(text: str) -> float:
    result = analyze_comment(text)
    assert result.polarity is not None, result
    return result.polarity


@pytest.mark.parametrize(
    "text",
    [
        "still waiting for a reply",
        "no one replied",
        "had to call three times",
        "charged twice",
        "cancelled my order without asking",
        "Waiting 3 weeks for my refund",
        "I didnt get a response",
        "never solved my problem",
        "The refund process took forever",
        "Thanks for nothing",
        "could have been better",
        "The agent was not helpful",
    ],
)
def test_plain_fact_complaints_are_negative(text):
    # Plain TextBlob scores these 0 or above; they are the complaints CX teams most need.
    assert TextBlob(text).sentiment.polarity >= 0
    assert analyze_comment(text).label == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "Very helpful and patient, thank you so much",
        "went above and beyond",
        "it works now, thanks",
        "No complaints!",
        "solved my login issue in minutes",
        "thanks!",
    ],
)
def test_support_praise_is_positive(text):
    assert analyze_comment(text).label == "positive"


def test_negation_flips_and_damps():
    assert analyze_comment("not bad at all").label != "negative"
    assert polarity("not good") < 0
    assert polarity("not great") > polarity("terrible")


def test_contrast_the_clause_after_but_weighs_more():
    assert polarity("fast, but nothing was fixed") < 0
    assert polarity("slow, but they fixed it") > 0
    assert polarity("Although the agent was friendly, the issue is still not resolved.") < 0


def test_intensifiers_and_downtoners_scale():
    assert polarity("very helpful") > polarity("helpful") > polarity("slightly helpful") > 0
    assert polarity("extremely rude") < polarity("rude") < 0


def test_emoji_and_emoticons_count():
    assert analyze_comment("😡").label == "negative"
    assert analyze_comment("👍").label == "positive"
    assert analyze_comment("❤️").label == "positive"  # with variation selector
    assert analyze_comment("thanks :)").polarity > analyze_comment("thanks").polarity
    assert analyze_comment("ok :(").label == "negative"


def test_url_is_not_an_emoticon():
    assert analyze_comment("see https://example.com/x").label == "neutral"


def test_drivers_quote_what_drove_the_score():
    result = analyze_comment("Still waiting, the agent was polite but useless 😡")
    assert result.label == "negative"
    assert "useless" in result.drivers
    assert "Still waiting" in result.drivers
    assert "polite" not in result.drivers  # it pulled the other way


def test_polarity_and_subjectivity_stay_in_range():
    for text in ["AWESOME!!! 😍😍 best support EVER", "worst, useless, scam, rude!!! 😡🤬", "ok"]:
        result = analyze_comment(text)
        assert -1.0 <= result.polarity <= 1.0
        assert 0.0 <= result.subjectivity <= 1.0


def test_textblob_uses_it_as_an_analyzer():
    sentiment = TextBlob("fast, but nothing was fixed", analyzer=SupportAnalyzer()).sentiment
    assert isinstance(sentiment, SupportSentiment)
    assert sentiment.label == "negative" and sentiment.polarity < 0
    assert sentiment.drivers == ["nothing was fixed"]


def test_empty_and_missing_comments():
    for text in [None, "", "   \n"]:
        result = analyze_comment(text)
        assert result.label == "empty" and result.polarity is None and result.themes == []


def test_neutral_facts_stay_neutral():
    assert analyze_comment("I called about my invoice on Tuesday").label == "neutral"


@pytest.mark.parametrize(
    "text",
    [
        # The examples: plain TextBlob reads both as positive.
        "It got solved eventually but it took longer than it should have.",
        "Took three chats to get the replacement approved.",
        # eventually
        "Got there eventually.",
        "Resolved in the end but it took ages",
        "Eventually sorted after 3 calls",
        # took longer than it should
        "It took longer than it should have.",
        "Took way longer than necessary",
        "Took longer than expected.",
        # took three chats
        "It took 4 emails and two calls to get it sorted.",
        "took several attempts to get through",
        "great service, but took 3 calls to sort",
        # had to chase
        "Had to chase them.",
        "I needed to chase them for an answer",
        "after chasing for a week they refunded me",
        # still waiting
        "Still waiting.",
        "Still not heard anything",
        "still haven't heard back",
        # not the best
        "Not the best.",
        "Wasn't the best experience",
        "not the fastest response",
        # could have been better
        "Could have been better.",
        "Could've been better",
        "could be better tbh",
        "It was fine but could be improved",
        "room for improvement",
        "Thanks for the reply but nothing has changed",
    ],
)
def test_effort_delay_and_faint_praise_are_negative(text):
    assert analyze_comment(text).label == "negative", analyze_comment(text)


def test_eventually_damps_the_praise_in_its_clause():
    assert polarity("They eventually fixed it.") < 0.1 < polarity("They fixed it.")
    assert polarity("Fixed it eventually, but the agent was great") > 0


def test_effort_spared_and_goals_are_not_complaints():
    assert analyze_comment("Sorted without having to chase").label == "positive"
    assert analyze_comment("Resolved in one call, thanks").label == "positive"
    assert analyze_comment("Trying to get a refund for order 1234").label == "neutral"
