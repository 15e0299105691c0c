"""The map of posts: the /map page (filters, list, notices), its GeoJSON (filters, bounding box, visibility,
commune coordinates, errors), the départements' outlines, the vendored Leaflet files and the CSP."""

from __future__ import annotations

import json
import re
from html import unescape
from datetime import timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import Category, PostKind, PostStatus
from marketplace.models.types import utcnow
from marketplace.services import geo, post_map
from marketplace.web import tile_source

from .. import factories
from .test_security import assert_no_inline_code, csp_directives

GEOJSON = "/map/posts.geojson"
LYON_BBOX = "4.7,45.6,5.0,45.9"
PARIS_BBOX = "2.2,48.8,2.5,48.95"


def lyon_company(**overrides):
    return factories.CompanyFactory(**overrides)  # Lyon 7e (69387), région 84


def paris_company(**overrides):
    values = dict(postcode="75011", city="Paris 11e Arrondissement", insee_code="75111", latitude=48.859,
                  longitude=2.38, departement="75", region="11")
    values.update(overrides)
    return factories.CompanyFactory(**values)


def marseille_company(**overrides):
    values = dict(postcode="13001", city="Marseille 1er Arrondissement", insee_code="13201", latitude=43.2970123,
                  longitude=5.3790111, departement="13", region="93")
    values.update(overrides)
    return factories.CompanyFactory(**values)


@pytest.fixture
def posts(db):
    lyon, paris, marseille = lyon_company(), paris_company(), marseille_company()
    found = {
        "lyon_offer": factories.PostFactory(company=lyon, title="Entrepôt lyonnais", category=Category.STORAGE),
        "lyon_need_paid": factories.NeedFactory(company=lyon, title="Besoin de transport", is_free=False,
                                                category=Category.TRANSPORT),
        "paris_offer": factories.PostFactory(company=paris, title="Palettes parisiennes",
                                             category=Category.SURPLUS_GOODS),
        "marseille_need": factories.NeedFactory(company=marseille, title="Besoin de locaux",
                                                category=Category.PREMISES),
    }
    db.session.commit()
    return found


def features(client, query: str = "", status: int = 200) -> list[dict]:
    response = client.get(GEOJSON + ("?" + query if query else ""))
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/geo+json"
    data = response.get_json(force=True)
    assert data["type"] == "FeatureCollection"
    return data["features"]


def titles(found: list[dict]) -> set[str]:
    return {feature["properties"]["title"] for feature in found}


def error_of(client, query: str) -> dict:
    response = client.get(f"{GEOJSON}?{query}")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == 400 and error["message"]
    return error


# --------------------------------------------------------------------------- GeoJSON: content and filters


def test_geojson_lists_the_visible_posts_with_their_properties(client, posts):
    found = features(client)
    assert titles(found) == {p.title for p in posts.values()}
    feature = next(f for f in found if f["properties"]["title"] == "Entrepôt lyonnais")
    post = posts["lyon_offer"]
    assert feature["geometry"]["type"] == "Point"
    properties = feature["properties"]
    assert properties["id"] == post.id
    assert properties["kind"] == "offer" and properties["kind_label"] == "Offre"
    assert properties["category_label"] == "Stockage"
    assert properties["company"] == post.company.legal_name
    assert properties["city"] == "Lyon 7e Arrondissement"
    assert properties["url"] == f"/posts/{post.id}"
    assert properties["marker"] == "offer" and properties["symbol"] == "O"


@pytest.mark.parametrize("query, expected", [
    ("kind=offer", {"lyon_offer", "paris_offer"}),
    ("kind=need", {"lyon_need_paid", "marseille_need"}),
    ("category=transport", {"lyon_need_paid"}),
    ("region=84", {"lyon_offer", "lyon_need_paid"}),
    ("region=93", {"marseille_need"}),
    ("departement=75", {"paris_offer"}),
    ("departement=01", set()),
    ("free=1", {"lyon_offer", "paris_offer", "marseille_need"}),
    ("kind=need&free=1&region=93", {"marseille_need"}),
    ("kind=offer&category=storage&departement=69&free=oui", {"lyon_offer"}),
])
def test_geojson_filters(client, posts, query, expected):
    assert titles(features(client, query)) == {posts[name].title for name in expected}


