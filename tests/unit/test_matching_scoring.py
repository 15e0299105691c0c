"""The matching engine's pure scoring functions, one factor at a time, then their combination."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from marketplace.matching import scoring
from marketplace.matching.facts import read_post
from marketplace.matching.places import gazetteer
from marketplace.matching.quantities import amounts, coverage, parse_unit
from marketplace.matching.text import PhraseGroups, related_groups, split_negated, text_facts
from marketplace.search.thesaurus import default_groups

TODAY = date(2027, 1, 4)
LYON = (45.7578, 4.8320)
VILLEURBANNE = (45.7719, 4.8902)  # 5 km from Lyon
GRENOBLE = (45.1885, 5.7245)  # about 95 km
MARSEILLE = (43.2965, 5.3698)  # about 280 km


def idf(term: str) -> float:
    return 2.0


@pytest.fixture(scope="module")
def groups() -> PhraseGroups:
    return PhraseGroups(default_groups(), related_groups())


def post(groups=None, **fields):
    """The facts of a post: a storage offer in Lyon unless told otherwise."""
    kind = fields.pop("kind", "offer")
    place = fields.pop("place", LYON)
    row = {"id": fields.pop("id", 1), "kind": kind, "category": "storage", "company_id": 1,
           "title": "Entrepôt sec disponible", "description": "Entrepôt sec et sécurisé, quai de chargement.",
           "quantity": None, "unit": None, "city": "Lyon", "latitude": place[0], "longitude": place[1],
           "departement": "69", "radius_km": 30 if kind == "need" else None, "available_from": None,
           "available_until": None, "external_ref": None}
    row.update(fields)
    return read_post(row, groups, gazetteer())


# --------------------------------------------------------------------------- text


def test_negated_clauses_are_kept_apart():
    positive, negated = split_negated("Produits secs uniquement : aucun de nos camions n'est frigorifique.")
    assert "sec" in positive and "uniqu" in positive
    assert "frigorif" in negated and "frigorif" not in positive


def test_a_negation_ends_with_its_statement():
    positive, negated = split_negated("Notre fournisseur ne peut plus livrer et il nous faut 200 litres")
    assert "litr" in positive and "livr" in negated


def test_same_words_are_fully_relevant_and_no_shared_word_is_not(groups):
    a = text_facts("Entrepôt sec de 300 m²", "Entrepôt sec, quai de chargement", groups)
    b = text_facts("Entrepôt sec de 300 m²", "Entrepôt sec, quai de chargement", groups)
    c = text_facts("Traduction en allemand", "Catalogue de 40 pages à traduire", groups)
    assert scoring.text_relevance(a, b, idf) == 1.0
    assert scoring.text_relevance(a, c, idf) == 0.0


def test_synonyms_of_the_thesaurus_meet(groups):
    need = text_facts("Besoin d'un Fenwick", "Pour décharger des palettes", groups)
    offer = text_facts("Chariot élévateur à prêter", "Chariot élévateur électrique", groups)
    other = text_facts("Nacelle à prêter", "Nacelle électrique", groups)
    assert scoring.text_relevance(need, offer, idf) > scoring.text_relevance(need, other, idf)
    assert scoring.text_relevance(need, offer, idf) > 0.3


def test_related_families_meet_less_than_synonyms(groups):
    phrase = ("polair",)
    need = text_facts("Vêtements chauds pour l'équipe", "", groups)
    offer = text_facts("Polaires en surplus", "", groups)
    assert scoring.unit_met(phrase, offer, need) == scoring.RELATED_WEIGHT


def test_a_word_qualified_otherwise_hardly_counts(groups):
    wood = text_facts("Granulés de bois pour chaudière", "", groups)
    plastic = text_facts("Granulés de polypropylène", "", groups)
    assert scoring.unit_met("granul", wood, plastic) == scoring.QUALIFIED_OTHERWISE


def test_what_an_offer_rules_out_conflicts_with_what_a_need_asks(groups):
    need = text_facts("Solution hydroalcoolique", "Solution hydroalcoolique pour les mains", groups)
    offer = text_facts("Désinfectant de surface", "Ce n'est pas une solution hydroalcoolique.", groups)
    assert scoring.negation_conflict(offer, need, idf) > 0.5
    assert scoring.negation_conflict(need, need, idf) == 0.0


def test_what_a_need_rules_out_conflicts_with_what_an_offer_is(groups):
    offer = text_facts("Camion plateau avec chauffeur", "Camion plateau de 6 t avec son chauffeur.", groups)
    need = text_facts("Cherche camionnette", "Une camionnette de 12 m³, sans chauffeur : nous avons nos livreurs.",
                      groups)
    plain = text_facts("Cherche camionnette", "Une camionnette de 12 m³ pour décembre.", groups)
    assert scoring.exclusion_conflict(offer, need, idf) >= scoring.EXCLUDED_FROM
    assert scoring.exclusion_conflict(offer, plain, idf) == 0.0
    # a need that asks for it somewhere does not rule it out
    both = text_facts("Cherche camion avec chauffeur", "Sans chauffeur ce serait impossible.", groups)
    assert scoring.exclusion_conflict(offer, both, idf) == 0.0


def test_the_coverage_of_words_is_the_weighted_sum_of_the_units_met(groups):
    texts = [text_facts(*pair, groups) for pair in (
        ("Chariot élévateur à prêter", "Chariot élévateur électrique, 2 t, avec cariste."),
        ("Besoin d'un Fenwick", "Pour décharger des palettes de granulés de bois."),
        ("Granulés de polypropylène", "Granulés vierges pour injection, palettes de 25 kg."),
        ("Entrepôt sec", "Entrepôt sec de 300 m², quai de chargement, palettes."),
    )]
    for a in texts:
        for b in texts:
            for title_only, in_title in ((False, False), (True, False), (True, True)):
                units, total = scoring.weighted_units(a, idf, title_only)
                target = scoring._title_only(b) if in_title else b
                expected = sum(w * scoring.unit_met(u, a, target) for u, w in units) / total if total else 0.0
                assert scoring.coverage_of(a, b, idf, title_only, in_title) == pytest.approx(expected)


def test_an_attribute_phrase_counts_as_little_as_an_attribute(groups):
    used = text_facts("Palettes d'occasion", "", groups)
    phrase = next(unit for unit in used.title if isinstance(unit, tuple) and "occas" in unit)
    assert scoring.unit_weight(phrase, idf) == pytest.approx(scoring.ATTRIBUTE_WEIGHT * idf("occas"))
    assert scoring.unit_weight(("chariot", "elev"), idf) == idf("chariot")


# --------------------------------------------------------------------------- category


def test_category_fit():
    assert scoring.category_fit("storage", "storage") == 1.0
    related = scoring.category_fit("premises", "storage")
    unrelated = scoring.category_fit("services", "raw_materials")
    assert 0.5 <= related < 1.0
    assert unrelated == scoring.UNRELATED < related
    # a staff need filed under transport: its words say staff
    assert scoring.category_fit("staff", "transport", need_cues=frozenset({"staff"})) >= 0.9


# --------------------------------------------------------------------------- place


def test_within_the_radius_the_distance_is_given():
    value, reason = scoring.reach(post(place=VILLEURBANNE), post(kind="need", radius_km=30))
    assert value == 1.0 and reason == {"code": "distance", "km": 5}


def test_far_beyond_the_radius_rules_out_and_a_little_beyond_halves():
    assert scoring.reach(post(place=MARSEILLE), post(kind="need", radius_km=30))[0] == 0.0
    value, reason = scoring.reach(post(place=GRENOBLE), post(kind="need", radius_km=80))
    assert 0.5 <= value < 1.0 and reason["code"] == "beyond_radius"
    # 1.5 to 2 times the radius: farther than the company said it can go, by far
    value, reason = scoring.reach(post(place=GRENOBLE), post(kind="need", radius_km=55))
    assert value == scoring.BEYOND_FAR and reason["code"] == "beyond_radius"


def test_remote_services_ignore_distance():
    offer = post(category="services", title="Support informatique", description="Tout se fait à distance.",
                 place=MARSEILLE)
    need = post(kind="need", category="services", title="Dépannage informatique",
                description="Intervention à distance acceptée.")
    assert scoring.reach(offer, need) == (1.0, {"code": "remote"})


def test_goods_that_ship_come_from_beyond_the_radius():
    offer = post(category="supplies", title="Gants nitrile", description="Envoi en colis partout en France.",
                 place=MARSEILLE)
    need = post(kind="need", category="supplies", title="Gants nitrile",
                description="Envoi par colis accepté depuis n'importe où en France.")
    value, reason = scoring.reach(offer, need)
    assert value == 1.0 and reason["code"] == "ships"
    plain = post(kind="need", category="supplies", title="Gants nitrile", description="Retrait sur place.")
    assert 0.0 < scoring.reach(offer, plain)[0] < 1.0  # it ships, the need did not ask


def test_an_offer_delivering_in_the_need_departement_reaches_it():
    offer = post(category="equipment", title="Location de chariots",
                 description="Livraison dans tout le Rhône et l'Isère.", place=GRENOBLE)
    need = post(kind="need", category="equipment", radius_km=20)
    assert scoring.reach(offer, need)[1]["code"] == "delivers"


def test_a_carrier_is_judged_by_the_towns_its_route_serves():
    carrier = post(category="transport", title="Ligne régulière Marseille – Avignon – Lyon",
                   description="Places palettes disponibles, départ de Marseille chaque matin.", place=MARSEILLE)
    need = post(kind="need", category="transport", title="Livrer 3 palettes à Avignon",
                description="Enlèvement à Lyon, livraison à Avignon chaque semaine.", radius_km=20)
    elsewhere = post(kind="need", category="transport", title="Livrer 3 palettes à Bordeaux",
                     description="Enlèvement à Lyon, livraison à Bordeaux chaque semaine.", radius_km=20)
    value, reason = scoring.reach(carrier, need)
    assert value == 1.0 and reason == {"code": "route", "towns": ["Avignon"]}
    assert scoring.reach(carrier, elsewhere)[0] < 0.5


def test_a_one_way_route_only_serves_its_direction():
    carrier = post(category="transport", title="Tournée Lyon – Avignon – Marseille",
                   description="Dans le sens nord-sud uniquement.")
    south = post(kind="need", category="transport", title="Palettes vers Marseille",
                 description="Au départ de Lyon vers Marseille.", radius_km=20)
    north = post(kind="need", category="transport", title="Palettes vers Lyon",
                 description="Au départ de Marseille vers Lyon.", radius_km=20, place=MARSEILLE)
    assert scoring.reach(carrier, south)[0] == 1.0
    assert scoring.reach(carrier, north)[0] < 0.5


# --------------------------------------------------------------------------- time


def test_no_dates_means_always():
    assert scoring.timing(None, None, None, None, TODAY) == (1.0, {"code": "dates_full"})


def test_dates_that_do_not_meet_rule_out():
    value, reason = scoring.timing(TODAY, TODAY + timedelta(days=10), TODAY + timedelta(days=20),
                                   TODAY + timedelta(days=30), TODAY)
    assert value == 0.0 and reason["code"] == "dates_apart"


def test_partly_covered_period_lowers_a_loan_more_than_goods():
    loan, reason = scoring.timing(TODAY, TODAY + timedelta(days=9), TODAY, TODAY + timedelta(days=19), TODAY)
    goods, _ = scoring.timing(TODAY, TODAY + timedelta(days=9), TODAY, TODAY + timedelta(days=19), TODAY,
                              goods=True)
    assert reason == {"code": "dates_partial", "percent": 50}
    assert 0.5 <= loan < goods < 1.0


# --------------------------------------------------------------------------- quantity


def test_units_are_converted():
    assert parse_unit("tonnes par semaine").period_days == 7
    assert coverage(amounts(2500, "kg"), amounts(2, "tonnes")) == 1.0
    assert coverage(amounts(1, "tonne"), amounts(2000, "kg")) == 0.5
    assert coverage(amounts(3, "heures"), amounts(2, "jours")) == pytest.approx(3 / 14)
    assert coverage(amounts(2, "m²"), amounts(3, "kg")) is None


def test_containers_are_opened():
    gloves = amounts(4, "cartons", "4 cartons de 1 000 gants en nitrile")
    assert coverage(gloves, amounts(5000, "gants")) == pytest.approx(0.8)
    gel = amounts(300, "bidons", "300 bidons de 5 L de gel")
    assert coverage(gel, amounts(200, "litres")) == 1.0


def test_quantity_fit():
    need = post(kind="need", quantity=40, unit="palettes")
    assert scoring.quantity_fit(post(quantity=60, unit="palettes"), need) == (
        1.0, {"code": "quantity", "percent": 100})
    value, reason = scoring.quantity_fit(post(quantity=20, unit="palettes"), need)
    assert reason == {"code": "quantity", "percent": 50} and 0.6 < value < 1.0
    assert scoring.quantity_fit(post(quantity=100, unit="m²"), need) == (0.97, None)


# --------------------------------------------------------------------------- conditions


def test_cold_chain():
    frozen = post(kind="need", title="Chambre froide négative", description="Stockage à -18 °C de surgelés.")
    chilled_offer = post(title="Chambre froide positive", description="Froid positif 0/+4 °C.")
    freezer = post(title="Chambre froide négative", description="Froid négatif à -25 °C.")
    dry = post(category="transport", title="Places palettes", description="Marchandises sèches uniquement.")
    chilled_need = post(kind="need", category="transport", title="Transport réfrigéré",
                        description="Produits frais à maintenir entre 2 et 6 °C.")
    assert scoring.temperature_fit(freezer, frozen)[0] == 1.0
    assert scoring.temperature_fit(chilled_offer, frozen)[0] < 0.3
    assert scoring.temperature_fit(dry, chilled_need) == (0.0, {"code": "cold_missing"})


def test_languages():
    need = post(kind="need", category="services", title="Traduction", description="Vers l'anglais et l'allemand.")
    both = post(category="services", title="Traductions", description="Anglais, allemand, espagnol.")
    german = post(category="staff", title="Assistante", description="De langue maternelle allemande.")
    chinese = post(category="services", title="Traductions", description="Chinois et japonais.")
    assert scoring.language_fit(both, need)[0] == 1.0
    assert 0.5 < scoring.language_fit(german, need)[0] < 1.0
    assert scoring.language_fit(chinese, need)[0] < 0.1


def test_a_job_advert_is_not_a_staff_loan():
    advert = post(category="staff", title="Offre d'emploi : caristes en CDI",
                  description="Nous recrutons. Envoyez votre CV et lettre de motivation.")
    need = post(kind="need", category="staff", title="Deux caristes en prêt", description="Prêt de personnel.")
    value, reasons = scoring.conditions(advert, need, idf)
    assert value < 0.2 and {"code": "job_advert"} in reasons


def test_virgin_material_is_not_recycled():
    need = post(kind="need", category="raw_materials", title="Polypropylène vierge", description="En granulés.")
    recycled = post(category="raw_materials", title="Broyé de polypropylène recyclé", description="Noir.")
    assert scoring.conditions(recycled, need, idf)[0] < 0.2


# --------------------------------------------------------------------------- combination


def test_a_pair_that_cannot_reach_the_floor_is_not_compared_word_by_word(groups):
    offer = post(groups, title="Entrepôt sec de 300 m² à louer", place=MARSEILLE)
    need = post(groups, kind="need", id=2, company_id=2, title="Cherche entrepôt sec", radius_km=30)
    assert scoring.judge(offer, need, idf, TODAY, at_least=0.25) == scoring.Judgement(
        0.0, [{"code": "below"}], {"bound": 0.0})
    near = post(groups, title="Entrepôt sec de 300 m² à louer", place=VILLEURBANNE)
    full = scoring.judge(near, need, idf, TODAY)
    assert full.score > 0.5
    assert scoring.judge(near, need, idf, TODAY, at_least=0.25) == full  # above the floor: the same judgement
    # the bound takes a perfect text: a pair whose words differ is still judged when the rest allows the floor
    other = post(groups, kind="need", id=3, company_id=3, title="Traduction en chinois", radius_km=30)
    assert scoring.judge(near, other, idf, TODAY, at_least=0.25) == scoring.judge(near, other, idf, TODAY)


def test_what_a_post_says_survives_its_stored_form(groups):
    from marketplace.matching import codec

    rows = [
        dict(id=5, kind="offer", category="transport", title="Retour à vide Lyon - Marseille le mardi",
             description="Semi frigorifique, passage par Valence et Avignon, sens unique. Livraison possible "
                         "dans toute la France. 33 palettes.", quantity=33, unit="palettes"),
        dict(id=6, kind="need", category="staff", title="Cherche 2 manutentionnaires polyvalents",
             description="Pas de CDI : un prêt de personnel, anglais souhaité. Sans expérience accepté.",
             quantity=2, unit="personnes", radius_km=40, available_from=TODAY,
             available_until=TODAY + timedelta(days=20)),
        dict(id=7, kind="offer", category="supplies", title="Gants nitrile, cartons de 100",
             description="10 cartons de 100 gants, jetables. Enlèvement uniquement.", quantity=10,
             unit="cartons"),
    ]
    for fields in rows:
        facts = post(groups, **fields)
        row = {"id": facts.id, "kind": facts.kind, "category": facts.category, "company_id": facts.company_id,
               "latitude": facts.latitude, "longitude": facts.longitude, "departement": facts.departement,
               "radius_km": facts.radius_km, "available_from": facts.available_from,
               "available_until": facts.available_until, "external_ref": None}
        assert codec.load(codec.dump(facts), row) == facts
    assert codec.version_of("a") != codec.version_of("b")


def test_same_company_never_matches(groups):
    offer = post(groups, company_id=7)
    need = post(groups, kind="need", id=2, company_id=7, title="Cherche entrepôt sec")
    judgement = scoring.judge(offer, need, idf, TODAY)
    assert judgement.score == 0.0 and judgement.reasons == [{"code": "same_company"}]


def test_scores_stay_between_0_and_1(groups):
    offers = [post(groups, quantity=q, unit="palettes", place=p, available_until=u)
              for q in (None, 1, 500) for p in (LYON, GRENOBLE) for u in (None, TODAY + timedelta(days=3))]
    needs = [post(groups, kind="need", id=2, company_id=2, title=t, quantity=40, unit="palettes", radius_km=r,
                  available_from=TODAY, available_until=TODAY + timedelta(days=30))
             for t in ("Cherche entrepôt sec", "Entrepôt sec disponible", "Traduction en chinois") for r in (5, 100)]
    scores = [scoring.judge(o, n, idf, TODAY).score for o in offers for n in needs]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert max(scores) > 0.8 and min(scores) == 0.0


def test_a_good_pair_scores_high_and_gives_its_reasons(groups, app):
    offer = post(groups, title="Entrepôt sec de 300 m² à louer", quantity=60, unit="palettes",
                 place=VILLEURBANNE, available_from=TODAY, available_until=TODAY + timedelta(days=90))
    need = post(groups, kind="need", id=2, company_id=2, title="Cherche entrepôt sec pour 40 palettes",
                description="Entrepôt sec pour stocker nos palettes.", quantity=40, unit="palettes",
                available_from=TODAY + timedelta(days=10), available_until=TODAY + timedelta(days=40))
    judgement = scoring.judge(offer, need, idf, TODAY)
    assert judgement.score >= 0.7
    assert [r["code"] for r in judgement.reasons] == ["same_category", "distance", "quantity", "dates_full"]
    with force_locale("en"):
        assert scoring.reason_text(judgement.reasons) == (
            "same category · 5 km away · covers the whole quantity · available for the whole period")


def test_reason_labels_skip_unknown_codes(app):
    with force_locale("en"):
        assert scoring.reason_labels([{"code": "quantity", "percent": 80}, {"code": "from_the_future"}]) == [
            "covers 80 % of the quantity"]


def test_the_threshold_and_the_cap(app):
    from marketplace.services.matching import _suggest

    need = post(kind="need", id=100)
    judged = [(post(id=i), scoring.Judgement(score)) for i, score in enumerate((0.9, 0.8, 0.5, 0.2), start=1)]
    names = ("MATCH_MIN_SCORE", "MATCH_MAX_SUGGESTIONS", "MATCH_RELATIVE_CUT")
    saved = {name: app.config[name] for name in names}
    app.config.update(MATCH_MIN_SCORE=0.4, MATCH_MAX_SUGGESTIONS=2, MATCH_RELATIVE_CUT=0.5)
    try:
        found = _suggest(need, judged)
    finally:
        app.config.update(saved)
    assert [s.post_id for s in found] == [1, 2]
    assert all(s.need_id == 100 for s in found)


def test_posts_that_are_each_others_best_are_paired_from_the_mutual_floor(app):
    from marketplace.services.matching import Computed, Suggestion

    computed = Computed(best={
        1: Suggestion(2, 1, 2, 0.3), 2: Suggestion(1, 1, 2, 0.3),  # each other's best
        3: Suggestion(4, 3, 4, 0.3), 4: Suggestion(5, 5, 4, 0.5),  # 3's best prefers another
        6: Suggestion(7, 6, 7, 0.1), 7: Suggestion(6, 6, 7, 0.1),  # mutual, but too weak
    })
    assert set(computed.with_mutual_bests(0.25)) == {(1, 2)}


def test_a_post_without_suggestion_is_rescued_by_a_counterpart_that_ranks_it_high(app):
    from marketplace.services.matching import Computed, Suggestion

    related = [{"code": "related_category"}]
    computed = Computed(
        best={1: Suggestion(2, 1, 2, 0.3, related),  # 2 ranks 1 second: rescued (a compatible category)
              3: Suggestion(2, 3, 2, 0.3, []),  # 2 ranks 3 third, but another kind of resource
              4: Suggestion(5, 4, 5, 0.3, related),  # 5 ranks 4 only fourth
              2: Suggestion(9, 9, 2, 0.9, related)},
        ranked={2: [9, 1, 3], 5: [6, 7, 8, 4]},
        pairs={(9, 2): Suggestion(9, 9, 2, 0.9, related)})
    assert set(computed.with_mutual_bests(0.25)) == {(9, 2), (1, 2)}


# --------------------------------------------------------------------------- evidence that names the resource


def test_function_words_are_no_evidence_but_phrases_keep_them(groups):
    a = text_facts("Dépannage informatique", "Intervention sous 4 heures, entre deux rendez-vous", groups)
    assert not {"sou", "entre", "deu"} & a.units() and "sou" not in a.terms
    b = text_facts("Logiciels sous licence libre", "Relecture de contrats", groups)
    assert scoring.text_relevance(a, b, idf) == 0.0  # "sous" said by both is not the same resource
    bonded = text_facts("Stockage sous douane", "Entrepôt sous douane à Lyon", groups)
    assert any(isinstance(u, tuple) and "sou" in u for u in bonded.units())  # a phrase of the thesaurus keeps it


def test_one_shared_word_of_both_descriptions_says_little(groups):
    a = text_facts("Palettes de récupération", "Palettes triées et réparées, formats hors normes acceptés", groups)
    b = text_facts("Gants nitrile", "Gants non poudrés, conformes à la norme EN 455", groups)
    c = text_facts("Palettes de récupération", "Palettes triées, formats hors normes", groups)
    d = text_facts("Palettes pour expédier", "Des palettes triées, formats hors normes", groups)
    lone = scoring.text_relevance(a, b, idf)
    assert 0.0 < lone <= scoring.LONE_BODY_TEXT
    assert scoring.text_relevance(c, d, idf) > 0.5  # the titles meet: no cap


def test_shared_wording_names_the_resource_only_through_a_title(groups):
    offer = text_facts("Four à sole disponible", "Cuisson de vos fournées, nettoyage du four à notre charge", groups)
    need = text_facts("Entreprise de nettoyage", "Parties communes de trois immeubles", groups)
    assert scoring.shared_units(offer, need, idf)  # they share a word, of one title only
    assert not scoring.names_the_resource(offer, need, idf)
    same = text_facts("Four à sole à partager", "Four de boulanger", groups)
    assert scoring.names_the_resource(offer, same, idf)  # title to title
    several = text_facts("Cuisson pour traiteurs", "Un four à sole pour nos fournées", groups)
    assert scoring.names_the_resource(offer, several, idf)  # several shared words, one in a title


def test_a_rescue_needs_the_resource_named_and_a_tenth_of_the_quantity(app, groups):
    from types import SimpleNamespace

    from marketplace.services.matching import _rescue_text

    ctx = SimpleNamespace(idf=idf)
    storage = post(groups, title="Cellule de stockage de 80 m²", description="Cellule sèche, location au mois")
    need = post(groups, kind="need", id=2, company_id=2, title="Stockage de 2 000 m² pour des bennes",
                description="Terrain ou cellule, location longue durée")
    good = scoring.Judgement(0.3, [{"code": "same_category"}, {"code": "quantity", "percent": 40}], {"text": 0.6})
    small = scoring.Judgement(0.3, [{"code": "same_category"}, {"code": "quantity", "percent": 4}], {"text": 0.6})
    assert _rescue_text(storage, need, good, ctx) == 0.6
    assert _rescue_text(storage, need, small, ctx) == 0.0  # less than a tenth of what is asked
    unrelated = post(groups, kind="need", id=3, company_id=3, title="Entreprise de nettoyage",
                     description="Nettoyage des parties communes, location de matériel exclue")
    assert _rescue_text(storage, unrelated, good, ctx) == 0.0  # one word of the descriptions: not named
