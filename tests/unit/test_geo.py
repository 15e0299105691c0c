"""Postcode and commune lookups against the shipped table (marketplace/data/postcodes.csv.gz)."""

import flask
import flask_babel
import pytest

from marketplace.services import geo

# (south, north, west, east) of each territory, with a small margin.
BOXES = {
    "metropolitan": (41.3, 51.2, -5.2, 9.6),
    "971": (15.8, 16.6, -61.9, -60.9),
    "972": (14.35, 14.9, -61.25, -60.8),
    "973": (2.1, 5.8, -54.65, -51.6),
    "974": (-21.4, -20.85, 55.2, 55.85),
    "976": (-13.05, -12.6, 44.95, 45.35),
}


@pytest.fixture
def app_context():
    app = flask.Flask(__name__)
    flask_babel.Babel(app)
    with app.app_context():
        yield


def test_paris_first_arrondissement():
    [commune] = geo.communes_for("75001")
    assert commune.insee == "75101"
    assert commune.name == "Paris 1er Arrondissement"
    assert (commune.departement, commune.departement_name) == ("75", "Paris")
    assert (commune.region, commune.region_name) == ("11", "Île-de-France")


def test_postcode_with_spaces_is_normalized():
    assert geo.normalize_postcode(" 75 001 ") == "75001"
    assert geo.communes_for("75 001")[0].postcode == "75001"


def test_postcode_shared_by_several_communes_sorted_by_name():
    communes = geo.communes_for("51300")
    assert len(communes) > 10
    assert len({c.insee for c in communes}) == len(communes)
    assert all(c.departement == "51" and c.postcode == "51300" for c in communes)
    names = [c.name for c in communes]
    assert names[:2] == ["Bassu", "Bassuet"]


def test_commune_names_carry_their_article():
    assert geo.communes_for("76600")[0].name == "Le Havre"


@pytest.mark.parametrize(("postcode", "name", "departement", "departement_name"), [
    ("20000", "Ajaccio", "2A", "Corse-du-Sud"),
    ("20200", "Bastia", "2B", "Haute-Corse"),
])
def test_corsica(postcode, name, departement, departement_name):
    commune = geo.find_commune(postcode, name)
    assert (commune.departement, commune.departement_name) == (departement, departement_name)
    assert (commune.region, commune.region_name) == ("94", "Corse")


@pytest.mark.parametrize(("postcode", "name", "departement", "region_name"), [
    ("97110", "Pointe-à-Pitre", "971", "Guadeloupe"),
    ("97200", "Fort-de-France", "972", "Martinique"),
    ("97300", "Cayenne", "973", "Guyane"),
    ("97400", "Saint-Denis", "974", "La Réunion"),
    ("97600", "Mamoudzou", "976", "Mayotte"),
])
def test_overseas(postcode, name, departement, region_name):
    commune = geo.find_commune(postcode, name)
    assert commune.departement == departement
    assert commune.region_name == region_name


def test_lyon_and_marseille_arrondissements():
    lyon = geo.communes_for("69003")
    assert [(c.insee, c.name) for c in lyon] == [("69383", "Lyon 3e Arrondissement")]
    marseille = geo.find_commune("13008", "Marseille")
    assert (marseille.insee, marseille.departement) == ("13208", "13")


def test_lyon_coordinates_are_in_lyon():
    for postcode in ("69001", "69002", "69003", "69005", "69006"):
        commune = geo.communes_for(postcode)[0]
        assert geo.distance_km(45.76, 4.83, commune.latitude, commune.longitude) < 5


@pytest.mark.parametrize("raw", ["", "   ", "7500", "ABCDE", "750011", "75-001", "7500A"])
def test_invalid_postcodes(raw):
    with pytest.raises(geo.InvalidPostcode):
        geo.normalize_postcode(raw)
    with pytest.raises(geo.InvalidPostcode):
        geo.communes_for(raw)


def test_unknown_postcode():
    with pytest.raises(geo.UnknownPostcode):
        geo.communes_for("99999")
    with pytest.raises(geo.UnknownPostcode):
        geo.find_commune("99999", "Nulle-Part")


def test_errors_are_domain_errors_with_readable_messages(app_context):
    with pytest.raises(geo.UnknownPostcode) as unknown:
        geo.communes_for("99999")
    assert isinstance(unknown.value, geo.DomainError)
    assert "99999" in str(unknown.value.message)
    with pytest.raises(geo.InvalidPostcode) as invalid:
        geo.normalize_postcode("7500")
    assert "7500" in str(invalid.value.message)


@pytest.mark.parametrize("city", [
    "Saint-Étienne", "saint etienne", "SAINT-ETIENNE", "St Etienne", "ST-ÉTIENNE", "  st étienne ",
    "Saint-Etienne Cedex 2",
])
def test_city_matching_ignores_case_accents_hyphens_and_abbreviations(city):
    assert geo.find_commune("42000", city).insee == "42218"


def test_city_matching_with_or_without_article():
    assert geo.find_commune("76600", "Havre").name == "Le Havre"
    assert geo.find_commune("76600", "LE HAVRE").name == "Le Havre"


def test_city_matching_picks_the_right_commune_of_a_shared_postcode():
    assert geo.find_commune("20200", "santa maria di lota").insee == "2B309"
    assert geo.find_commune("51300", "Bassuet").insee == "51040"


def test_city_matching_accepts_the_city_name_for_an_arrondissement():
    assert geo.find_commune("75001", "Paris").insee == "75101"
    assert geo.find_commune("75008", "PARIS CEDEX 08").insee == "75108"
    assert geo.find_commune("69001", "Lyon 1er").insee == "69381"


def test_no_city_gives_the_first_commune():
    assert geo.find_commune("51300", None).name == "Bassu"
    assert geo.find_commune("51300", "  ").name == "Bassu"


def test_city_not_in_postcode(app_context):
    with pytest.raises(geo.CityNotInPostcode) as error:
        geo.find_commune("75001", "Lyon")
    assert "Lyon" in str(error.value.message)
    assert "Paris 1er Arrondissement" in str(error.value.message)


def test_departements_and_regions():
    departements = geo.departements()
    codes = [code for code, _ in departements]
    assert len(departements) == 101
    assert codes.index("2A") == codes.index("29") + 1 and codes.index("2B") == codes.index("30") - 1
    assert codes[-1] == "976"
    regions = geo.regions()
    assert len(regions) == 18
    names = [name for _, name in regions]
    assert names.index("Île-de-France") == names.index("Hauts-de-France") + 1


def test_departement_lookups():
    assert geo.departement_name("2A") == "Corse-du-Sud"
    assert geo.departement_name("99") is None
    assert geo.region_of_departement("974") == ("04", "La Réunion")
    assert geo.region_of_departement("69") == ("84", "Auvergne-Rhône-Alpes")
    assert geo.region_of_departement("20") is None


def test_distance_paris_lyon():
    assert geo.distance_km(48.8566, 2.3522, 45.7640, 4.8357) == pytest.approx(392, abs=5)
    assert geo.distance_km(45.0, 5.0, 45.0, 5.0) == 0


def test_every_commune_lies_within_its_territory():
    tables = geo._communes_by_postcode()
    assert len(tables) > 6000
    for communes in tables.values():
        for commune in communes:
            south, north, west, east = BOXES.get(commune.departement, BOXES["metropolitan"])
            assert south <= commune.latitude <= north, commune
            assert west <= commune.longitude <= east, commune
