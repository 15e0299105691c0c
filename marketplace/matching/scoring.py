"""The pure scoring functions: one per factor a CCI advisor weighs, and their combination into one score in [0, 1]
with the reasons a person reads.

- ``text_relevance``: the same resource in words (idf-weighted cosine of the analysed terms and the thesaurus
  groups, so "chariot élévateur" meets "Fenwick");
- ``category_fit``: same category, or a compatible pair (a refrigerated trailer for a cold-storage need);
- ``reach``: distance against the need's radius, with a carrier's route, an offer's deliveries, remote services
  and goods that ship;
- ``timing``: the dates of both posts; ``quantity_fit``: how much of the need the offer covers, units converted;
- ``conditions``: what rules a pair out whatever the words (cold chain, languages, a job advert offered as a staff
  loan, virgin against recycled material, what the offer says it is not).

A pair of the same company is never a match. Reasons are codes with parameters (``{"code": "distance", "km": 12}``),
stored with the match and put into words at display time by ``reason_labels``."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _

from .facts import COLD_CATEGORIES, OPPOSITE_QUALIFIERS, PostFacts
from .places import distance_km
from .quantities import coverage
from .text import TextFacts, attributes

Idf = Callable[[str], float]
Reason = dict[str, Any]

# --------------------------------------------------------------------------- text

TITLE_WEIGHT = 2.0  # a word of the title counts as two of the description
SYNONYM_WEIGHT = 0.9  # a phrase met through a synonym of the thesaurus
RELATED_WEIGHT = 0.75  # a phrase met through a related family ("polaire" for "vêtements chauds")
TEXT_WEIGHTS = (0.7, 0.1, 0.2)  # all the words, a title's words anywhere, a title's words in the other title
QUALIFIED_OTHERWISE = 0.2
ATTRIBUTE_WEIGHT = 0.3  # "occasion", "neuf", "gratuit": how a resource is, not what it is
COLD_EVIDENCE = 0.5
COLD_UNIT_FIT = 0.8  # a refrigerated trailer, a reefer container: a cold room on wheels
TEXT_FULL = 0.35  # share of the words met at which the text alone says "same resource"
LONE_BODY_TEXT = 0.1  # the most one shared word of both descriptions (in neither title) can say


def unit_weight(unit: str | tuple[str, ...], idf: Idf) -> float:
    """How telling a unit is: the idf of a term, the mean idf of a phrase's terms; numbers tell nothing, and a
    phrase made of attributes only ("d'occasion", "seconde main") counts as little as an attribute."""
    if isinstance(unit, str):
        if unit.isdigit():
            return 0.0
        return idf(unit) * (ATTRIBUTE_WEIGHT if unit in attributes() else 1.0)
    words = [t for t in unit if not t.isdigit()]
    if not words:
        return 0.0
    weight = sum(idf(t) for t in words) / len(words)
    return weight * ATTRIBUTE_WEIGHT if all(t in attributes() for t in words) else weight


def unit_met(unit: str | tuple[str, ...], text: TextFacts, other: TextFacts) -> float:
    """How far the other post says the same: the same term or phrase (1), a synonym (0.9), a relative (0.75); a
    word each post qualifies otherwise ("granulés de bois", "granulés de polypropylène") hardly counts."""
    if isinstance(unit, str):
        if unit not in other.terms:
            return 0.0
        mine, theirs = text.qualified.get(unit), other.qualified.get(unit)
        if mine and theirs and not mine & other.terms and not theirs & text.terms:
            return QUALIFIED_OTHERWISE
        return 1.0
    if unit in other.groups or all(t in other.terms for t in unit):
        return 1.0
    shared = text.groups.get(unit, frozenset()) & other.group_keys
    if any(key[0] == "s" for key in shared):
        return SYNONYM_WEIGHT
    if shared:
        return RELATED_WEIGHT
    return 0.0


def weighted_units(text: TextFacts, idf: Idf, title_only: bool = False) -> tuple[list, float]:
    """([(unit, weight)], total weight) of a post's units (the title's counted twice), kept on the facts for as
    long as the same idf is used."""
    key = (getattr(idf, "__self__", idf), title_only)
    cache = text.__dict__.setdefault("_weighted", {})
    found = cache.get(key)
    if found is None:
        units = []
        for unit in (set(text.title) if title_only else set(text.title) | set(text.body)):
            count = TITLE_WEIGHT * text.title.get(unit, 0) + (0 if title_only else text.body.get(unit, 0))
            weight = unit_weight(unit, idf) * (1.0 + math.log(count)) if count >= 1 else 0.0
            if weight > 0:
                units.append((unit, weight))
        found = cache[key] = (units, sum(w for _, w in units))
        if len(cache) > 4:  # another index state: forget the oldest
            cache.pop(next(iter(cache)))
    return found


def _profile(text: TextFacts, idf: Idf, title_only: bool = False) -> tuple[frozenset, dict, list, float]:
    """A post's weighted units split for quick comparison: (its single terms, their weights, its phrases with
    their weights, the total weight), cached on the facts like ``weighted_units``."""
    key = (getattr(idf, "__self__", idf), title_only)
    cache = text.__dict__.setdefault("_profiles", {})
    found = cache.get(key)
    if found is None:
        units, total = weighted_units(text, idf, title_only)
        weights = {unit: weight for unit, weight in units if isinstance(unit, str)}
        phrases = [(unit, weight) for unit, weight in units if not isinstance(unit, str)]
        found = cache[key] = (frozenset(weights), weights, phrases, total)
        if len(cache) > 4:
            cache.pop(next(iter(cache)))
    return found


def coverage_of(text: TextFacts, other: TextFacts, idf: Idf, title_only: bool = False,
                in_title: bool = False) -> float:
    """The share of a post's words (weighted by idf, the title's counted twice) that the other post also says
    (``in_title``: says in its title). The same as summing ``weight * unit_met(unit, ...)`` over the post's
    units; the single terms the other post does not say are skipped at once (a set intersection)."""
    terms, weights, phrases, total = _profile(text, idf, title_only)
    if not total:
        return 0.0
    target = _title_only(other) if in_title else other
    met = 0.0
    qualified = text.qualified
    for term in terms & target.terms:
        met += weights[term] * (unit_met(term, text, target) if term in qualified else 1.0)
    for unit, weight in phrases:
        met += weight * unit_met(unit, text, target)
    return met / total


def _title_only(text: TextFacts) -> TextFacts:
    """The facts of a post's title alone (cached on the facts)."""
    cached = getattr(text, "_title_facts", None)
    if cached is None:
        units = set(text.title)
        terms = {t for u in units for t in ((u,) if isinstance(u, str) else u)}
        groups = {u: text.groups[u] for u in units if isinstance(u, tuple)}
        cached = TextFacts(title=text.title, terms=terms, groups=groups,
                           group_keys={k for keys in groups.values() for k in keys}, qualified=text.qualified)
        text._title_facts = cached
    return cached


