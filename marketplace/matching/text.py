"""The words of a post as the matching engine reads them.

Terms are the search index's own (``search.analysis.terms``: French stemming, accents folded), computed word by
word with a cache, which gives the same terms as the analyzer for a fraction of its cost. What a post says it is
*not* ("aucun de nos camions n'est frigorifique", "ce n'est pas une solution hydroalcoolique") is kept apart: those
terms are not evidence for the post, and a counterpart that asks for them is warned against. Phrases of the synonym
thesaurus become *groups*, so that two posts meet on "chariot élévateur" and "Fenwick"."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from ..search.analysis import TOKEN_PATTERN, fold, terms

TOKEN_RE = re.compile(TOKEN_PATTERN)
CLAUSE_RE = re.compile(r"[^.;:!?\n,()«»\"]+")
# a negation ends with its clause, or at a conjunction that starts another statement ("... ne peut plus, et il faut")
CONJUNCTION_RE = re.compile(r"(?<![\w-])(?:et|mais|car|donc|puis|sinon|cependant|toutefois|alors|or)(?![\w-])")
# "ne ... pas", "n'est pas", "pas de", "aucun", "jamais", "ni": the rest of the clause is negated
NEGATION_RE = re.compile(r"(?<![\w-])(?:pas|aucune?s?|jamais|ni|nullement)(?![\w-])"
                         r"|(?<![\w-])n['’](?=\w)|(?<![\w-])ne(?![\w-])")
NEGATION_CONFIRM_RE = re.compile(r"(?<![\w-])(?:pas|plus|jamais|aucune?s?|guere|rien|nullement|ni)(?![\w-])")
SANS_RE = re.compile(r"(?<![\w-])sans\s+((?:[\w'’-]+\s*){1,3})")
RELATED_FILE = Path(__file__).with_name("related_fr.txt")
# words that say what kind of post it is, when, or how much, never which resource: no evidence of a match
BOILERPLATE = (
    "cherche cherchons recherche recherchons recherché besoin besoins urgent urgence disponible disponibles "
    "disponibilité propose proposons offre offrons cède cédons céder cession vends vendons vendre donner donnons "
    "achat acheter achetons entreprise entreprises société sociétés adhérent adhérents janvier février mars avril "
    "mai juin juillet août septembre octobre novembre décembre lundi mardi mercredi jeudi vendredi samedi dimanche "
    "semaine semaines mois jour jours journée an année fin début mi environ possible possibles merci contact "
    "contacter tonne tonnes kg kilos litre litres euros € HT TTC prix tarif tarifs quantité quantités pièce pièces "
    "unité unités"
)
# words that qualify a resource (its state, its price) but do not name it: they count for little
ATTRIBUTES = "occasion neuf neuve neufs neuves gratuit gratuite gratuitement reconditionné reconditionnés " \
    "récupération " \
    "récupéré récupérés état bon bonne petit petits réduit réduits cassés usagé usagés excellent parfait qualité"
# function words the search analyzer keeps (prepositions, adverbs, numbers in words): they never name a resource,
# so the matching engine reads no evidence in them ("sous 4 heures" and "sous licence" are not the same thing)
FUNCTION_WORDS = frozenset(fold(word) for word in (
    "sous dessous dessus entre depuis contre avant après pendant durant selon parmi malgré hors outre via jusque "
    "jusqu lors dès auprès près autour travers derrière devant grâce afin ainsi aussi encore déjà toujours souvent "
    "peu beaucoup trop assez tant moins ici là tout tous toute toutes autre autres chaque plusieurs quelque "
    "quelques certain certains certaine certaines même mêmes tel telle tels telles quand comme dont où lequel "
    "laquelle lesquels lesquelles ceci cela ça celui celle ceux celles non oui si donc puis "
    "deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize vingt trente quarante "
    "cinquante soixante cent cents mille"
).split())  # not "vers", "bien", "face": they are also nouns ("des biens", "la face avant")
# "granulés de bois" and "granulés de polypropylène": a word qualified differently by each post is not the same
QUALIFIED_RE = re.compile(r"(?=\b([a-z]{3,})s? (?:de |d')([a-z]{3,}))")


@lru_cache(maxsize=200_000)
def _word_terms(word: str) -> tuple[str, ...]:
    return tuple(terms(word))


def fast_terms(text: str | None) -> list[str]:
    """``search.analysis.terms(text)``, word by word through a cache (the analyzer works on single tokens)."""
    found: list[str] = []
    for word in TOKEN_RE.findall(text or ""):
        found.extend(_word_terms(word.lower()))
    return found


def content_terms(text: str | None) -> tuple[list[str], list[bool]]:
    """``fast_terms`` of a folded text, each term flagged when it comes from a function word (``FUNCTION_WORDS``):
    such a term is evidence only inside a phrase of the thesaurus ("stockage sous douane")."""
    found: list[str] = []
    function: list[bool] = []
    for word in TOKEN_RE.findall(text or ""):
        word = word.lower()
        word_terms = _word_terms(word)
        found.extend(word_terms)
        function.extend([word in FUNCTION_WORDS] * len(word_terms))
    return found, function


def clauses(text: str | None, folded: bool = False) -> list[str]:
    """The folded clauses of ``text`` (``folded``: already folded): split at punctuation and at conjunctions."""
    text = (text or "") if folded else fold(text or "")
    return [part for clause in CLAUSE_RE.findall(text) for part in CONJUNCTION_RE.split(clause) if part.strip()]


def split_negated(text: str | None) -> tuple[list[str], list[str]]:
    """(positive terms, negated terms) of ``text``, clause by clause."""
    positive: list[str] = []
    negated: list[str] = []
    for clause in clauses(text):
        start = _negation_start(clause)
        if start is None:
            head, tail = clause, ""
        else:
            head, tail = clause[:start], clause[start:]
        for match in SANS_RE.finditer(head):
            negated.extend(fast_terms(match.group(1)))
        head = SANS_RE.sub(" ", head)
        positive.extend(fast_terms(head))
        negated.extend(fast_terms(tail))
    return positive, negated


@lru_cache(maxsize=50_000)
def _negation_start(clause: str) -> int | None:
    """Where the negated part of a clause starts: at "pas", "aucun", "jamais", "ni", or at a "ne"/"n'" that a
    "pas", "plus", "rien"... confirms later in the clause ("ne ... plus" but not "plus de 100")."""
    for match in NEGATION_RE.finditer(clause):
        if match.group(0) in ("ne", "n'", "n’"):
            if NEGATION_CONFIRM_RE.search(clause, match.end()):
                return match.start()
            continue
        return match.start()
    return None


@dataclass
class TextFacts:
    """The evidence a post's words give, as *units*: single terms, and phrases of the thesaurus or of the related
    families (a phrase stands for its words). Counts are kept for the title and the description apart."""

    title: Counter = field(default_factory=Counter)  # unit -> count; a unit is a term or a phrase (tuple)
    body: Counter = field(default_factory=Counter)
    negated: Counter = field(default_factory=Counter)  # terms of negated clauses
    terms: set[str] = field(default_factory=set)  # every positive term, also those inside phrases
    groups: dict[tuple[str, ...], frozenset] = field(default_factory=dict)  # phrase -> its group keys
    group_keys: set = field(default_factory=set)  # every group the post mentions
    qualified: dict[str, set[str]] = field(default_factory=dict)  # "granul" -> {"bois"}: "X de Y" in the post

    def units(self) -> set:
        return set(self.title) | set(self.body)


class PhraseGroups:
    """Families of phrases: the search thesaurus (strict synonyms, key ``("s", n)``) and the matching engine's
    related families (key ``("r", n)``). A phrase may belong to several families."""

    def __init__(self, synonyms: list[list[str]], related: list[list[str]] = ()):
        self.phrase_groups: dict[tuple[str, ...], set] = {}
        for prefix, groups in (("s", synonyms), ("r", related)):
            for number, group in enumerate(groups):
                for entry in group:
                    phrase = tuple(fast_terms(entry.lower()))  # the analyzer's terms, word by word (cached)
                    if phrase:
                        self.phrase_groups.setdefault(phrase, set()).add((prefix, number))
        self.frozen = {phrase: frozenset(keys) for phrase, keys in self.phrase_groups.items()}
        self.longest = max((len(p) for p in self.frozen), default=1)

    def phrases(self, key) -> list[tuple[str, ...]]:
        """The phrases of one group."""
        found = self.__dict__.get("_phrases")
        if found is None:
            found = {}
            for phrase, keys in self.frozen.items():
                for group in keys:
                    found.setdefault(group, []).append(phrase)
            self._phrases = found
        return found.get(key, [])

    def split(self, sequence: list[str]) -> list[tuple[str, ...] | str]:
        """The units of a run of terms: the longest known phrases first, the other terms alone."""
        units: list[tuple[str, ...] | str] = []
        i = 0
        while i < len(sequence):
            for size in range(min(self.longest, len(sequence) - i), 0, -1):
                phrase = tuple(sequence[i:i + size])
                if phrase in self.frozen:
                    units.append(phrase)
                    i += size
                    break
            else:
                units.append(sequence[i])
                i += 1
        return units


PURPOSE_RE = re.compile(r"\s(?:pour|afin de|destine\w* a)\s")


def text_facts(title: str, description: str, groups: PhraseGroups | None = None,
               ignored: set[str] = frozenset(), folded: bool = False) -> TextFacts:
    """The units of a post. In the title, what follows "pour" says what the resource is *for* ("60 palox pour la
    récolte d'abricots"): it counts like the description. ``ignored`` terms (the towns named) are left out;
    ``folded``: the texts are already folded."""
    facts = TextFacts()
    folded_title = (title or "") if folded else fold(title or "")
    match = PURPOSE_RE.search(folded_title)
    head_title, purpose = (folded_title[:match.start()], folded_title[match.end():]) if match else (folded_title, "")
    body = (description or "") if folded else fold(description or "")
    for text, counter in ((head_title, facts.title), (purpose, facts.body), (body, facts.body)):
        for clause in clauses(text, folded=True):
            start = _negation_start(clause)
            head, tail = (clause, "") if start is None else (clause[:start], clause[start:])
            for sans in SANS_RE.finditer(head):
                facts.negated.update(t for t in fast_terms(sans.group(1)) if t not in ignored)
            kept = [(t, f) for t, f in zip(*content_terms(SANS_RE.sub(" ", head)))
                    if t not in ignored and t not in boilerplate()]
            head_terms = [t for t, _ in kept]
            function_terms = [f for _, f in kept]
            for found in QUALIFIED_RE.finditer(head):
                word, qualifier = _word_terms(found.group(1)), _word_terms(found.group(2))
                if len(word) == 1 and len(qualifier) == 1 and qualifier[0] not in boilerplate() \
                        and not qualifier[0].isdigit():
                    facts.qualified.setdefault(word[0], set()).add(qualifier[0])
            facts.negated.update(t for t in fast_terms(tail) if t not in ignored)
            if groups is None:
                content = [t for t, f in kept if not f]
                facts.terms.update(content)
                counter.update(content)
                continue
            position = 0
            for unit in groups.split(head_terms):
                alone = isinstance(unit, str)
                position += 1 if alone else len(unit)
                if alone and function_terms[position - 1]:
                    continue  # a function word outside a phrase: no evidence
                facts.terms.update((unit,) if isinstance(unit, str) else unit)
                counter[unit] += 1
                if isinstance(unit, tuple):
                    keys = groups.frozen[unit]
                    facts.groups[unit] = keys
                    facts.group_keys |= keys
    return facts

@cache
def related_groups() -> list[list[str]]:
    """The related families shipped with the engine (``related_fr.txt``)."""
    from ..search.thesaurus import parse_groups

    return parse_groups(RELATED_FILE.read_text(encoding="utf-8"))


@cache
def boilerplate() -> frozenset[str]:
    return frozenset(fast_terms(BOILERPLATE))


@cache
def attributes() -> frozenset[str]:
    return frozenset(fast_terms(ATTRIBUTES))
