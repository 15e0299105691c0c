"""The open-businesses directory through its pages: the public list, its filters and GeoJSON, the company's
form, the moderators' hide and show again."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditLog, CompanyOpening
from marketplace.services import directory, geo
from tests import factories

DAY = timedelta(days=1)


@pytest.fixture
def today():
    return directory.today()


def opening_of(company) -> CompanyOpening | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(CompanyOpening).where(CompanyOpening.company_id == company.id))


def form_data(today, **overrides) -> dict:
    data = {"hours": "lun-ven 8h-12h", "delivery": "y", "phone_orders": "y", "note": "Livraison gratuite",
            "valid_until": (today + 10 * DAY).isoformat()}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def company(name: str, **fields):
    return factories.CompanyFactory(legal_name=name, **fields)


# --------------------------------------------------------------------------- the company's form


def test_a_member_marks_the_company_open_updates_and_withdraws(english, login, member, today):
    login(member)
    page = english.get("/ouverts/mon-entreprise")
    assert page.status_code == 200 and b"Opening hours" in page.data

    response = english.post("/ouverts/mon-entreprise", data=form_data(today), follow_redirects=True)
    assert response.status_code == 200
    assert b"is in the directory of open businesses until" in response.data
    opening = opening_of(member.company)
    assert opening.services == ["delivery", "phone_orders"] and opening.valid_until == today + 10 * DAY
    assert opening.updated_by_id == member.id

    listing = english.get("/ouverts/")
    assert f'id="opening-{opening.id}"'.encode() in listing.data
    assert b"Delivery" in listing.data and b"Phone orders" in listing.data and b"Livraison gratuite" in listing.data

    english.post("/ouverts/mon-entreprise", data=form_data(today, hours="sam 9h-12h", delivery=None,
                                                             phone_orders=None, click_and_collect="y"))
    opening = opening_of(member.company)
    assert (opening.hours, opening.services) == ("sam 9h-12h", ["click_and_collect"])

    response = english.post("/ouverts/mon-entreprise/retirer", follow_redirects=True)
    assert b"no longer in the directory" in response.data
    assert opening_of(member.company).is_open is False
    assert f'id="opening-{opening.id}"'.encode() not in english.get("/ouverts/").data


@pytest.mark.parametrize(("overrides", "message"), [
    ({"valid_until": "YESTERDAY"}, b"Not a valid date value"),
    ({"valid_until": None}, b"Say until when the entry is valid."),
    ({"hours": ""}, b"Say when you are open"),
    ({"hours": "h" * 301}, b"300"),
    ({"note": "n" * 281}, b"280"),
    ({"hours": "lun\x01 8h"}, b"invisible control characters"),
])
def test_bad_input_gets_a_message_and_changes_nothing(english, login, member, today, overrides, message):
    factories.OpeningFactory(company=member.company, hours="avant", valid_until=today + 3 * DAY)
    login(member)
    response = english.post("/ouverts/mon-entreprise", data=form_data(today, **overrides))
    assert response.status_code == 200
    assert message in response.data
    opening = opening_of(member.company)
    assert (opening.hours, opening.valid_until) == ("avant", today + 3 * DAY)


@pytest.mark.parametrize(("days", "message"), [(-1, b"The date is past"), (91, b"At most 90 days ahead")])
def test_dates_out_of_range_are_refused(english, login, member, today, days, message):
    login(member)
    response = english.post("/ouverts/mon-entreprise",
                            data=form_data(today, valid_until=(today + days * DAY).isoformat()))
    assert response.status_code == 200 and message in response.data
    assert opening_of(member.company) is None


def test_an_impossible_date_is_refused_cleanly(english, login, member, today):
    login(member)
    response = english.post("/ouverts/mon-entreprise", data=form_data(today, valid_until="2020-02-30"))
    assert response.status_code == 200 and opening_of(member.company) is None


@pytest.mark.parametrize("who", ["pending", "moderator", "admin"])
def test_only_active_members_reach_the_form(client, login, member, today, who):
    user = {"pending": lambda: factories.PendingMemberFactory(company=member.company),
            "moderator": lambda: factories.ModeratorFactory(departements=["69"]),
            "admin": lambda: factories.AdminFactory()}[who]()
    login(user)
    assert client.get("/ouverts/mon-entreprise").status_code == 403
    assert client.post("/ouverts/mon-entreprise", data=form_data(today)).status_code == 403
    assert client.post("/ouverts/mon-entreprise/retirer").status_code == 403
    assert opening_of(member.company) is None


def test_the_form_needs_a_login(client):
    response = client.get("/ouverts/mon-entreprise")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_a_member_only_acts_for_their_own_company(client, login, member, today):
    other = factories.OpeningFactory(company=company("Autre"), hours="autre")
    login(member)
    client.post("/ouverts/mon-entreprise", data=form_data(today))
    assert opening_of(other.company).hours == "autre"
    assert opening_of(member.company) is not None


def test_the_company_page_links_to_the_form(english, login, member):
    login(member)
    page = english.get("/compte/entreprise")
    assert b'href="/ouverts/mon-entreprise"' in page.data


def test_the_company_sees_why_its_entry_is_hidden(english, login, member, moderator):
    opening = factories.OpeningFactory(company=member.company)
    directory.hide(moderator, opening, "Horaires fantaisistes")
    login(member)
    assert b"Horaires fantaisistes" in english.get("/ouverts/mon-entreprise").data


# --------------------------------------------------------------------------- the public list


def test_expiry_on_the_page(client, today):
    factories.OpeningFactory(company=company("Dernier Jour SARL"), valid_until=today)
    factories.OpeningFactory(company=company("Hier SARL"), valid_until=today - DAY)
    page = client.get("/ouverts/")
    assert b"Dernier Jour SARL" in page.data and b"Hier SARL" not in page.data


@pytest.fixture
def three(db):
    factories.OpeningFactory(company=company("Boulangerie du Vieux Quartier", naf_code="10.71C", postcode="69005",
                                             city="Lyon 5e Arrondissement", insee_code="69385"))
    saint_etienne = geo.find_commune("42000", "Saint-Étienne")
    factories.OpeningFactory(company=company("Crêperie Éole", naf_code="56.10A", **saint_etienne.location()),
                             click_and_collect=False, delivery=True)
    factories.OpeningFactory(company=company("Frigotrans Rhône SAS", naf_code="49.41A"),
                             click_and_collect=False, phone_orders=True)


NAMES = ["Boulangerie du Vieux Quartier", "Crêperie Éole", "Frigotrans Rhône SAS"]


@pytest.mark.parametrize(("query", "expected"), [
    ("", NAMES),
    ("section=I", ["Crêperie Éole"]),
    ("service=phone_orders", ["Frigotrans Rhône SAS"]),
    ("commune=saint-etienne", ["Crêperie Éole"]),
    ("commune=69005", ["Boulangerie du Vieux Quartier"]),
    ("q=CREPERIE", ["Crêperie Éole"]),
    ("q=p%C3%A2tisserie", ["Boulangerie du Vieux Quartier"]),
    ("q=transports&commune=Lyon", ["Frigotrans Rhône SAS"]),
])
def test_filters_on_the_page(client, three, query, expected):
    page = client.get(f"/ouverts/?{query}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert [name for name in NAMES if name in text] == expected


@pytest.mark.parametrize("query", ["section=ZZ", "service=%00", "q=" + "x" * 150, "page=abc", "page=999",
                                   "commune=%01", "section=%C3%A9"])
def test_bad_filters_are_ignored_with_a_notice(english, three, query):
    page = english.get(f"/ouverts/?{query}")
    assert page.status_code == 200
    assert b'role="status"' in page.data
    assert "Boulangerie du Vieux Quartier".encode() in page.data  # the other filters and the list still work


def test_the_list_is_paginated(client, db):
    for number in range(directory.PER_PAGE + 3):
        factories.OpeningFactory(company=company(f"Entreprise {number:02d}"))
    first = client.get("/ouverts/").get_data(as_text=True)
    second = client.get("/ouverts/?page=2").get_data(as_text=True)
    assert "Entreprise 00" in first and "Entreprise 22" not in first
    assert "Entreprise 22" in second and "Entreprise 00" not in second


def test_no_n_plus_one(client, count_queries, db):
    for number in range(3):
        factories.OpeningFactory(company=company(f"Petite {number}"))
    client.get("/ouverts/")  # warm up (caches of the NAF and postcode tables)
    with count_queries() as few:
        client.get("/ouverts/")
    for number in range(12):
        factories.OpeningFactory(company=company(f"Grande {number}"))
    with count_queries() as many:
        page = client.get("/ouverts/")
    assert b"Grande 11" in page.data
    assert len(many) == len(few) <= 3
    with count_queries() as geojson:
        client.get("/ouverts/carte.geojson")
    assert len(geojson) == 1


# --------------------------------------------------------------------------- GeoJSON


def test_geojson_places_companies_at_their_commune(client, three):
    response = client.get("/ouverts/carte.geojson?service=delivery")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    collection = response.get_json()
    assert [f["properties"]["name"] for f in collection["features"]] == ["Crêperie Éole"]
    commune = geo.find_commune("42000", "Saint-Étienne")
    feature = collection["features"][0]
    assert feature["geometry"]["coordinates"] == [commune.longitude, commune.latitude]
    assert feature["properties"]["services"] == ["Delivery"] or feature["properties"]["services"] == ["Livraison"]
    assert "address" not in feature["properties"]


def test_geojson_coordinates_equal_the_communes_for_a_company_declared_through_the_form(client, login, today):
    commune = geo.find_commune("69005", "Lyon")
    member = factories.MemberFactory(company=company("Bouchon Lyonnais", **{
        key: value for key, value in commune.location().items()}))
    login(member)
    client.post("/ouverts/mon-entreprise", data=form_data(today))
    feature = client.get("/ouverts/carte.geojson").get_json()["features"][0]
    assert feature["geometry"]["coordinates"] == [commune.longitude, commune.latitude]


def test_geojson_never_uses_a_finer_point_than_the_commune(client, db):
    commune = geo.find_commune("69005", "Lyon")
    at_the_door = {**commune.location(), "latitude": commune.latitude + 0.00321, "longitude": commune.longitude - 0.00456}
    factories.OpeningFactory(company=company("Adresse Précise", **at_the_door))
    feature = client.get("/ouverts/carte.geojson").get_json()["features"][0]
    assert feature["geometry"]["coordinates"] == [commune.longitude, commune.latitude]


def test_geojson_ignores_bad_filters(client, three):
    response = client.get("/ouverts/carte.geojson?section=%00&service=zz")
    assert response.status_code == 200 and len(response.get_json()["features"]) == 3


# --------------------------------------------------------------------------- moderation


def test_a_moderator_hides_and_shows_again(english, login, moderator, three):
    opening = db.session.scalar(sa.select(CompanyOpening).join(CompanyOpening.company)
                                .where(sa.literal_column("company.legal_name") == "Frigotrans Rhône SAS"))
    login(moderator)
    page = english.get("/ouverts/")
    assert f'action="/ouverts/{opening.id}/masquer"'.encode() in page.data
    response = english.post(f"/ouverts/{opening.id}/masquer", data={"reason": "Fermée en réalité"},
                            follow_redirects=True)
    assert b"is hidden from the directory" in response.data
    assert b"Entries hidden in your territory" in response.data
    db.session.expire_all()
    assert opening.hidden_reason == "Fermée en réalité"
    english.get("/deconnexion")
    anonymous = english.application.test_client()
    assert b"Frigotrans" not in anonymous.get("/ouverts/").data

    response = english.post(f"/ouverts/{opening.id}/afficher", data={"reason": ""}, follow_redirects=True)
    assert b"is shown in the directory again" in response.data
    assert b"Frigotrans" in anonymous.get("/ouverts/").data
    actions = list(db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)))
    assert actions == ["directory.hide", "directory.unhide"]


def test_hiding_without_a_reason_changes_nothing(english, login, moderator, three):
    opening = db.session.scalar(sa.select(CompanyOpening).limit(1))
    login(moderator)
    response = english.post(f"/ouverts/{opening.id}/masquer", data={"reason": " "}, follow_redirects=True)
    assert response.status_code == 200 and b"Give the reason" in response.data
    db.session.expire_all()
    assert opening.hidden_at is None


def test_a_moderator_outside_the_territory_gets_403(client, login, three):
    opening = db.session.scalar(sa.select(CompanyOpening).join(CompanyOpening.company)
                                .where(sa.literal_column("company.departement") == "69").limit(1))
    login(factories.ModeratorFactory(departements=["75"]))
    assert client.post(f"/ouverts/{opening.id}/masquer", data={"reason": "non"}).status_code == 403
    assert client.post(f"/ouverts/{opening.id}/afficher", data={}).status_code == 403
    db.session.expire_all()
    assert opening.hidden_at is None
    assert f'/ouverts/{opening.id}/masquer'.encode() not in client.get("/ouverts/").data


def test_members_cannot_hide(client, login, member, three):
    opening = db.session.scalar(sa.select(CompanyOpening).limit(1))
    login(member)
    assert client.post(f"/ouverts/{opening.id}/masquer", data={"reason": "non"}).status_code == 403
    assert client.post("/ouverts/2147483647/masquer", data={"reason": "non"}).status_code == 404


def test_anonymous_cannot_hide(client, three):
    opening = db.session.scalar(sa.select(CompanyOpening).limit(1))
    assert client.post(f"/ouverts/{opening.id}/masquer", data={"reason": "non"}).status_code == 302
    db.session.expire_all()
    assert opening.hidden_at is None


def test_the_page_carries_the_map_when_the_maps_script_exists(client, three):
    page = client.get("/ouverts/?service=delivery").get_data(as_text=True)
    if "maps" not in client.application.blueprints:
        pytest.skip("the maps blueprint is not there: the directory is a list only")
    assert 'data-features-url="/ouverts/carte.geojson?service=delivery"' in page
    assert "js/map.js" in page


def test_geojson_bbox(client, three):
    around_saint_etienne = "4.2,45.3,4.5,45.5"
    collection = client.get(f"/ouverts/carte.geojson?bbox={around_saint_etienne}").get_json()
    assert [f["properties"]["title"] for f in collection["features"]] == ["Crêperie Éole"]
    response = client.get("/ouverts/carte.geojson?bbox=1,2,3")
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == "bbox"


def test_geojson_is_truncated_past_the_limit(app, three):
    collection = directory.directory_features(directory.DirectoryFilters(), limit=2)
    assert len(collection["features"]) == 2 and collection["truncated"] is True


def test_control_characters_in_the_search_are_ignored_with_a_notice(english, three):
    page = english.get("/ouverts/?q=cr%01pe")
    assert page.status_code == 200 and b"invisible control characters" in page.data