def shared_units(a: TextFacts, b: TextFacts, idf: Idf) -> dict:
    """The evidence two posts share: {unit: where it is met}, each unit of either post (weighing something) that
    the other post also says, with where: "title" (in the titles of both), "one_title" (in the title of one post),
    "body" (in neither title)."""
    found: dict = {}
    rank = {"body": 0, "one_title": 1, "title": 2}
    for text, other in ((a, b), (b, a)):
        terms, weights, phrases, _ = _profile(text, idf)
        other_title = _title_only(other)
        met = [u for u in terms & other.terms if unit_met(u, text, other) > 0]
        met += [u for u, _ in phrases if unit_met(u, text, other) > 0]
        for unit in met:
            if unit in text.title:
                place = "title" if unit_met(unit, text, other_title) > 0 else "one_title"
            else:
                place = "body"
            if rank[place] > rank.get(found.get(unit), -1):
                found[unit] = place
    return found


def text_relevance(a: TextFacts, b: TextFacts, idf: Idf) -> float:
    """How much two posts speak of the same thing, in [0, 1]. Three shares of words met, weighted by idf: of all
    the words each post says of the other's (their geometric mean), of each title's words said anywhere in the
    other post, of each title's words said in the other's title (titles name the resource). TEXT_FULL and above
    is 1."""
    full = math.sqrt(coverage_of(a, b, idf) * coverage_of(b, a, idf))
    title_any = (coverage_of(a, b, idf, title_only=True) + coverage_of(b, a, idf, title_only=True)) / 2
    title_title = (coverage_of(a, b, idf, True, True) + coverage_of(b, a, idf, True, True)) / 2
    mixed = TEXT_WEIGHTS[0] * full + TEXT_WEIGHTS[1] * title_any + TEXT_WEIGHTS[2] * title_title
    relevance = min(1.0, mixed / sum(TEXT_WEIGHTS) / TEXT_FULL)
    if 0.0 < relevance and title_any == 0.0:  # no title word met anywhere: is it one word of both descriptions?
        shared = shared_units(a, b, idf)
        if len(shared) <= 1:
            relevance = min(relevance, LONE_BODY_TEXT)
    return relevance


