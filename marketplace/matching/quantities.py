"""Amounts and units: "2 tonnes" and "2 500 kg", "3 t par semaine" and "600 kg par jour", "10 cartons de 500 gants"
and "5 000 gants", "120 flacons d'un litre" and "200 litres".

A unit is read as a *dimension* (mass, volume, area, length, time, people, pallets, or a counted thing such as
"gant"), a factor to the dimension's base unit and, for a rate, its period in days. Two amounts compare only within
one dimension; "unités" and "pièces" compare with any counted thing. Containers are opened when the text says what
they hold ("cartons de 500 gants", "palettes de 66 sacs de 15 kg")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..search.analysis import fold

# folded unit word (singular) -> (dimension, factor to the base unit)
UNITS: dict[str, tuple[str, float]] = {
    "g": ("mass", 0.001), "gramme": ("mass", 0.001), "kg": ("mass", 1.0), "kilo": ("mass", 1.0),
    "kilogramme": ("mass", 1.0), "quintal": ("mass", 100.0), "t": ("mass", 1000.0), "tonne": ("mass", 1000.0),
    "ml": ("volume", 0.001), "cl": ("volume", 0.01), "l": ("volume", 1.0), "litre": ("volume", 1.0),
    "hl": ("volume", 100.0), "hectolitre": ("volume", 100.0), "m3": ("volume", 1000.0), "m³": ("volume", 1000.0),
    "stere": ("volume", 1000.0), "metre cube": ("volume", 1000.0), "metres cube": ("volume", 1000.0),
    "m2": ("area", 1.0), "m²": ("area", 1.0), "metre carre": ("area", 1.0), "hectare": ("area", 10000.0),
    "ha": ("area", 10000.0),
    "m": ("length", 1.0), "metre": ("length", 1.0), "ml lineaire": ("length", 1.0), "km": ("length", 1000.0),
    "cm": ("length", 0.01),
    "h": ("time", 1.0), "heure": ("time", 1.0), "jour": ("time", 7.0), "journee": ("time", 7.0),
    "demi-journee": ("time", 3.5), "semaine": ("time", 35.0), "mois": ("time", 151.67),
    "personne": ("people", 1.0), "salarie": ("people", 1.0), "etp": ("people", 1.0), "employe": ("people", 1.0),
    "operateur": ("people", 1.0), "agent": ("people", 1.0), "chauffeur": ("people", 1.0),
    "palette": ("pallet", 1.0), "emplacement palette": ("pallet", 1.0), "emplacements palettes": ("pallet", 1.0),
    "place palette": ("pallet", 1.0), "places palettes": ("pallet", 1.0),
    "unite": ("count", 1.0), "u": ("count", 1.0), "piece": ("count", 1.0), "exemplaire": ("count", 1.0),
    "article": ("count", 1.0), "millier": ("count", 1000.0),
}
GENERIC_COUNT = "count"
PERIODS = {"jour": 1.0, "j": 1.0, "journee": 1.0, "semaine": 7.0, "sem": 7.0, "mois": 30.0, "an": 365.0,
           "annee": 365.0, "trimestre": 91.0}
PERIOD_RE = re.compile(r"\s*(?:par|/|chaque|tous les|toutes les)\s*"
                       r"(jour|j|journee|semaine|sem|mois|an|annee|trimestre)s?\b")
CONTAINERS = {"carton", "boite", "bidon", "flacon", "sac", "sachet", "rouleau", "palette", "bobine", "fut", "caisse",
              "lot", "pack", "colis", "bouteille", "bac", "seau", "pot", "octabin", "big bag", "paquet", "cagette",
              "plateau", "ballot", "botte"}
NUMBER = r"(\d{1,3}(?:[  .]\d{3})+|\d+(?:[.,]\d+)?|un|une|deux|trois|quatre|cinq|six|dix|douze|vingt|cent|mille)"
NUMBER_WORDS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "dix": 10, "douze": 12,
                "vingt": 20, "cent": 100, "mille": 1000}
WORD = r"([a-z²³]+(?:[ -](?:palettes?|cube|carre|lineaire))?)"
# "cartons de 500 gants", "bidons de 5 l", "flacons d'un litre", "palettes de 66 sacs de 15 kg"
CONTENT_RE = re.compile(r"\b([a-z]+?)s?\s+(?:de|d')\s*" + NUMBER + r"\s*" + WORD)
# "10 boites de 100 par carton", "50 m par rouleau"
PER_CONTAINER_RE = re.compile(NUMBER + r"\s*" + WORD + r"(?:\s+(?:de|d')\s*" + NUMBER
                              + r")?\s+(?:par|/)\s*([a-z]+?)s?\b")


@dataclass(frozen=True)
class Unit:
    dimension: str
    factor: float
    period_days: float | None = None  # a rate: per day, week, month


@dataclass(frozen=True)
class Amount:
    value: float  # in the dimension's base unit
    dimension: str
    period_days: float | None = None

    def per_day(self) -> float:
        return self.value / self.period_days if self.period_days else self.value


def singular(word: str) -> str:
    word = word.strip()
    if len(word) > 3 and word.endswith(("s", "x")) and not word.endswith(("ss", "is", "us")):
        return word[:-1]
    return word


def parse_unit(raw: str | None) -> Unit | None:
    """The dimension, factor and period of a unit as people type it ("tonnes par semaine", "m³", "gants")."""
    if not raw or not raw.strip():
        return None
    text = fold(raw).strip()
    period = None
    match = PERIOD_RE.search(text)
    if match:
        period = PERIODS[match.group(1)]
        text = text[:match.start()].strip()
    text = " ".join(singular(w) for w in text.replace("/", " ").split())
    if not text:
        return None
    if text in UNITS:
        dimension, factor = UNITS[text]
        return Unit(dimension, factor, period)
    head = text.split(" ")[0]
    if head in UNITS and UNITS[head][0] != GENERIC_COUNT:
        dimension, factor = UNITS[head]
        return Unit(dimension, factor, period)
    return Unit(text, 1.0, period)  # a counted thing: "gant", "masque", "carton"


def _number(text: str) -> float | None:
    text = text.strip()
    if text in NUMBER_WORDS:
        return float(NUMBER_WORDS[text])
    cleaned = re.sub(r"[  ]", "", text)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", cleaned):
        cleaned = cleaned.replace(".", "")
    try:
        return float(cleaned.replace(",", "."))
    except ValueError:
        return None


def amounts(quantity: float | None, unit: str | None, text: str = "") -> list[Amount]:
    """The post's amount in its own unit, then the same amount in what its containers hold, if the text says."""
    parsed = parse_unit(unit)
    if quantity is None or parsed is None:
        return []
    found = [Amount(quantity * parsed.factor, parsed.dimension, parsed.period_days)]
    container = parsed.dimension if parsed.dimension not in UNITS_DIMENSIONS else (
        "palette" if parsed.dimension == "pallet" else None)
    if container and container in CONTAINERS and text:
        for content in container_contents(container, fold(text)):
            found.append(Amount(quantity * content.value, content.dimension, parsed.period_days))
    return found


