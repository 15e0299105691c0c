"""Places a post names in its text: towns (a carrier's route, where an offer delivers, where a load goes),
départements and regions (where an offer delivers), and how far an offer says it goes ("dans un rayon de 200 km").

Towns are found among capitalised words only, longest name first ("La Roche-sur-Yon" before "Roche"); a name
several communes share is the one nearest the post. A capitalised word that starts a sentence counts only when a
list follows it ("Metz, Épinal ou Nancy"), so that "Charge" or "Plan" in "Plan de travail..." are not towns."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

EARTH_RADIUS_KM = 6371.0088
MAX_TOWN_DISTANCE_KM = 800  # a town named farther than this from the post is another town of the same name
MIN_NAME_LENGTH = 3
CONNECTORS = {"sur", "sous", "en", "de", "du", "des", "la", "le", "les", "les", "lez", "aux", "d", "l", "et", "saint",
              "sainte"}
ARTICLES = ("le ", "la ", "les ", "l ")
WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
LIST_FOLLOWS_RE = re.compile(r"\s*(?:[,/]|\s[–—-]\s|\bet\b|\bou\b)")
# words of the language that are also names of communes: never taken for a town when they stand alone
COMMON_WORDS = {
    "don", "grand", "grande", "vieux", "garde", "champagne", "noel", "paques", "toussaint", "port", "plan", "charge",
    "bar", "sort", "vente", "mars", "bois", "pont", "vue", "sens", "sud", "nord", "est", "ouest", "centre", "france",
    "europe", "bio", "gare", "marche", "halles", "foire", "bourg", "ville", "val", "mont", "plage", "lac", "cours",
    "moulin", "ferme", "chateau", "eglise", "croix", "fontaine", "roche", "chapelle", "bastide", "lande", "prix",
    "salles", "magasin", "usine", "atelier", "quai", "route", "rue", "place", "parc", "zone", "orange", "saint",
    "sainte", "neuf", "neuve", "rose", "blanc", "noir", "vert", "belle", "beau", "bon", "bonne",
}
SENTENCE_END = ".!?:;\n•*(«\""
# regions as people still name them (historic regions included), by département codes
REGION_ALIASES = {
    "alsace": ("67", "68"), "lorraine": ("54", "55", "57", "88"), "champagne ardenne": ("08", "10", "51", "52"),
    "aquitaine": ("24", "33", "40", "47", "64"), "limousin": ("19", "23", "87"),
    "poitou charentes": ("16", "17", "79", "86"), "languedoc": ("11", "30", "34", "48"),
    "languedoc roussillon": ("11", "30", "34", "48", "66"), "roussillon": ("66",),
    "midi pyrenees": ("09", "12", "31", "32", "46", "65", "81", "82"), "auvergne": ("03", "15", "43", "63"),
    "rhone alpes": ("01", "07", "26", "38", "42", "69", "73", "74"), "bourgogne": ("21", "58", "71", "89"),
    "franche comte": ("25", "39", "70", "90"), "nord pas de calais": ("59", "62"), "picardie": ("02", "60", "80"),
    "haute normandie": ("27", "76"), "basse normandie": ("14", "50", "61"), "provence": ("04", "05", "13", "83", "84"),
    "cote d azur": ("06", "83"), "savoie": ("73", "74"), "pays basque": ("64",), "bearn": ("64",),
    "bigorre": ("65",), "camargue": ("13", "30"), "cevennes": ("30", "48"), "vendee": ("85",),
    "sud est": ("04", "05", "06", "13", "83", "84", "30", "34", "26", "07", "38", "69", "73", "74"),
    "sud ouest": ("24", "33", "40", "47", "64", "31", "32", "65", "81", "82", "09", "46", "12"),
    "grand ouest": ("14", "22", "27", "29", "35", "44", "49", "50", "53", "56", "61", "72", "76", "85"),
    "ile de france": ("75", "77", "78", "91", "92", "93", "94", "95"), "region parisienne": ("75", "77", "78", "91",
                                                                                              "92", "93", "94", "95"),
}


def fold_name(text: str) -> str:
    """A place name compared without case, accents, hyphens or apostrophes ("Saint-Étienne" → "saint etienne")."""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "oe"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    words = re.findall(r"[a-z0-9]+", plain)
    return " ".join({"st": "saint", "ste": "sainte"}.get(word, word) for word in words)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Town:
    name: str
    latitude: float
    longitude: float
    departement: str


@dataclass
class Mentions:
    towns: list[Town] = field(default_factory=list)  # in the order of the text, each once
    departements: set[str] = field(default_factory=set)  # named départements and regions, as département codes
    terms: list[str] = field(default_factory=list)  # the words of every place name found (left out of the text)


class Gazetteer:
    """Commune, département and region names, folded, for finding them in a text."""

    def __init__(self, communes: Iterable[tuple[str, float, float, str]], departements: Iterable[tuple[str, str]],
                 regions: Iterable[tuple[str, Iterable[str]]] = ()):
        self.towns: dict[str, list[Town]] = {}
        for name, latitude, longitude, departement in communes:
            town = Town(name, latitude, longitude, departement)
            for key in _keys(name):
                self.towns.setdefault(key, []).append(town)
        self.areas: dict[str, set[str]] = {}
        for code, name in departements:
            self.areas.setdefault(fold_name(name), set()).add(code)
        for name, codes in regions:
            self.areas.setdefault(fold_name(name), set()).update(codes)
        for name, codes in REGION_ALIASES.items():
            self.areas.setdefault(name, set()).update(codes)
        self.longest = max((len(key.split()) for key in (*self.towns, *self.areas)), default=1)
        self.first_words = {key.split(" ")[0] for key in (*self.towns, *self.areas)}

    def mentions(self, text: str, near: tuple[float, float] | None = None) -> Mentions:
        """The towns and areas ``text`` names; a name shared by several communes is the one nearest ``near``."""
        found = Mentions()
        words = [(m.group(0), m.start(), m.end()) for m in WORD_RE.finditer(text or "")]
        seen: set[str] = set()
        i = 0
        while i < len(words):
            word, start, _ = words[i]
            if not _capitalised(word) or fold_name(word).split(" ")[0] not in self.first_words:
                i += 1
                continue
            size, key = self._longest_name(words, i)
            if not size:
                i += 1
                continue
            end = words[i + size - 1][2]
            if size == 1 and _sentence_start(text, start) and not LIST_FOLLOWS_RE.match(text, end):
                i += 1
                continue
            found.terms.extend(key.split())
            if key in self.areas:
                found.departements |= self.areas[key]
            else:
                town = self._nearest(self.towns[key], near)
                if town is not None and town.name not in seen:
                    seen.add(town.name)
                    found.towns.append(town)
            i += size
        return found

    def _longest_name(self, words: list[tuple[str, int, int]], i: int) -> tuple[int, str]:
        for size in range(min(self.longest, len(words) - i), 0, -1):
            window = words[i:i + size]
            if not _capitalised(window[-1][0]) or not _joined(window):
                continue
            if any(not _capitalised(w) and fold_name(w) not in CONNECTORS for w, _, _ in window):
                continue
            key = fold_name(" ".join(w for w, _, _ in window))
            if len(key) < MIN_NAME_LENGTH or (size == 1 and key in COMMON_WORDS):
                continue
            if key in self.areas or key in self.towns:
                return size, key
        return 0, ""

    @staticmethod
    def _nearest(towns: list[Town], near: tuple[float, float] | None) -> Town | None:
        if near is None:
            return towns[0] if len(towns) == 1 else None
        best = min(towns, key=lambda t: distance_km(near[0], near[1], t.latitude, t.longitude))
        if distance_km(near[0], near[1], best.latitude, best.longitude) > MAX_TOWN_DISTANCE_KM:
            return None
        return best


def _keys(name: str) -> list[str]:
    """The folded name, without its article too ("au Mans"), and the city of an arrondissement ("Marseille")."""
    key = fold_name(name)
    keys = [key]
    if " arrondissement" in key:
        keys = [key.split(" ")[0]]
    for article in ARTICLES:
        if key.startswith(article) and len(key) > len(article) + MIN_NAME_LENGTH:
            keys.append(key[len(article):])
    return keys


def _capitalised(word: str) -> bool:
    """A proper name's first letter; acronyms (EPI, HT, CACES) are not towns."""
    return word[:1].isupper() and not (len(word) > 1 and word.isupper())


def _joined(window: list[tuple[str, int, int]]) -> bool:
    """Words of one name: separated by a space, a hyphen or an apostrophe only."""
    return all(nxt[1] - cur[2] <= 1 for cur, nxt in zip(window, window[1:]))


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in SENTENCE_END


@cache
def gazetteer() -> Gazetteer:
    """France's communes, départements and regions (``services.geo``'s tables), read once per process."""
    from ..services import geo

    communes = [(c.name, c.latitude, c.longitude, c.departement)
                for group in geo._communes_by_postcode().values() for c in group]
    regions: dict[str, set[str]] = {}
    for code, _ in geo.departements():
        region = geo.region_of_departement(code)
        if region:
            regions.setdefault(region[1], set()).add(code)
    return Gazetteer(communes, geo.departements(), regions.items())
