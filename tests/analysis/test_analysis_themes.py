"""Automatic themes are normalised keys; workspace themes win over them."""

import pytest

from app.analysis import analyze_comment, combine_themes, match_custom_themes


@pytest.mark.parametrize("text", ["refund", "refunds", "the refund process", "The Refunds!", "my refund request"])
def test_refund_variants_share_one_key(text):
    assert analyze_comment(text).themes == ["refund"]


def test_themes_are_noun_heads_without_determiners_or_adjectives():
    themes = analyze_comment("The slow agents fixed my login issue, but the customer service team was rude").themes
    assert themes == ["agent", "login", "customer service"]


def test_vague_nouns_are_not_themes():
    assert analyze_comment("Thanks, everything was great, it took some time").themes == []


def test_themes_are_deduplicated_in_order_of_mention():
    assert analyze_comment("Invoice wrong. Invoices always wrong, and the app is slow").themes == ["invoice", "app"]


def test_non_english_comments_get_no_automatic_themes():
    assert analyze_comment("El reembolso nunca llegó").themes == []


CATALOGUE = {"Refunds": ["refund", "money back"], "Billing": ["Invoice", "charged twice"], "Speed": ["wait time"]}


def test_custom_themes_match_case_and_plural_insensitively():
    assert match_custom_themes("I want my MONEY BACK; both invoices are wrong", CATALOGUE) == ["Refunds", "Billing"]
    assert match_custom_themes("Refunds take ages", CATALOGUE) == ["Refunds"]
    assert match_custom_themes("the wait times are long", CATALOGUE) == ["Speed"]


def test_custom_themes_need_whole_words():
    assert match_custom_themes("refundable ticket", CATALOGUE) == []
    assert match_custom_themes("", CATALOGUE) == []
    assert match_custom_themes("refund", {}) == []


def test_custom_themes_take_precedence_over_automatic_ones():
    text = "The refund process was slow and the invoices are wrong, the app is fine"
    auto = analyze_comment(text).themes
    assert auto == ["refund", "invoice", "app"]
    assert combine_themes(text, auto, CATALOGUE) == ["Refunds", "Billing", "app"]
    assert analyze_comment(text, custom_themes=CATALOGUE).themes == ["Refunds", "Billing", "app"]