UNITS_DIMENSIONS = {"mass", "volume", "area", "length", "time", "people", "pallet", GENERIC_COUNT}


def container_contents(container: str, folded: str, depth: int = 0) -> list[Amount]:
    """What one ``container`` holds according to the text ("cartons de 500 gants": 500 gant)."""
    found: list[Amount] = []
    for match in CONTENT_RE.finditer(folded):
        if singular(match.group(1)) != container:
            continue
        number = _number(match.group(2))
        inner = parse_unit(match.group(3))
        if number is None or inner is None or inner.period_days:
            continue
        found.append(Amount(number * inner.factor, inner.dimension))
        if inner.dimension in CONTAINERS and depth < 2:  # palettes de 66 sacs de 15 kg
            for nested in container_contents(inner.dimension, folded[match.start(3):], depth + 1):
                found.append(Amount(number * nested.value, nested.dimension))
    for match in PER_CONTAINER_RE.finditer(folded):
        if singular(match.group(4)) != container:
            continue
        number = _number(match.group(1))
        inner = parse_unit(match.group(2))
        if number is None or inner is None:
            continue
        if match.group(3):  # "10 boites de 100 par carton"
            each = _number(match.group(3))
            if each is not None:
                found.append(Amount(number * each, GENERIC_COUNT))
        else:
            found.append(Amount(number * inner.factor, inner.dimension))
    return found


def comparable(a: str, b: str) -> bool:
    if a == b:
        return True
    counted = {a, b} - UNITS_DIMENSIONS
    return GENERIC_COUNT in (a, b) and len(counted) == 1


def coverage(offered: list[Amount], needed: list[Amount], need_days: float | None = None) -> float | None:
    """How much of the need the offer covers (1.0: all of it, or more), None when the amounts cannot be compared.

    A rate compares with a rate per day; a stock with a rate over the need's period (four weeks when unknown)."""
    best: float | None = None
    for need in needed:
        for offer in offered:
            if not comparable(offer.dimension, need.dimension) or need.value <= 0:
                continue
            if bool(offer.period_days) == bool(need.period_days):
                ratio = offer.per_day() / need.per_day() if need.period_days else offer.value / need.value
            elif need.period_days:  # a stock for a recurring need
                ratio = offer.value / (need.per_day() * min(need_days or 28.0, 90.0))
            else:  # a recurring supply for a one-off need: what comes in four weeks
                ratio = offer.per_day() * 28.0 / need.value
            best = ratio if best is None else max(best, ratio)
    return None if best is None else min(best, 1.0)
