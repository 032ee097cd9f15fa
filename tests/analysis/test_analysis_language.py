"""Non-English comments get a language and no polarity, short English ones stay English."""

import pytest

from app.analysis import analyze_comment


@pytest.mark.parametrize(
    "text, language",
    [
        ("Muy buen servicio", "es"),
        ("Gracias!", "es"),
        ("Le service client est nul, toujours pas de réponse", "fr"),
        ("Merci beaucoup", "fr"),
        ("Sehr freundlich und schnell, danke", "de"),
        ("Atendimento péssimo, ainda aguardando resposta", "pt"),
        ("Servizio ottimo, grazie mille", "it"),
        ("Heel goed geholpen, bedankt", "nl"),
        ("Очень плохой сервис", "ru"),
        ("対応が遅い", "ja"),
    ],
)
def test_other_languages_are_not_scored(text, language):
    result = analyze_comment(text)
    assert result.language == language
    assert result.label == "unsupported_language"
    assert result.polarity is None and result.subjectivity is None


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "thanks!",
        "Super",
        "no",
        "10/10",
        "👍",
        "A+ service",
        "de nada? no, the agent was great",
        "Is it fixed? No.",
        "The agent Jose was great",
    ],
)
def test_short_or_ambiguous_comments_stay_english(text):
    result = analyze_comment(text)
    assert result.language == "en"
    assert result.label != "unsupported_language"