def names_the_resource(a: TextFacts, b: TextFacts, idf: Idf) -> bool:
    """Do the words the posts share name the resource: a word of one title in the other's title, or several shared
    words with one of them in a title (one word of a title met in the other's description can be incidental)."""
    shared = shared_units(a, b, idf)
    places = set(shared.values())
    return "title" in places or (len(shared) >= 2 and "one_title" in places)


def negation_conflict(offer: TextFacts, need: TextFacts, idf: Idf) -> float:
    """The share of what the need asks for that the offer says it is *not* ("aucun camion frigorifique" for a
    refrigerated transport need), in [0, 1]."""
    denied = {t for t in offer.negated if t not in offer.terms}
    if not denied or denied.isdisjoint(need.terms):
        return 0.0
    asked = {t: idf(t) for t in need.terms if not t.isdigit()}
    shared = sum(w for t, w in asked.items() if t in offer.terms)
    against = sum(w for t, w in asked.items() if t in denied)
    return against / (shared + against) if against else 0.0


def exclusion_conflict(offer: TextFacts, need: TextFacts, idf: Idf) -> float:
    """The share of the offer's title (weighted by idf) that the need rules out ("une camionnette sans chauffeur"
    for a truck offered with its driver), in [0, 1]: what the offer *is* and the need says it does not want."""
    excluded = {t for t in need.negated if t not in need.terms}
    if not excluded or excluded.isdisjoint(offer.terms):
        return 0.0
    units, total = weighted_units(offer, idf, title_only=True)
    if not total:
        return 0.0
    hit = sum(weight for unit, weight in units
              if (unit in excluded if isinstance(unit, str) else any(t in excluded for t in unit)))
    return hit / total


# --------------------------------------------------------------------------- category

GENERIC = {"storage": 0.45, "transport": 0.45, "premises": 0.25}  # how much the category alone tells
OTHER_PRIOR = 0.15  # goods, equipment, services: the category holds too many different things
# (offer category, need category): how well an offer of the first serves a need of the second
COMPATIBLE: dict[tuple[str, str], float] = {
    ("equipment", "storage"): 0.45,  # a refrigerated trailer or a container as storage
    ("premises", "storage"): 0.8, ("storage", "premises"): 0.7,
    ("surplus_goods", "supplies"): 0.85, ("supplies", "surplus_goods"): 0.85,
    ("surplus_goods", "raw_materials"): 0.85, ("raw_materials", "surplus_goods"): 0.8,
    ("raw_materials", "supplies"): 0.6, ("supplies", "raw_materials"): 0.6,
    ("production", "supplies"): 0.75, ("production", "surplus_goods"): 0.6, ("production", "raw_materials"): 0.4,
    ("supplies", "production"): 0.4, ("services", "production"): 0.5, ("production", "services"): 0.6,
    ("staff", "services"): 0.75, ("services", "staff"): 0.5,
    ("equipment", "transport"): 0.6, ("transport", "equipment"): 0.4, ("staff", "transport"): 0.35,
    ("transport", "staff"): 0.3, ("equipment", "production"): 0.5, ("production", "equipment"): 0.4,
    ("surplus_goods", "equipment"): 0.6, ("equipment", "surplus_goods"): 0.6, ("equipment", "supplies"): 0.5,
    ("supplies", "equipment"): 0.5, ("storage", "transport"): 0.3, ("transport", "storage"): 0.3,
    ("storage", "services"): 0.3, ("services", "storage"): 0.3,
    ("premises", "production"): 0.3, ("staff", "production"): 0.4, ("production", "staff"): 0.3,
}
UNRELATED = 0.2