@pytest.mark.parametrize("bbox, expected", [
    (LYON_BBOX, {"lyon_offer", "lyon_need_paid"}),
    (PARIS_BBOX, {"paris_offer"}),
    ("-5.2,41.3,9.6,51.1", {"lyon_offer", "lyon_need_paid", "paris_offer", "marseille_need"}),
    ("-10,10,-5,20", set()),  # the Atlantic
    ("4.85,45.6,5.0,45.9", set()),  # just east of Lyon 7e
])
def test_geojson_bbox_in_and_out(client, posts, bbox, expected):
    assert titles(features(client, f"bbox={bbox}")) == {posts[name].title for name in expected}


def test_geojson_bbox_combines_with_the_filters(client, posts):
    assert titles(features(client, f"bbox={LYON_BBOX}&kind=need")) == {posts["lyon_need_paid"].title}
    assert titles(features(client, f"bbox={LYON_BBOX}&departement=75")) == set()


def test_every_feature_sits_at_its_commune_never_finer(client, posts):
    found = features(client)
    assert found
    for feature in found:
        post = db.session.get(type(posts["lyon_offer"]), feature["properties"]["id"])
        commune = next(c for c in geo.communes_for(post.postcode) if c.insee == post.insee_code)
        assert feature["geometry"]["coordinates"] == [commune.longitude, commune.latitude]
        for value in feature["geometry"]["coordinates"]:
            assert round(value, 5) == value, "never more precise than the commune table (5 decimals)"


def test_a_post_whose_stored_point_is_finer_is_still_placed_at_its_commune(client, db):
    company = marseille_company(latitude=43.297012345678, longitude=5.379011122233)
    factories.PostFactory(company=company, title="Adresse précise")
    db.session.commit()
    [feature] = features(client)
    assert feature["geometry"]["coordinates"] == [5.37901, 43.29701]


def test_geojson_is_truncated_past_the_limit(app, client, posts, monkeypatch):
    monkeypatch.setitem(app.config, "MAP_MAX_FEATURES", 2)
    data = client.get(GEOJSON).get_json(force=True)
    assert len(data["features"]) == 2 and data["truncated"] is True and data["limit"] == 2
    monkeypatch.setitem(app.config, "MAP_MAX_FEATURES", 4)
    data = client.get(GEOJSON).get_json(force=True)
    assert len(data["features"]) == 4 and data["truncated"] is False


# --------------------------------------------------------------------------- GeoJSON: who is shown


def test_hidden_posts_are_absent(client, db):
    shown = factories.PostFactory(title="Visible")
    suspended = lyon_company(suspended_at=utcnow())
    factories.PostFactory(company=suspended, title="Entreprise suspendue")
    factories.PendingPostFactory(title="En attente")
    factories.PostFactory(title="Date passée", available_until=(utcnow() - timedelta(days=1)).date())
    factories.PostFactory(title="Trop ancienne", renewed_at=utcnow() - timedelta(days=400))
    factories.PostFactory(title="Clôturée", status=PostStatus.CLOSED)
    factories.PostFactory(title="Brouillon", status=PostStatus.DRAFT)
    factories.PostFactory(title="Refusée", status=PostStatus.REJECTED)
    db.session.commit()
    assert titles(features(client)) == {shown.title}
    assert titles(features(client, f"bbox={LYON_BBOX}")) == {shown.title}


