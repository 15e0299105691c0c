"""From what a person typed to what the engine looks for.

The text is never handed to a query-language parser, so nothing typed can make it fail: quotes, parentheses,
operators and wildcards are read leniently. Words are analysed like the index (French stemming, accents folded);
each word (or phrase of the thesaurus) becomes a *group* that a post must match, by the word itself or by one of
its synonyms; ``OR`` joins two groups into one; ``-word`` or ``NOT word`` excludes; ``word*`` looks for every
indexed word that starts so."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .analysis import ELISION, TOKEN_PATTERN, fold, terms

MAX_QUERY_LENGTH = 500  # characters read; the rest of a longer text is ignored
MAX_GROUPS = 12
MAX_ALTERNATIVES = 24
MAX_PREFIX_TERMS = 30
SYNONYM_WEIGHT = 0.85
CORRECTION_WEIGHT = 0.8
TOKEN_RE = re.compile(r'(-?)"([^"]*)"?|(\S+)')  # a phrase in quotes (-"..." excludes it) or a word
WORD_RE = re.compile(TOKEN_PATTERN)
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
OPERATORS_OR = {"OR", "OU", "|", "||"}
OPERATORS_AND = {"AND", "ET", "&", "&&", "+"}
OPERATORS_NOT = {"NOT", "SAUF", "!"}


@dataclass(frozen=True)
class Alternative:
    """Terms that must all be present (a phrase of the thesaurus is several), and how much a match counts."""

    terms: tuple[str, ...]
    weight: float = 1.0
    prefix: bool = False  # the single term is a prefix ("entrep*")


@dataclass
class Group:
    """One thing the post must be about, however it says it."""

    words: list[str]  # the words typed, for "did you mean"
    alternatives: list[Alternative]

    def add(self, alternative: Alternative) -> None:
        if alternative not in self.alternatives and len(self.alternatives) < MAX_ALTERNATIVES:
            self.alternatives.append(alternative)


@dataclass
class ParsedQuery:
    groups: list[Group] = field(default_factory=list)
    excluded: list[tuple[str, ...]] = field(default_factory=list)  # a post with all the terms of one is left out
    words: list[str] = field(default_factory=list)  # the words kept, in order, for "did you mean"

    @property
    def empty(self) -> bool:
        return not self.groups

    def highlight_terms(self) -> set[str]:
        return {term for group in self.groups for alt in group.alternatives if not alt.prefix for term in alt.terms}


def normalize_text(raw: str | None) -> str:
    """A query as typed, made comparable: no control characters, composed accents (NFC: "e" + U+0301 is "é", as in
    the posts), collapsed spaces. Whether it was too long is judged on this text, not on the raw one."""
    text = unicodedata.normalize("NFC", CONTROL_RE.sub(" ", raw or ""))
    return " ".join(text.split())


def clean_text(raw: str | None) -> str:
    """What is worth reading of a query: the normalized text, at most MAX_QUERY_LENGTH characters."""
    return normalize_text(raw)[:MAX_QUERY_LENGTH]


@dataclass
class _Token:
    word: str
    negated: bool = False
    joined_by_or: bool = False
    prefix: bool = False
    phrase: bool = False


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    negate_next = or_next = False
    for match in TOKEN_RE.finditer(text):
        minus, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None:
            if word in OPERATORS_OR:
                or_next = bool(tokens)
                continue
            if word in OPERATORS_AND:
                continue
            if word in OPERATORS_NOT:
                negate_next = True
                continue
        # "-word" excludes; "-20" (a temperature, a size) is a number, not an exclusion
        negated = negate_next or bool(minus) or (word is not None and word.startswith("-") and len(word) > 1
                                                 and not word[1].isdigit())
        body = phrase if phrase is not None else word.lstrip("-+")
        prefix = word is not None and body.endswith("*") and len(body.strip("*?")) >= 2
        body = body.replace("*", " ").replace("?", " ")
        tokens.append(_Token(body, negated, or_next, prefix, phrase is not None))
        negate_next = or_next = False
    return tokens


def parse(raw: str | None, thesaurus: "Thesaurus") -> ParsedQuery:
    parsed = ParsedQuery()
    for token in _tokens(clean_text(raw)):
        analysed = terms(token.word)
        if not analysed:
            continue
        if token.negated:
            if tuple(analysed) not in parsed.excluded:
                parsed.excluded.append(tuple(analysed))
            continue
        parsed.words.append(token.word)
        if token.prefix and len(analysed) == 1:
            new_groups = [_prefix_group(token.word, analysed[0])]
        else:
            new_groups = thesaurus.groups_for(analysed, token.word)
        if token.joined_by_or and parsed.groups and new_groups:
            for group in new_groups:
                for alternative in group.alternatives:
                    parsed.groups[-1].add(alternative)
                parsed.groups[-1].words.extend(group.words)
        else:
            parsed.groups.extend(new_groups)
    parsed.groups = parsed.groups[:MAX_GROUPS]
    return parsed


def _prefix_group(word: str, stem: str) -> Group:
    """``word*``: the indexed words that start like the word typed (its elided article dropped, accents folded).
    The index holds stems, so a word typed longer than its stem ("entrepôts*": "entrepot") also finds the stem."""
    typed = [fold(ELISION.sub("", found)) for found in WORD_RE.findall(word)]
    start = typed[-1] if typed else fold(word.strip())
    group = Group([word], [Alternative((start,), prefix=True)])
    if start != stem and start.startswith(stem):
        group.add(Alternative((stem,)))
    return group


class Thesaurus:
    """The synonym groups, analysed: each phrase is a tuple of terms; a phrase maps to the others of its group."""

    def __init__(self, groups: list[list[str]]):
        self.synonyms: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for group in groups:
            phrases = list(dict.fromkeys(tuple(terms(entry)) for entry in group))
            phrases = [p for p in phrases if p]
            for phrase in phrases:
                others = self.synonyms.setdefault(phrase, [])
                others.extend(p for p in phrases if p != phrase and p not in others)
        self.longest = max((len(p) for p in self.synonyms), default=1)

    def groups_for(self, analysed: list[str], word: str) -> list[Group]:
        """The groups of a run of terms: the longest phrases of the thesaurus first, then single terms."""
        groups, i = [], 0
        while i < len(analysed):
            for size in range(min(self.longest, len(analysed) - i), 0, -1):
                phrase = tuple(analysed[i:i + size])
                if size == 1 or phrase in self.synonyms:
                    group = Group([word], [Alternative(phrase)])
                    for other in self.synonyms.get(phrase, []):
                        group.add(Alternative(other, SYNONYM_WEIGHT))
                    groups.append(group)
                    i += size
                    break
        return groups


def has_search_words(raw: str | None) -> bool:
    """Whether ``raw`` holds a word the search can look for or exclude (not only symbols or common words such as
    "les"): without one, the text does not narrow the search."""
    parsed = parse(raw, Thesaurus([]))
    return not parsed.empty or bool(parsed.excluded)


def merge_phrases(parsed: ParsedQuery, thesaurus: Thesaurus) -> ParsedQuery:
    """Words typed apart may form a phrase of the thesaurus ("chariot élévateur"): join their groups."""
    singles = [g for g in parsed.groups if len(g.alternatives[0].terms) == 1 and not g.alternatives[0].prefix]
    if len(singles) < 2 or thesaurus.longest < 2:
        return parsed
    merged: list[Group] = []
    i, groups = 0, parsed.groups
    while i < len(groups):
        joined = None
        for size in range(min(thesaurus.longest, len(groups) - i), 1, -1):
            window = groups[i:i + size]
            if all(len(g.alternatives[0].terms) == 1 and not g.alternatives[0].prefix for g in window):
                phrase = tuple(g.alternatives[0].terms[0] for g in window)
                if phrase in thesaurus.synonyms:
                    joined = Group([w for g in window for w in g.words], [Alternative(phrase)])
                    for other in thesaurus.synonyms[phrase]:
                        joined.add(Alternative(other, SYNONYM_WEIGHT))
                    i += size
                    break
        if joined is None:
            merged.append(groups[i])
            i += 1
        else:
            merged.append(joined)
    parsed.groups = merged
    return parsed