def category_fit(offer_category: str, need_category: str, offer_cues=frozenset(), need_cues=frozenset()) -> float:
    """1 for the same category, the table's weight for a compatible pair, little otherwise; what a post's words
    show it really is about counts too (a staff need filed under transport)."""
    best = 1.0 if offer_category == need_category else COMPATIBLE.get((offer_category, need_category), UNRELATED)
    for o in {offer_category, *offer_cues}:
        for n in {need_category, *need_cues}:
            if (o, n) != (offer_category, need_category):
                best = max(best, 0.9 * (1.0 if o == n else COMPATIBLE.get((o, n), UNRELATED)))
    return best


# --------------------------------------------------------------------------- place

DEFAULT_RADIUS_KM = 50.0
ROUTE_TOLERANCE_KM = 40.0  # a route serves the towns this close to one of its stops
NEAR_KM = 15.0  # a town named this close to the post is the post's own place


def reach(offer: PostFacts, need: PostFacts) -> tuple[float, Reason]:
    """Can the offer reach the need: 1 within the radius (or by route, delivery, remote work, shipping), less a
    little beyond it, 0 far beyond."""
    radius = float(need.radius_km or DEFAULT_RADIUS_KM)
    if offer.category == "transport" and need.category == "transport":
        return _route(offer, need, radius)
    if (offer.category in ("services", "staff", "production") or need.category in ("services",)) \
            and offer.remote and need.remote and not need.on_site_only:
        return 1.0, {"code": "remote"}
    km = distance_km(*offer.location, *need.location)
    delivered = _delivered(offer, need, km)
    if km <= radius:
        return 1.0, {"code": "distance", "km": round(km)}
    if delivered is not None:
        return 1.0, {"code": "delivers", "km": round(km)}
    goods = offer.goods or need.goods
    if goods and not offer.pickup_only:
        if need.accepts_shipping and (offer.ships or offer.category != "equipment"):
            return 1.0, {"code": "ships", "km": round(km)}
        if offer.ships:
            return 0.7, {"code": "ships_beyond", "km": round(km), "radius": round(radius)}
    if offer.remote and (need.remote or need.category == "services") and not need.on_site_only:
        return 0.8, {"code": "remote"}
    return _beyond(km, radius)


BEYOND_FAR = 0.2  # between 1.5 and 2 times the radius: farther than the company said it can go, by far


def _beyond(km: float, radius: float) -> tuple[float, Reason]:
    excess = km / radius
    reason = {"code": "beyond_radius", "km": round(km), "radius": round(radius)}
    if excess <= 1.25:
        return 0.8, reason
    if excess <= 1.5:
        return 0.6, reason
    if excess <= 2.0:
        return BEYOND_FAR, reason
    return 0.0, reason


def _delivered(offer: PostFacts, need: PostFacts, km: float) -> float | None:
    """The offer says it delivers there: a town it names near the need, the need's département, its radius."""
    if need.departement and need.departement in offer.areas:
        return 0.0
    if offer.reach_km is not None and km <= offer.reach_km:
        return km
    for town in offer.towns:
        if distance_km(town.latitude, town.longitude, *need.location) <= float(need.radius_km or NEAR_KM * 2):
            return km
    return None


def _route(offer: PostFacts, need: PostFacts, radius: float) -> tuple[float, Reason]:
    """A carrier judged by the towns its route serves: the load's start (the need's place) and its
    destinations (the towns the need names), in the route's direction when it runs one way only."""
    stops = [(t.latitude, t.longitude, t.name, t.departement) for t in offer.towns]
    if not any(distance_km(s[0], s[1], *offer.location) <= NEAR_KM for s in stops):
        stops.insert(0 if offer.one_way else len(stops), (offer.latitude, offer.longitude, "", offer.departement))
    start = _nearest_stop(stops, need.location)
    if start is None or start[1] > max(radius, ROUTE_TOLERANCE_KM):
        km = distance_km(*offer.location, *need.location)
        if need.departement in offer.areas:
            return 0.8, {"code": "delivers", "km": round(km)}
        return _beyond(km, max(radius, ROUTE_TOLERANCE_KM))
    destinations = [t for t in need.towns if distance_km(t.latitude, t.longitude, *need.location) > NEAR_KM]
    if not destinations:
        return 0.85, {"code": "route", "towns": [s[2] for s in stops if s[2]][:4]}
    route_departements = {s[3] for s in stops} | offer.areas
    served = []
    for town in destinations:
        stop = _nearest_stop(stops, (town.latitude, town.longitude))
        ok = stop is not None and (stop[1] <= ROUTE_TOLERANCE_KM or town.departement in route_departements)
        if ok and offer.one_way and stop[0] < start[0]:
            ok = False
        served.append(ok)
    share = sum(served) / len(served)
    if not share:
        return 0.1, {"code": "route_elsewhere"}
    names = [need_town.name for need_town, ok in zip(destinations, served) if ok]
    return 0.5 + 0.5 * share, {"code": "route", "towns": names[:4]}


