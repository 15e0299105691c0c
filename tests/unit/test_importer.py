"""The checks of services/importer.py, one by one (no database needed)."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from marketplace.models import Category, PostKind
from marketplace.services import importer
from marketplace.services.importer import Checked, ItemReader

COMPANY = {"key": "c1", "name": "Boulangerie des Pentes", "siret": "70000001100010", "naf": "10.71C",
           "sector": "Boulangerie", "address": "4 montée de la Grande-Côte", "postcode": "69001", "city": "Lyon",
           "lat": 45.768, "lon": 4.833, "contact_email": "fournil@example.fr"}
POST = {"key": "p1", "company": "c1", "kind": "need", "category": "storage", "title": "Cherche chambre froide",
        "description": "Chambre froide positive de 10 m³ pour dix jours.", "quantity": 10, "unit": "m³",
        "postcode": "69001", "city": "Lyon", "lat": 45.768, "lon": 4.833, "radius_km": 30,
        "available_from": "2027-01-04", "available_until": "2027-01-15", "free": True}


def reader(raw: dict, section: str = "posts") -> tuple[ItemReader, Checked]:
    checked = Checked()
    return ItemReader(section, 3, raw, checked), checked


def company(**changes) -> dict:
    return {**COMPANY, **changes}


def post(**changes) -> dict:
    return {**POST, **changes}


def problems_of_post(raw: dict) -> list[str]:
    item_reader, checked = reader(raw)
    importer.check_post(item_reader, {"c1"})
    return checked.problems


def problems_of_company(raw: dict) -> list[str]:
    item_reader, checked = reader(raw, "companies")
    importer.check_company(item_reader)
    return checked.problems


# --------------------------------------------------------------------------- whole items


def test_a_valid_post_is_read_with_every_field():
    item_reader, checked = reader(post(title="  Cherche   chambre froide "))

    item = importer.check_post(item_reader, {"c1"})

    assert checked.problems == []
    assert item.key == "p1" and item.company_key == "c1"
    assert item.kind is PostKind.NEED and item.category is Category.STORAGE
    assert item.title == "Cherche chambre froide"
    assert item.quantity == 10.0 and item.unit == "m³" and item.radius_km == 30
    assert item.available_from == date(2027, 1, 4) and item.available_until == date(2027, 1, 15)
    assert item.is_free is True
    assert item.commune.name == "Lyon 1er Arrondissement" and item.commune.departement == "69"


def test_a_valid_company_is_normalized():
    item_reader, checked = reader(company(siret="700 000 011 00010", naf="1071c", contact_email="Fournil@Example.FR"),
                                  "companies")

    item = importer.check_company(item_reader)

    assert checked.problems == []
    assert item.siret == "70000001100010"
    assert item.naf_code == "10.71C"
    assert item.contact_email == "fournil@example.fr"
    assert item.commune.insee == "69381"


def test_nulls_are_accepted_where_the_format_allows_them():
    raw = post(kind="offer", quantity=None, unit=None, radius_km=None, available_from=None, available_until=None,
               free=None)

    assert problems_of_post(raw) == []


def test_the_problems_name_the_section_index_and_key():
    assert problems_of_post(post(category="furniture")) == [
        'posts[3] (p1): category "furniture" is not one of storage, premises, raw_materials, supplies, equipment, '
        'transport, staff, production, services, surplus_goods']


def test_every_problem_of_an_item_is_reported_not_only_the_first():
    problems = problems_of_post(post(kind="gift", quantity=-1, free="yes", available_from="04/01/2027"))

    assert len(problems) == 4
    assert any("kind" in p for p in problems) and any("quantity" in p for p in problems)
    assert any("free" in p for p in problems) and any("available_from" in p for p in problems)


def test_an_item_without_a_usable_key_is_located_by_its_index():
    problems = problems_of_post(post(key=None))

    assert problems == ["posts[3]: key must be a non-empty string, got null"]


# --------------------------------------------------------------------------- fields


@pytest.mark.parametrize("missing", ["key", "company", "kind", "category", "title", "description", "quantity",
                                     "unit", "postcode", "city", "lat", "lon", "radius_km", "available_from",
                                     "available_until", "free"])
def test_every_field_of_a_post_is_required(missing):
    raw = post()
    del raw[missing]

    assert f"missing field '{missing}'" in " ".join(problems_of_post(raw))


@pytest.mark.parametrize("missing", ["key", "name", "siret", "naf", "sector", "address", "postcode", "city", "lat",
                                     "lon", "contact_email"])
def test_every_field_of_a_company_is_required(missing):
    raw = company()
    del raw[missing]

    assert f"missing field '{missing}'" in " ".join(problems_of_company(raw))


@pytest.mark.parametrize("changes, expected", [
    ({"quantity": "12"}, 'quantity must be a number or null, got "12"'),
    ({"quantity": True}, "quantity must be a number or null, got true"),
    ({"quantity": -3}, "quantity must be between 0 and 1000000000, got -3"),
    ({"quantity": float("nan")}, "quantity must be a number or null, got NaN"),
    ({"radius_km": 0}, "radius_km must be between 1 and 1000, got 0"),
    ({"radius_km": 1001}, "radius_km must be between 1 and 1000, got 1001"),
    ({"radius_km": "30"}, 'radius_km must be a number or null, got "30"'),
    ({"kind": "offer", "radius_km": 30}, "radius_km must be null for an offer, got 30"),
    ({"available_from": "2027-02-30"}, 'available_from must be an ISO date YYYY-MM-DD or null, got "2027-02-30"'),
    ({"available_until": "20270115"}, 'available_until must be an ISO date YYYY-MM-DD or null, got "20270115"'),
    ({"available_until": 20270115}, "available_until must be an ISO date YYYY-MM-DD or null, got 20270115"),
    ({"available_from": "2027-01-16"}, "available_until 2027-01-15 is before available_from 2027-01-16"),
    ({"free": "yes"}, 'free must be true, false or null, got "yes"'),
    ({"free": 1}, "free must be true, false or null, got 1"),
    ({"kind": "Offer"}, 'kind "Offer" is not one of offer, need'),
    ({"kind": None}, "kind null is not one of offer, need"),
    ({"category": ["storage"]}, 'category ["storage"] is not one of'),
    ({"company": "c9"}, 'company "c9" is not the key of a company of this file'),
    ({"company": 1}, "company 1 is not the key of a company of this file"),
    ({"title": "   "}, 'title must be a non-empty string, got "   "'),
    ({"title": "x" * 151}, "title is too long (151 characters, 150 at most)"),
    ({"description": 42}, "description must be a non-empty string, got 42"),
    ({"unit": ""}, 'unit must be a non-empty string or null, got ""'),
    ({"unit": "u" * 41}, "unit is too long (41 characters, 40 at most)"),
    ({"key": "k" * 101}, "key is too long (101 characters, 100 at most)"),
    ({"postcode": "99999"}, 'unknown postcode "99999"'),
    ({"postcode": "6900"}, 'postcode must be 5 digits, got "6900"'),
    ({"postcode": 69001}, "postcode must be a string of 5 digits, got 69001"),
    ({"lat": "45.7"}, 'lat must be a number, got "45.7"'),
    ({"lon": 200}, "lon must be between -180 and 180, got 200"),
])
def test_each_bad_post_field_gives_a_clear_problem(changes, expected):
    problems = problems_of_post(post(**changes))

    assert len(problems) == 1, problems
    assert problems[0].startswith("posts[3] (")
    assert expected in problems[0]


@pytest.mark.parametrize("changes, expected", [
    ({"siret": "70000001100011"}, 'siret must be a valid SIRET (14 digits, Luhn check digit), got "70000001100011"'),
    ({"siret": "7000000110001"}, "siret must be a valid SIRET"),
    ({"siret": 70000001100010}, "siret must be a valid SIRET (14 digits, Luhn check digit), got 70000001100010"),
    ({"naf": "99.99Z"}, "naf must be a NAF rév. 2 code such as '10.71C', got \"99.99Z\""),
    ({"naf": "boulangerie"}, "naf must be a NAF rév. 2 code"),
    ({"name": ""}, 'name must be a non-empty string, got ""'),
    ({"address": None}, "address must be a non-empty string, got null"),
    ({"contact_email": "not an email"}, 'contact_email must be an email address or null, got "not an email"'),
    ({"postcode": "00000"}, 'unknown postcode "00000"'),
])
def test_each_bad_company_field_gives_a_clear_problem(changes, expected):
    problems = problems_of_company(company(**changes))

    assert len(problems) == 1, problems
    assert problems[0].startswith("companies[3] (")
    assert expected in problems[0]


def test_a_fractional_radius_is_rounded_to_the_km():
    item = importer.check_post(reader(post(radius_km=24.6))[0], {"c1"})

    assert item.radius_km == 25


def test_a_city_outside_its_postcode_falls_back_to_the_nearest_commune_of_the_postcode():
    item_reader, checked = reader(company(postcode="69380", city="Chasselay-Gare", lat=45.874, lon=4.772),
                                  "companies")

    item = importer.check_company(item_reader)

    assert checked.problems == []
    assert item.commune.name == "Chasselay" and item.commune.postcode == "69380"
    assert checked.notes == ["companies[3] (c1): 'Chasselay-Gare' is not a commune of postcode 69380: "
                             "'Chasselay' used (nearest to 45.874, 4.772)"]


def test_a_known_city_spelt_differently_is_found_without_a_note():
    item_reader, checked = reader(post(postcode="69001", city="LYON 1ER ARRONDISSEMENT"))

    assert importer.check_post(item_reader, {"c1"}).commune.insee == "69381"
    assert checked.notes == []


# --------------------------------------------------------------------------- the whole document


def document(**changes) -> dict:
    data = {"companies": [copy.deepcopy(COMPANY)], "posts": [copy.deepcopy(POST)], "relevance": []}
    data.update(changes)
    return data


def test_a_valid_document_passes():
    checked = importer.check_items(document())

    assert checked.problems == []
    assert [c.key for c in checked.companies] == ["c1"] and [p.key for p in checked.posts] == ["p1"]


def test_duplicate_keys_and_sirets_are_problems():
    data = document(companies=[company(), company(key="c2"), company(key="c1", siret="70000002900012")],
                    posts=[post(), post()])

    problems = importer.check_items(data).problems

    assert "companies[2] (c1): duplicate key 'c1' (first at companies[0])" in problems
    assert "posts[1] (p1): duplicate key 'p1' (first at posts[0])" in problems
    assert "companies[1] (c2): SIRET 70000001100010 is also the SIRET of company 'c1'" in problems


def test_keys_are_compared_as_read_spaces_trimmed():
    data = document(companies=[company(key=" c1 ")], posts=[post(company="c1 "), post(key=" p1")])

    checked = importer.check_items(data)

    assert checked.problems == ["posts[1] (p1): duplicate key 'p1' (first at posts[0])"]
    assert checked.companies[0].key == "c1" and checked.posts[0].company_key == "c1"


def test_an_item_that_is_not_an_object_is_a_problem():
    problems = importer.check_items(document(posts=[post(), ["p2"]])).problems

    assert problems == ["posts[1]: must be an object, got a list"]


@pytest.mark.parametrize("data, expected", [
    ([], "the file must hold one JSON object with the keys companies, posts, relevance, not a list"),
    ("text", "not a string"),
    ({"companies": []}, "the top-level key 'posts' is missing"),
    ({"companies": {}, "posts": []}, "'companies' must be a list, not an object"),
    ({"companies": [], "posts": None}, "'posts' must be a list, not null"),
    ({"companies": [], "posts": [], "post": []}, "unexpected top-level key(s) 'post'"),
])
def test_a_wrong_top_level_shape_is_one_clear_error(data, expected):
    with pytest.raises(importer.ImportFileError) as caught:
        importer.check_top_level(data)

    assert expected in str(caught.value.message)


def test_the_relevance_key_is_optional_and_its_content_ignored():
    importer.check_top_level({"companies": [], "posts": []})
    importer.check_top_level({"companies": [], "posts": [], "relevance": "anything"})


# --------------------------------------------------------------------------- reading the file


def test_read_file_gives_the_document(tmp_path):
    path = tmp_path / "set.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(document()).encode())  # with a BOM, as spreadsheets write

    assert importer.read_file(path)["companies"][0]["key"] == "c1"


@pytest.mark.parametrize("content, expected", [
    (b'{"companies": [', "is not valid JSON: Expecting value at line 1, column 16"),
    (b"", "is not valid JSON: Expecting value at line 1, column 1"),
    (b'{"companies": "\xff"}', "is not UTF-8 text"),
])
def test_read_file_explains_a_broken_file_in_one_line(tmp_path, content, expected):
    path = tmp_path / "broken.json"
    path.write_bytes(content)

    with pytest.raises(importer.ImportFileError) as caught:
        importer.read_file(path)

    message = str(caught.value.message)
    assert expected in message and "\n" not in message


def test_read_file_explains_a_missing_file(tmp_path):
    with pytest.raises(importer.ImportFileError) as caught:
        importer.read_file(tmp_path / "nowhere.json")

    assert str(caught.value.message) == f"cannot read {tmp_path / 'nowhere.json'}: No such file or directory"


def test_read_file_refuses_a_directory(tmp_path):
    with pytest.raises(importer.ImportFileError) as caught:
        importer.read_file(tmp_path)

    assert "cannot read" in str(caught.value.message)
