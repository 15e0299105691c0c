"""French text analysis shared by the index, the queries, the highlighting and the matching engine.

Order matters: accents are folded *before* stemming, so that "entrepôts", "entrepots" and "Entrepôt" are the
same string when the stemmer sees them and always meet; elision ("l'", "qu'") goes before the stop list."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import Filter, RegexTokenizer
from whoosh.lang import stemmer_for_language, stopwords_for_language

# words joined by an apostrophe stay one token until the elision filter has looked at them
# \w lacks the combining marks some scripts write words with (Indic vowel signs, Hebrew and Arabic points...)
WORD_CHAR = (r"[\w\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u0900-\u0dff"
             r"\u0e31-\u0e4e\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
TOKEN_PATTERN = rf"{WORD_CHAR}+(?:['’]{WORD_CHAR}+)*"
ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)['’]", re.IGNORECASE)
APOSTROPHES = re.compile(r"['’]")
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})
# Whoosh's French list lacks these common words (notably "les")
EXTRA_STOP_WORDS = {"les", "des", "aux", "du", "au", "une", "un", "ou", "et", "a", "en", "sur", "par", "pour",
                    "avec", "sans", "dans", "chez", "cet", "cette", "ces", "leur", "leurs", "tres", "plus"}


@lru_cache(maxsize=100_000)
def fold(text: str) -> str:
    """Lower case without accents or ligatures: "Entrepôt" → "entrepot", "Œuvre" → "oeuvre"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class _CachedFilter(Filter):
    """Keeps the result of each distinct word: a corpus repeats its words, so most tokens cost one lookup."""

    MAX_CACHED = 300_000

    def __init__(self):
        self._cache: dict[str, tuple[str, ...]] = {}

    def __getstate__(self):  # the index writer's worker processes start with an empty cache
        return {}

    def __setstate__(self, state):
        self._cache = {}

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))

    def __call__(self, tokens):
        cache = self._cache
        for token in tokens:
            word = token.text
            found = cache.get(word)
            if found is None:
                found = self.transform(word)
                if len(cache) < self.MAX_CACHED:
                    cache[word] = found
            for text in found:
                token.text = text
                yield token

    def transform(self, word: str) -> tuple[str, ...]:
        raise NotImplementedError


class FrenchWordFilter(_CachedFilter):
    """Lower case, elision dropped, split at apostrophes, accents folded, stop words dropped:
    "l'Entrepôt" → "entrepot", "aujourd'hui" → "aujourd", "hui"."""

    def transform(self, word: str) -> tuple[str, ...]:
        parts = (fold(part) for part in APOSTROPHES.split(ELISION.sub("", word.lower())))
        return tuple(part for part in parts if len(part) >= 2 and part not in stop_words())


class FrenchStemFilter(_CachedFilter):
    """Plural and suffixes (Snowball French): "palettes" → "palet". Skipped for the spelling dictionary."""

    is_morph = True

    def transform(self, word: str) -> tuple[str, ...]:
        if word.endswith("ee") or word.endswith("ees"):  # feminine past participles meet the masculine
            word = word[:-2] + "e" if word.endswith("ee") else word[:-3] + "es"
        if len(word) > 3 and word[-1] in "sx" and word[-2] not in "sx" and not word[-2].isdigit():
            word = word[:-1]  # a plural the stemmer would keep ("velos")
        return (_stemmer()(word),)


@lru_cache(maxsize=1)
def _stemmer():
    return stemmer_for_language("fr")


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    return frozenset(fold(word) for word in (*stopwords_for_language("fr"), *EXTRA_STOP_WORDS))


def french_analyzer():
    """Tokenize, then lower-case, drop elisions, fold accents, drop stop words and plurals, stem (Snowball)."""
    return RegexTokenizer(TOKEN_PATTERN) | FrenchWordFilter() | FrenchStemFilter()


@lru_cache(maxsize=1)
def analyzer():
    """One analyzer per process (its stemmer keeps a cache)."""
    return french_analyzer()


def terms(text: str) -> list[str]:
    """The indexed terms of ``text``, in order (repeats kept)."""
    return [token.text for token in analyzer()(text or "")]