def _nearest_stop(stops, point) -> tuple[int, float] | None:
    best = None
    for index, stop in enumerate(stops):
        km = distance_km(stop[0], stop[1], *point)
        if best is None or km < best[1]:
            best = (index, km)
    return best


# --------------------------------------------------------------------------- time and amount

# needs whose dates are a window to deliver in (goods, a job to be done), not a period to cover (a rental, a loan)
WINDOW_NEEDS = frozenset({"supplies", "raw_materials", "surplus_goods", "production", "services"})


def timing(offer_from: date | None, offer_until: date | None, need_from: date | None, need_until: date | None,
           today: date, goods: bool = False) -> tuple[float, Reason | None]:
    """The offer's period against the need's (none: always). 0 when they do not meet; for a loan or a rental, the
    share of the need's period covered; goods bought, or a job done, within the window (``goods``) serve it all."""
    start = max(need_from or today, today)
    end = need_until
    offer_start, offer_end = offer_from or date.min, offer_until or date.max
    if end is not None and end < start:
        return 0.0, {"code": "dates_past"}
    latest_start = max(start, offer_start)
    earliest_end = min(end or date.max, offer_end)
    if earliest_end < latest_start:
        return 0.0, {"code": "dates_apart"}
    if end is None:
        return (1.0, {"code": "dates_full"}) if offer_until is None else (0.9, None)
    covered = ((earliest_end - latest_start).days + 1) / ((end - start).days + 1)
    if covered >= 0.999:
        return 1.0, {"code": "dates_full"}
    percent = max(1, round(100 * covered))
    if goods:
        return 0.9 + 0.1 * covered, {"code": "dates_partial", "percent": percent}
    return 0.5 + 0.45 * covered, {"code": "dates_partial", "percent": percent}


def quantity_fit(offer: PostFacts, need: PostFacts) -> tuple[float, Reason | None]:
    """How much of the need the offer covers (units converted): 1 for all of it, down to 0.6 for little."""
    share = coverage(offer.amounts, need.amounts, need.period_days())
    if share is None:
        return 0.97, None
    percent = round(100 * share)
    if share >= 0.995:
        return 1.0, {"code": "quantity", "percent": 100}
    return 0.6 + 0.35 * share, {"code": "quantity", "percent": max(1, percent)}


# --------------------------------------------------------------------------- conditions


def temperature_fit(offer: PostFacts, need: PostFacts) -> tuple[float, Reason | None]:
    """Cold chain: a frozen need wants a freezer, a chilled need a cold room or a refrigerated vehicle; an offer
    that says it is dry only (or says nothing of cold) cannot be trusted with either."""
    if offer.category not in COLD_CATEGORIES and need.category not in COLD_CATEGORIES:
        return 1.0, None
    wanted = need.cold - {"dry"}
    if not wanted:
        if "dry" in need.cold and offer.cold and not offer.cold & {"dry"}:
            return 0.7, None  # dry goods in a cold room: it works, at a cost
        return 1.0, None
    if offer.dry_only:
        return 0.0, {"code": "cold_missing"}
    if wanted <= offer.cold or ("chilled" in wanted and "frozen" not in wanted and "chilled" in offer.cold):
        return 1.0, {"code": "cold_ok"}
    if "frozen" in wanted and "chilled" in offer.cold:
        return 0.15, {"code": "cold_missing"}
    if "chilled" in wanted and "frozen" in offer.cold:
        return 0.25, {"code": "cold_missing"}
    return 0.4, {"code": "cold_unknown"}