def test_geojson_keeps_titles_as_data(client, db):
    """Titles go out as JSON strings (the script writes them with textContent, never as HTML)."""
    factories.PostFactory(title="<script>alert(1)</script> & palettes")
    db.session.commit()
    response = client.get(GEOJSON)
    assert json.loads(response.get_data(as_text=True))["features"][0]["properties"]["title"] == \
        "<script>alert(1)</script> & palettes"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --------------------------------------------------------------------------- GeoJSON: bad input


@pytest.mark.parametrize("bbox", [
    "1,2,3", "1,2,3,4,5", "a,b,c,d", "1,,3,4", "nan,45,5,46", "inf,45,5,46", "-200,45,5,46", "4,45,200,46",
    "4,-95,5,46", "4,45,5,95", "5,45,4,46", "4,46,5,45", "4,45,4,46", " , , , ", "1e400,1,2,3", "x" * 300,
])
def test_bad_bbox_is_a_clear_400_json(client, db, bbox):
    error = error_of(client, f"bbox={bbox}")
    assert error["parameter"] == "bbox"
    assert "bbox" in error["message"]


@pytest.mark.parametrize("query, parameter", [
    ("kind=offre", "kind"), ("category=nope", "category"), ("region=99", "region"),
    ("departement=999", "departement"), ("free=peut-etre", "free"), ("kind=" + "x" * 500, "kind"),
])
def test_bad_filter_is_a_clear_400_json(client, db, query, parameter):
    error = error_of(client, query)
    assert error["parameter"] == parameter
    assert "filtre" in error["message"] or "filter" in error["message"]


def test_empty_parameters_mean_no_filter(client, posts):
    assert len(features(client, "kind=&category=&region=&departement=&free=&bbox=")) == 4


def test_parse_bbox():
    assert post_map.parse_bbox(None) is None
    assert post_map.parse_bbox(" 4.7 , 45.6,5,45.9 ") == post_map.Bbox(4.7, 45.6, 5.0, 45.9)
    with pytest.raises(post_map.InvalidBbox):
        post_map.parse_bbox("170,0,-170,10")  # across the antimeridian: refused


# --------------------------------------------------------------------------- the page


def test_map_page_renders_the_map_and_the_list(client, posts):
    html = client.get("/map").get_data(as_text=True)
    assert 'data-map' in html
    assert 'data-features-url="/map/posts.geojson"' in html
    assert 'data-outlines-url="/map/departements.geojson"' in html
    assert 'data-tile-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html
    assert "OpenStreetMap" in html
    for post in posts.values():
        assert f'id="post-{post.id}-title"' in html, "the list shows every post (usable without the map)"
    assert 'action="/map"' in html, "the filters stay on the map page"
    assert "map-marker--offer" in html and "map-marker--need" in html, "the legend"


