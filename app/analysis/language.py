"""Offline language guess for survey comments: script ranges, then stop-word profiles.

Only English comments get a polarity; scoring Spanish with an English lexicon gives a
confident wrong number. Survey comments are short ("ok", "thanks!", "Muy buen servicio"),
so a profile of function words and common feedback words per language does better than
character n-grams here, needs no model file, and defaults to English when unsure.
"""
from __future__ import annotations

from app.analysis.tokens import WORD, Token

# Common English words, including the feedback vocabulary of short comments.
_EN = frozenset(
    """the a an and or but is are was were be been being to of in on at for with from by about
    as it its it's this that these those i me my mine we us our you your he she they them their
    his her not no n't never very so too just still really also only all any some what when
    where why how who which do does did done have has had will would can could should get got
    thanks thank thx ty please great good bad nice awesome excellent amazing helpful fast slow
    quick ok okay fine perfect terrible awful horrible worst best love hate service support
    help issue problem waiting wait reply response answer refund order account agent team
    happy easy there here then than again more much one time day days hours 'm 's 're 've 'll 'd
    ca wo if because after before up out over sorted fixed resolved solved problem lol cheers""".split()
)

_PROFILES: dict[str, frozenset[str]] = {
    "es": frozenset(
        """el la los las del que y en por para con muy pero es está esta están fue son mi mis su
        sus una un lo como más mas gracias bueno buena buen buenas excelente servicio atención
        atencion rápido rapido rápida problema problemas todo nada sin también tambien ya hay
        tiene tengo hola mal malo mala nunca sigo esperando respuesta pésimo pesimo muchas muchos
        de se le al me pedido reembolso ayuda amable todavía todavia aún aun nadie""".split()
    ),
    "fr": frozenset(
        """le la les des du de et est très tres pas pour avec une un je il elle nous vous mais
        merci bien bon bonne rapide problème probleme toujours rien aucune aucun ce ça ca qui que
        sur dans en au aux ne été était attente réponse reponse nul parfait efficace sympa mon
        ma mes votre vos commande remboursement aide personne encore service c'est j'ai
        n'est""".split()
    ),
    "de": frozenset(
        """der die das und ist nicht sehr gut ich mit für fur auf ein eine einen zu den dem des
        es sie wir aber noch immer keine kein danke schnell hilfe hilfreich freundlich antwort
        warten warte schlecht leider vielen dank wurde hat habe bei auch nur schon wie im von
        vom zum zur bitte toll mein meine bestellung rückerstattung niemand warum""".split()
    ),
    "pt": frozenset(
        """o os as do da dos das que e em para com muito muita mas não nao é foi um uma meu minha
        obrigado obrigada bom boa ótimo otimo atendimento rápido rapido problema ainda nada sem
        também tambem já tem olá ola ruim péssimo pessimo resposta aguardando esperando no na
        nos pelo pela você voce pedido reembolso ninguém ninguem ajuda""".split()
    ),
    "it": frozenset(
        """il lo la gli le di del della che e è non per con molto ma un una sono ho mi grazie
        buono buon ottimo servizio veloce problema ancora niente nessuna nessuno sempre anche
        già gia risposta attesa pessimo gentile bravo assistenza questo stato ordine rimborso
        aiuto""".split()
    ),
    "nl": frozenset(
        """de het een en niet zeer heel erg goed ik met voor op van dat maar nog steeds geen
        bedankt dank snel hulp vriendelijk probleem antwoord wachten slecht helaas wel ook al
        zijn heb hebben mijn je u prima bestelling terugbetaling niemand waarom""".split()
    ),
}
# A word that is also common English says nothing about the language ("no", "a", "me", "is").
_PROFILES = {lang: words - _EN for lang, words in _PROFILES.items()}

# Letters only one of the candidate languages uses.
_MARKS = {"ñ": "es", "¿": "es", "¡": "es", "ã": "pt", "õ": "pt", "ß": "de", "ä": "de", "ö": "de",
          "ü": "de", "ç": "fr", "œ": "fr", "ê": "fr", "è": "fr", "à": "fr", "ò": "it", "ì": "it"}

# Scripts other than Latin: (first, last code point, ISO 639-1 guess).
_SCRIPTS = (
    (0x0370, 0x03FF, "el"),
    (0x0400, 0x04FF, "ru"),
    (0x0590, 0x05FF, "he"),
    (0x0600, 0x06FF, "ar"),
    (0x0900, 0x097F, "hi"),
    (0x0E00, 0x0E7F, "th"),
    (0x3040, 0x30FF, "ja"),
    (0xAC00, 0xD7AF, "ko"),
    (0x4E00, 0x9FFF, "zh"),
)


def _script_language(text: str) -> str | None:
    """The language of a non-Latin script, if most letters are in one."""
    counts: dict[str, int] = {}
    latin = 0
    for ch in text:
        if ch.isascii():
            latin += ch.isalpha()
            continue
        cp = ord(ch)
        for first, last, lang in _SCRIPTS:
            if first <= cp <= last:
                counts[lang] = counts.get(lang, 0) + 1
                break
        else:
            latin += ch.isalpha()
    if not counts:
        return None
    if "ja" in counts:  # Japanese mixes kana with Han characters
        counts["ja"] += counts.pop("zh", 0)
    lang, n = max(counts.items(), key=lambda kv: kv[1])
    return lang if n > latin else None


def detect_language(text: str, tokens: list[Token]) -> str:
    """ISO 639-1 guess; "en" unless another language is clearly more likely."""
    if not text.isascii():
        by_script = _script_language(text)
        if by_script:
            return by_script
    words = [t.low for t in tokens if t.kind == WORD]
    if not words:
        return "en"  # emoji, numbers or punctuation only: score them as English
    english = sum(1 for w in words if w in _EN)
    scores = {lang: sum(1 for w in words if w in profile) for lang, profile in _PROFILES.items()}
    if not text.isascii():
        for ch in text.lower():
            lang = _MARKS.get(ch)
            if lang:
                scores[lang] += 1
    lang, best = max(scores.items(), key=lambda kv: kv[1])
    if best == 0:
        return "en"
    # Short comments: one distinctive word ("Gracias!", "Danke") is enough if nothing
    # English competes; longer ones need more evidence than the English profile has.
    if english == 0 and (best >= 2 or len(words) <= 3):
        return lang
    if best >= 2 and best > 1.5 * english:
        return lang
    return "en"