def language_fit(offer: PostFacts, need: PostFacts) -> tuple[float, Reason | None]:
    """The languages a need names, against those the offer names."""
    if not need.languages:
        return 1.0, None
    if not offer.languages:
        return 0.6, None
    share = len(need.languages & offer.languages) / len(need.languages)
    if not share:
        return 0.05, {"code": "languages_missing"}
    return 0.55 + 0.45 * share, ({"code": "languages", "percent": round(100 * share)} if share < 1 else None)


def conditions(offer: PostFacts, need: PostFacts, idf: Idf) -> tuple[float, list[Reason]]:
    factor, reasons = 1.0, []
    for value, reason in (temperature_fit(offer, need), language_fit(offer, need)):
        factor *= value
        if reason:
            reasons.append(reason)
    if offer.job_advert and (need.category == "staff" or "staff" in need.cues):
        factor *= 0.1  # a job advert is not a staff loan
        reasons.append({"code": "job_advert"})
    for qualifier in need.qualifiers:
        opposite = OPPOSITE_QUALIFIERS[qualifier]
        if opposite in offer.qualifiers and qualifier not in offer.qualifiers:
            factor *= 0.15
            reasons.append({"code": "qualifier_mismatch"})
            break
    conflict = negation_conflict(offer.text, need.text, idf)
    if conflict > DENIED_FROM:
        factor *= max(DENIED_FLOOR, 1.0 - conflict)
        reasons.append({"code": "denied"})
    excluded = exclusion_conflict(offer.text, need.text, idf)
    if excluded >= EXCLUDED_FROM:
        factor *= max(DENIED_FLOOR, 1.0 - EXCLUDED_SLOPE * excluded)
        reasons.append({"code": "excluded"})
    return factor, reasons


DENIED_FROM = 0.2  # share of what is asked that the offer rules out, from which it counts
DENIED_FLOOR = 0.3
EXCLUDED_FROM = 0.1  # share of the offer's title that the need rules out, from which it counts
EXCLUDED_SLOPE = 3.0  # a need that rules out a fifth of what the offer is hardly wants it


# --------------------------------------------------------------------------- combination


@dataclass
class Judgement:
    score: float
    reasons: list[Reason] = field(default_factory=list)
    factors: dict[str, float] = field(default_factory=dict)


def resource(text: float, category: float, offer: PostFacts, need: PostFacts) -> float:
    """Is it the same resource: the words first, the category as a prior, stronger for the categories whose name
    alone tells the resource (storage, premises, transport), and for staff when no particular skill is asked."""
    if need.category == "staff" or "staff" in need.cues:
        prior = 0.5 if need.general_labour and offer.general_labour else 0.2 if need.general_labour else 0.12
    else:
        prior = GENERIC.get(need.category, OTHER_PRIOR)
    if category < 0.8 and need.category not in offer.cues | need.cues:
        prior = 0.1  # another kind of resource: only the words can tell it is the same
    prior *= category
    evidence = prior + (1.0 - prior) * text
    return evidence * (0.35 + 0.65 * category)


def _below(bound: float) -> Judgement:
    return Judgement(0.0, [{"code": "below"}], {"bound": bound})


