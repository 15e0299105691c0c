"""French text analysis shared by the index, the queries, the highlighting and the matching engine.

Order matters: accents are folded *before* stemming, so that "entrepôts", "entrepots" and "Entrepôt" are the
same string when the stemmer sees them and always meet; elision ("l'", "qu'") goes before the stop list."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import stopwords_for_language

# words joined by an apostrophe stay one token until the elision filter has looked at them
TOKEN_PATTERN = r"\w+(?:['’]\w+)*"
ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)['’]", re.IGNORECASE)
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})
# Whoosh's French list lacks these common words (notably "les")
EXTRA_STOP_WORDS = {"les", "des", "aux", "du", "au", "une", "un", "ou", "et", "a", "en", "sur", "par", "pour",
                    "avec", "sans", "dans", "chez", "cet", "cette", "ces", "leur", "leurs", "tres", "plus"}


def fold(text: str) -> str:
    """Lower case without accents or ligatures: "Entrepôt" → "entrepot", "Œuvre" → "oeuvre"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class ElisionFilter(Filter):
    """Drops the French elided article or pronoun: "l'entrepôt" → "entrepôt", "qu'il" → "il"."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = ELISION.sub("", token.text)
            if token.text:
                yield token


class FoldFilter(Filter):
    def __call__(self, tokens):
        for token in tokens:
            token.text = fold(token.text)
            yield token


class SplitApostropheFilter(Filter):
    """What the elision left joined ("aujourd'hui") is indexed as its parts."""

    def __call__(self, tokens):
        for token in tokens:
            if "'" in token.text or "’" in token.text:
                for part in re.split(r"['’]", token.text):
                    if part:
                        token.text = part
                        yield token
            else:
                yield token


class PluralFilter(Filter):
    """Drops a final plural "s" or "x" the stemmer keeps on some words ("vélos" and "vélo" must meet)."""

    def __call__(self, tokens):
        for token in tokens:
            text = token.text
            if len(text) > 3 and text[-1] in "sx" and text[-2] not in "sx" and not text[-2].isdigit():
                token.text = text[:-1]
            yield token


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    return frozenset(fold(word) for word in (*stopwords_for_language("fr"), *EXTRA_STOP_WORDS))


def french_analyzer():
    """Tokenize, lower-case, drop elisions, fold accents, drop stop words and plurals, stem (Snowball French)."""
    return (RegexTokenizer(TOKEN_PATTERN) | LowercaseFilter() | ElisionFilter() | SplitApostropheFilter()
            | FoldFilter() | StopFilter(stoplist=stop_words(), minsize=2) | PluralFilter()
            | StemFilter(lang="fr", cachesize=100000))


@lru_cache(maxsize=1)
def analyzer():
    """One analyzer per process (its stemmer keeps a cache)."""
    return french_analyzer()


def terms(text: str) -> list[str]:
    """The indexed terms of ``text``, in order (repeats kept)."""
    return [token.text for token in analyzer()(text or "")]
