"""What a post says, read once: its words, the places it names, its amounts, and the conditions a CCI advisor
looks for (can it travel, can it be done remotely, cold or dry, which languages, a job advert or a loan...).

Everything here is a pure function of the post's fields (no database, no request); ``read_post`` takes any object
or mapping with the post's columns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..search.analysis import fold
from . import places, quantities
from .text import PhraseGroups, TextFacts, clauses, fast_terms, text_facts

GOODS = frozenset({"supplies", "raw_materials", "surplus_goods", "production", "equipment"})
COLD_CATEGORIES = frozenset({"storage", "transport", "equipment"})


def _any(*patterns: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# --------------------------------------------------------------------------- cues (folded, accent-free French)

NATIONWIDE = _any(r"toute la france", r"partout en france", r"dans toute la france", r"tout l'hexagone",
                  r"toute la metropole", r"france entiere", r"n'importe ou", r"ou qu'(?:elles|ils) soient",
                  r"toute distance", r"tout le pays", r"depuis n'importe quelle region", r"toute region")
SHIPPING_WORDS = r"(?:expedi\w*|envoi\w*|envoy\w*|messagerie|colis|transporteur|livr\w*|achemin\w*|port paye)"
OFFER_SHIPS = _any(SHIPPING_WORDS + r"[^.;]{0,50}(?:partout|toute la|tout l'|dans tout|possible|sous \d+|france|"
                   r"hexagone|region|departement|a vos frais|a la charge|en sus)",
                   r"(?:expedition|envoi)s? (?:en|par) (?:colis|messagerie|palette|transporteur)",
                   r"faire partir[^.;]{0,40}(?:messagerie|transporteur|n'importe)")
PICKUP_ONLY = _any(r"(?:enlevement|retrait|a enlever|a prendre|a recuperer)[^.;]{0,40}\buniquement\b",
                   r"uniquement (?:sur place|en retrait|a enlever)", r"pas d'(?:envoi|expedition|livraison)")
NEED_ACCEPTS_SHIPPING = _any(
    SHIPPING_WORDS + r"[^.;]{0,60}(?:accept\w*|convien\w*|bienvenu\w*|possible|sans probleme|ok\b)",
    r"(?:distance|localisation|provenance)[^.;]{0,25}(?:indifferente|importe peu|n'importe pas|sans importance)",
    r"peu importe (?:la |sa )?(?:distance|provenance|region|origine)", r"quelle que soit la provenance",
    r"depuis (?:toute la france|n'importe|une autre region|toute region|l'etranger)",
    r"(?:faire|faisons|fait) livrer", r"eloigne\w*[^.;]{0,20}convien\w*", r"la distance importe peu")
REMOTE_OFFER = _any(r"\ba distance\b", r"teletravail", r"\bvisio\w*", r"\ben ligne\b", r"sans (?:nous )?deplac\w*",
                    r"par (?:courriel|e-?mail|mail|telephone)", r"prise en main", r"plateforme securisee",
                    r"echange de fichiers")
REMOTE_NEED = _any(r"\ba distance\b", r"teletravail", r"\bvisio\w*", r"par (?:courriel|e-?mail|mail)",
                   r"peu importe (?:ou|la ville|sa ville|l'endroit|la localisation)", r"n'importe ou",
                   r"ou que vous soyez", r"localisation[^.;]{0,30}importe peu", r"importe peu",
                   r"echange de fichiers", r"ville du prestataire")
ON_SITE_ONLY = _any(r"sur place uniquement", r"uniquement sur place", r"sur site uniquement",
                    r"interventions? sur (?:place|site) uniquement", r"present\w* a nos cotes")
REACH_RADIUS = re.compile(r"(?:rayon de|jusqu'a|a moins de|dans les|autour de \w+ sur)\s*(\d{1,4})\s*km")
ONE_WAY = _any(r"\bsens\b[^.;]{0,40}\buniquement\b", r"\buniquement\b[^.;]{0,20}\bsens\b", r"sens unique",
               r"un seul sens", r"aller simple")
JOB_ADVERT = _any(r"offre d'emploi", r"\brecrut\w*", r"\bcdi\b", r"\bcdd\b", r"envoye[zr] (?:votre |vos |un )?"
                  r"(?:cv|candidature)", r"lettre de motivation", r"salaire selon (?:experience|profil)",
                  r"poste a pourvoir", r"prise de poste", r"\bcandidat\w*", r"\bembauch\w*")
FROZEN = _any(r"froid\w* negati\w*", r"negati\w* \(?-", r"temperatures? negati\w*", r"\bsurgel\w*",
              r"\bcongel\w*", r"-\s?(?:1[58]|2[0-9]|30)\s?°", r"moins 18")
CHILLED = _any(r"froid\w* positi\w*", r"positi\w* \(?(?:0|\+)", r"\brefriger\w*", r"\bfrigorifi\w*", r"\bfrigo\w*",
               r"chambres? froides?", r"\bfroid\b",
               r"\+\s?\d{1,2}\s?°", r"0\s?/\s?\+?\d{1,2}\s?°", r"entre 0 et \+?\d", r"entre \d et \d{1,2}\s?°",
               r"\bau frais\b", r"temperature dirigee", r"\bisotherm\w*", r"sous froid")
DRY = _any(r"\bsecs?\b", r"\bseches?\b", r"hors gel", r"ambiant\w*")
ONLY = re.compile(r"\b(?:uniquement|seulement|exclusivement)\b")
LANGUAGES = {"anglais": "en", "allemand": "de", "espagnol": "es", "italien": "it", "portugais": "pt",
             "neerlandais": "nl", "chinois": "zh", "mandarin": "zh", "japonais": "ja", "arabe": "ar",
             "russe": "ru", "polonais": "pl", "roumain": "ro", "turc": "tr", "coreen": "ko", "grec": "el",
             "suedois": "sv", "danois": "da", "tcheque": "cs", "hongrois": "hu", "ukrainien": "uk",
             "vietnamien": "vi", "catalan": "ca", "langue des signes": "lsf"}
LANGUAGE_RE = re.compile(r"\b(" + "|".join(sorted(LANGUAGES, key=len, reverse=True)) + r")(?:e|es|s|ne|nes)?\b")
QUALIFIERS = {  # a kind of resource that rules out the opposite kind
    "virgin": _any(r"\bvierges?\b"), "recycled": _any(r"\brecycl\w*", r"\bbroy\w*", r"\bregenere\w*"),
    "reusable": _any(r"\blavables?\b", r"\breutilisables?\b"),
    "disposable": _any(r"\bjetables?\b", r"usage unique", r"\bffp[123]\b", r"masques? chirurgica\w*"),
}
OPPOSITE_QUALIFIERS = {"virgin": "recycled", "recycled": "virgin", "reusable": "disposable",
                       "disposable": "reusable"}
GENERAL_LABOUR = _any(r"\bpolyvalent\w*", r"sans (?:qualification|competence|experience)",
                      r"aucune (?:qualification|competence|experience)", r"paires? de bras",
                      r"formation (?:assuree|sur place|d'une|rapide)", r"\bdebutants?\b", r"suffisent",
                      r"tout profil")
# strong signs of what a post is really about, whatever its category (a staff need filed under transport)
CATEGORY_CUES = {
    "staff": _any(r"main[- ]d'?oeuvre", r"pret de personnel", r"mise a disposition (?:de (?:personnel|salarie)|d'un"
                  r" salarie)", r"paires? de bras", r"renfort de personnel", r"personnel (?:temporaire|saisonnier)",
                  r"\binterim\w*", r"\bbras supplementaires\b"),
}


@dataclass
class PostFacts:
    id: int
    kind: str  # "offer" | "need"
    category: str
    company_id: int
    latitude: float
    longitude: float
    departement: str
    radius_km: float | None
    available_from: date | None
    available_until: date | None
    ref: str = ""
    text: TextFacts = field(default_factory=TextFacts)
    towns: list[places.Town] = field(default_factory=list)
    areas: set[str] = field(default_factory=set)  # départements named
    amounts: list[quantities.Amount] = field(default_factory=list)
    reach_km: float | None = None  # "livraison dans un rayon de 200 km"
    nationwide: bool = False
    ships: bool = False
    pickup_only: bool = False
    accepts_shipping: bool = False
    remote: bool = False  # an offer that works remotely, a need that accepts it
    on_site_only: bool = False
    one_way: bool = False
    cold: frozenset[str] = frozenset()  # "frozen", "chilled", "dry" (stated, not negated)
    dry_only: bool = False
    languages: frozenset[str] = frozenset()
    job_advert: bool = False
    qualifiers: frozenset[str] = frozenset()
    cues: frozenset[str] = frozenset()  # categories the words point to
    general_labour: bool = False  # staff with no particular skill asked or offered ("polyvalents")

    @property
    def location(self) -> tuple[float, float]:
        return (self.latitude, self.longitude)

    @property
    def goods(self) -> bool:
        return self.category in GOODS

    def period_days(self) -> float | None:
        if self.available_from and self.available_until:
            return float((self.available_until - self.available_from).days + 1)
        return None


def _has(row: Any, name: str) -> bool:
    return name in row if isinstance(row, dict) else hasattr(row, name)


def _value(row: Any, name: str) -> Any:
    value = row[name] if isinstance(row, dict) else getattr(row, name)
    return getattr(value, "value", value)  # enums to their codes


def read_post(row: Any, groups: PhraseGroups | None = None,
              gazetteer: places.Gazetteer | None = None) -> PostFacts:
    """The facts of a post (an ORM ``Post``, a result row or a mapping with the same column names)."""
    title, description = _value(row, "title") or "", _value(row, "description") or ""
    kind, category = _value(row, "kind"), _value(row, "category")
    facts = PostFacts(
        id=_value(row, "id"), kind=kind, category=category, company_id=_value(row, "company_id"),
        latitude=float(_value(row, "latitude")), longitude=float(_value(row, "longitude")),
        departement=_value(row, "departement") or "", radius_km=_value(row, "radius_km"),
        available_from=_value(row, "available_from"), available_until=_value(row, "available_until"),
        ref=(row.get("external_ref") if isinstance(row, dict) else getattr(row, "external_ref", None)) or "",
    )
    full = f"{title}.\n{description}"
    folded_title, folded_description = fold(title), fold(description)
    folded = f"{folded_title}.\n{folded_description}"
    parts = clauses(folded, folded=True)
    positive = " . ".join(_positive_part(c) for c in parts)
    place_terms: set[str] = set()
    if gazetteer is not None:
        mentions = gazetteer.mentions(full, facts.location)
        facts.towns, facts.areas = mentions.towns, mentions.departements
        names = " ".join([*(t.name for t in mentions.towns), *mentions.terms])
        place_terms = set(fast_terms(names))
    place_terms |= set(fast_terms(_value(row, "city") if _has(row, "city") else ""))
    facts.text = text_facts(folded_title, folded_description, groups, ignored=place_terms, folded=True)
    facts.amounts = quantities.amounts(_value(row, "quantity"), _value(row, "unit"), folded)
    radii = [int(r) for r in REACH_RADIUS.findall(folded)]
    facts.reach_km = float(max(radii)) if radii and kind == "offer" else None
    facts.nationwide = bool(NATIONWIDE.search(folded))
    facts.ships = bool(OFFER_SHIPS.search(positive)) or facts.nationwide
    facts.pickup_only = bool(PICKUP_ONLY.search(folded))
    facts.accepts_shipping = bool(NEED_ACCEPTS_SHIPPING.search(folded)) or (kind == "need" and facts.nationwide)
    facts.remote = bool((REMOTE_OFFER if kind == "offer" else REMOTE_NEED).search(positive))
    facts.on_site_only = bool(ON_SITE_ONLY.search(folded))
    facts.one_way = bool(ONE_WAY.search(folded))
    facts.cold, facts.dry_only = _temperature(parts)
    facts.languages = frozenset(LANGUAGES[m] for m in LANGUAGE_RE.findall(positive))
    facts.job_advert = kind == "offer" and len({m.group(0) for m in JOB_ADVERT.finditer(folded)}) >= 2
    facts.qualifiers = frozenset(name for name, pattern in QUALIFIERS.items() if pattern.search(positive))
    if kind == "need":  # a need filed under the wrong category (an offer's category is what it offers)
        facts.cues = frozenset(name for name, pattern in CATEGORY_CUES.items() if pattern.search(positive))
    facts.general_labour = bool(GENERAL_LABOUR.search(positive))
    return facts


def _positive_part(clause: str) -> str:
    from .text import _negation_start

    start = _negation_start(clause)
    return clause if start is None else clause[:start]


def _temperature(parts: list[str]) -> tuple[frozenset[str], bool]:
    """The temperatures a post states (frozen, chilled, dry), and whether it says it is dry *only*
    ("produits secs uniquement", "aucun de nos camions n'est frigorifique")."""
    from .text import _negation_start

    stated: set[str] = set()
    dry_only = False
    for clause in parts:
        start = _negation_start(clause)
        head, tail = (clause, "") if start is None else (clause[:start], clause[start:])
        if FROZEN.search(head):
            stated.add("frozen")
        if CHILLED.search(head) and not (FROZEN.search(head) and not re.search(r"\bpositi|\+\s?\d|0\s?/", head)):
            stated.add("chilled")
        if DRY.search(head):
            stated.add("dry")
            if ONLY.search(head):
                dry_only = True
        if tail and (CHILLED.search(tail) or FROZEN.search(tail)):
            dry_only = True
    if dry_only:
        stated.discard("chilled")
        stated.discard("frozen")
        stated.add("dry")
    return frozenset(stated), dry_only