def judge(offer: PostFacts, need: PostFacts, idf: Idf, today: date, at_least: float = 0.0) -> Judgement:
    """The score of one (offer, need) pair in [0, 1] with its reasons; 0 for two posts of one company.

    ``at_least``: a pair that could not reach this score even if its words said exactly the same thing is given
    0 (reason ``below``) without comparing the words (the text is the costly factor: a third of a rebuild)."""
    if offer.company_id == need.company_id:
        return Judgement(0.0, [{"code": "same_company"}])
    category = category_fit(offer.category, need.category, offer.cues, need.cues)
    # the best the resource can be (perfect words; a cold unit for a cold-storage need counts as one)
    ceiling = resource(1.0, max(category, COLD_UNIT_FIT) if need.category == "storage"
                       and offer.category == "equipment" else category, offer, need)
    floor = at_least - 1e-4  # the score is rounded to 4 decimals
    place, place_reason = reach(offer, need)
    if ceiling * place < floor:
        return _below(ceiling * place)
    when, when_reason = timing(offer.available_from, offer.available_until, need.available_from,
                               need.available_until, today, goods=offer.goods or need.category in WINDOW_NEEDS)
    if ceiling * place * when < floor:
        return _below(ceiling * place * when)
    amount, amount_reason = quantity_fit(offer, need)
    condition, condition_reasons = conditions(offer, need, idf)
    cold_unit = bool(condition_reasons) and condition_reasons[0].get("code") == "cold_ok" \
        and need.category == "storage" and offer.category == "equipment"
    if at_least > 0.0:
        best_category = max(category, COLD_UNIT_FIT) if cold_unit else category
        bound = resource(1.0, best_category, offer, need) * place * when * amount * condition
        if bound < floor:
            return _below(bound)
    text = text_relevance(offer.text, need.text, idf)
    if cold_unit:
        text = max(text, COLD_EVIDENCE)  # the cold is what such a need asks for: a cold room, a reefer
        category = max(category, COLD_UNIT_FIT)
    what = resource(text, category, offer, need)
    score = what * place * when * amount * condition
    reasons: list[Reason] = []
    if offer.category == need.category:
        reasons.append({"code": "same_category"})
    elif category >= 0.5:
        reasons.append({"code": "related_category"})
    reasons.append(place_reason)
    for reason in (amount_reason, when_reason):
        if reason:
            reasons.append(reason)
    reasons.extend(condition_reasons)
    factors = {"text": text, "category": category, "resource": what, "place": place, "time": when,
               "quantity": amount, "conditions": condition}
    return Judgement(round(max(0.0, min(1.0, score)), 4), reasons, factors)


# --------------------------------------------------------------------------- reasons in words


def reason_label(reason: Reason) -> str | None:
    """One reason in the reader's language (None for a code this version does not know)."""
    code = reason.get("code")
    if code == "same_category":
        return _("same category")
    if code == "related_category":
        return _("related category")
    if code == "distance":
        return _("%(km)s km away", km=reason.get("km", 0))
    if code == "beyond_radius":
        return _("%(km)s km away, beyond the %(radius)s km radius", km=reason.get("km", 0),
                 radius=reason.get("radius", 0))
    if code == "delivers":
        return _("delivers there (%(km)s km)", km=reason.get("km", 0))
    if code == "ships":
        return _("can be shipped (%(km)s km)", km=reason.get("km", 0))
    if code == "ships_beyond":
        return _("can be shipped from %(km)s km, beyond the %(radius)s km radius", km=reason.get("km", 0),
                 radius=reason.get("radius", 0))
    if code == "remote":
        return _("done remotely")
    if code == "route":
        towns = reason.get("towns") or []
        return _("its route serves %(towns)s", towns=", ".join(towns)) if towns else _("on its route")
    if code == "route_elsewhere":
        return _("its route goes elsewhere")
    if code == "dates_full":
        return _("available for the whole period")
    if code == "dates_partial":
        return _("available for %(percent)s %% of the period", percent=reason.get("percent", 0))
    if code in ("dates_apart", "dates_past"):
        return _("dates do not overlap")
    if code == "quantity":
        percent = reason.get("percent", 0)
        if percent >= 100:
            return _("covers the whole quantity")
        return _("covers %(percent)s %% of the quantity", percent=percent)
    if code == "cold_ok":
        return _("suitable temperature")
    if code == "cold_missing":
        return _("temperature not suitable")
    if code == "cold_unknown":
        return _("temperature not stated")
    if code == "languages":
        return _("%(percent)s %% of the languages", percent=reason.get("percent", 0))
    if code == "languages_missing":
        return _("not the languages asked for")
    if code == "job_advert":
        return _("a job advert, not a staff loan")
    if code == "qualifier_mismatch":
        return _("not the grade asked for")
    if code == "denied":
        return _("the offer rules out what is asked for")
    if code == "excluded":
        return _("the need rules out what is offered")
    if code == "same_company":
        return _("same company")
    return None


def reason_labels(reasons: list[Reason] | None) -> list[str]:
    """The reasons of a match in the reader's language, in order (unknown codes left out)."""
    return [label for label in (reason_label(r) for r in reasons or []) if label]


def reason_text(reasons: list[Reason] | None, separator: str = " · ") -> str:
    """"même catégorie · à 12 km · couvre 80 % de la quantité · disponible sur toute la période"."""
    return separator.join(reason_labels(reasons))