def test_map_page_filters_the_list_and_the_geojson_url(client, posts):
    html = client.get("/map?kind=need&region=93").get_data(as_text=True)
    assert f'id="post-{posts["marseille_need"].id}-title"' in html
    assert f'id="post-{posts["lyon_offer"].id}-title"' not in html
    url = re.search(r'data-features-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert url.startswith("/map/posts.geojson?")
    assert titles(features(client, url.split("?", 1)[1])) == {posts["marseille_need"].title}


def test_map_page_focuses_the_departement(client, posts):
    assert 'data-focus="13"' in client.get("/map?departement=13").get_data(as_text=True)


def test_map_page_bad_filter_values_give_the_catalogue_notices(client, posts):
    response = client.get("/map?kind=offre&departement=999&page=zéro")
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    assert "La valeur du filtre « Offres ou besoins » n'a pas été comprise : elle a été ignorée." in html \
        or "n'a pas été comprise" in html
    assert html.count("n'a pas été comprise") >= 2
    for post in posts.values():
        assert f'id="post-{post.id}-title"' in html


def test_map_page_is_paginated_like_the_catalogue(app, client, posts, monkeypatch):
    monkeypatch.setitem(app.config, "POSTS_PER_PAGE", 1)
    first = client.get("/map?kind=need").get_data(as_text=True)
    assert len(re.findall(r'id="post-\d+-title"', first)) == 1
    assert re.search(r'href="/map\?(page=2&amp;kind=need|kind=need&amp;page=2)"', first)
    second = client.get("/map?kind=need&page=2").get_data(as_text=True)
    assert len(re.findall(r'id="post-\d+-title"', second)) == 1
    assert set(re.findall(r'id="post-(\d+)-title"', first + second)) == \
        {str(posts["lyon_need_paid"].id), str(posts["marseille_need"].id)}


def test_map_page_without_posts(client, db):
    response = client.get("/map")
    assert response.status_code == 200


def test_map_page_has_no_inline_code_and_its_assets_load(client, posts):
    assert_no_inline_code(client, "/map")


# --------------------------------------------------------------------------- outlines, vendor files, CSP


def test_departement_outlines_are_served_and_cached(client, db):
    response = client.get("/map/departements.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert "max-age=86400" in response.headers["Cache-Control"]
    data = json.loads(response.get_data(as_text=True))
    codes = [feature["properties"]["code"] for feature in data["features"]]
    assert codes == sorted(codes)
    assert {code for code, _ in geo.departements()} <= set(codes)
    assert len(response.get_data()) < 600_000
    for feature in data["features"]:
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert feature["properties"]["name"]
    again = client.get("/map/departements.geojson", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_outline_coordinates_have_at_most_four_decimals(client, db):
    text = client.get("/map/departements.geojson").get_data(as_text=True)
    assert not re.search(r"\d\.\d{5,}", text)


@pytest.mark.parametrize("path, mimetype", [
    ("leaflet/leaflet.js", "text/javascript"),
    ("leaflet/leaflet.css", "text/css"),
    ("leaflet/images/layers.png", "image/png"),
    ("leaflet-markercluster/leaflet.markercluster.js", "text/javascript"),
    ("leaflet-markercluster/MarkerCluster.css", "text/css"),
    ("leaflet-markercluster/MarkerCluster.Default.css", "text/css"),
])
def test_vendor_files_are_served_from_the_packages(app, client, path, mimetype):
    package, filename = path.split("/", 1)
    with app.test_request_context():
        from marketplace.vendor import vendor_url

        url = vendor_url(package, filename)
    assert url.startswith(f"/vendor/{package}/")
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert "max-age=31536000" in response.headers["Cache-Control"]


@pytest.mark.parametrize("url", [
    "/vendor/leaflet/0.0.1/leaflet.js", "/vendor/jquery/1.0/jquery.js", "/vendor/leaflet/1.9.3/../../../setup.py",
    "/vendor/leaflet/1.9.3/nope.js",
])
def test_vendor_refuses_other_files(client, url):
    with client.get(url) as response:
        assert response.status_code == 404


def test_csp_allows_the_tile_host_for_images_only(client, db):
    directives = csp_directives(client.get("/map"))
    assert directives["img-src"] == ["'self'", "data:", "https://tile.openstreetmap.org"]
    for name, values in directives.items():
        if name != "img-src":
            assert not any("openstreetmap" in value for value in values), name
    assert directives["connect-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]


def test_csp_follows_the_tile_setting(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "MAP_TILE_URL", "https://{s}.tiles.example.org:8443/osm/{z}/{x}/{y}.png")
    directives = csp_directives(client.get("/map"))
    assert directives["img-src"] == ["'self'", "data:", "https://*.tiles.example.org:8443"]


@pytest.mark.parametrize("url, expected", [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("http://127.0.0.1:9/{z}/{x}/{y}.png", "http://127.0.0.1:9"),
    ("/tiles/{z}/{x}/{y}.png", None),
    ("", None),
    (None, None),
    ("javascript:alert(1)", None),
    ("https://evil.example; script-src *", None),
])
def test_tile_source(url, expected):
    assert tile_source(url) == expected
