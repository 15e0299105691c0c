"""The map page in a real browser with the tile server unreachable: the départements' outlines (shipped GeoJSON)
and the markers still show, popups open, and the Content Security Policy is never violated."""

from __future__ import annotations

import socket
import time

import pytest

from marketplace.extensions import db
from tests import factories

from .test_post_flow import assert_clean_console

pytestmark = [pytest.mark.e2e, pytest.mark.no_db]



def closed_port() -> int:
    """A local port nobody listens on (Chromium refuses some well-known ones, such as 9, by itself)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


DEAD_TILES = f"http://127.0.0.1:{closed_port()}/{{z}}/{{x}}/{{y}}.png"  # nothing answers: every tile fails


@pytest.fixture
def dead_tiles(live_server):
    previous = live_server.app.config["MAP_TILE_URL"]
    live_server.app.config["MAP_TILE_URL"] = DEAD_TILES
    yield
    live_server.app.config["MAP_TILE_URL"] = previous


@pytest.fixture
def map_posts(live_server):
    with live_server.app.app_context():
        lyon = factories.CompanyFactory(legal_name="Entrepôts de Gerland E2E")
        paris = factories.CompanyFactory(legal_name="Palettes de Belleville E2E", postcode="75011",
                                         city="Paris 11e Arrondissement", insee_code="75111", latitude=48.8585,
                                         longitude=2.37952, departement="75", region="11")
        posts = [factories.PostFactory(company=lyon, title="Entrepôt sec à Gerland E2E"),
                 factories.NeedFactory(company=lyon, title="Cherche transporteur à Lyon E2E"),
                 factories.PostFactory(company=paris, title="Palettes à donner à Paris E2E")]
        hidden = factories.PendingPostFactory(company=paris, title="En attente, jamais sur la carte E2E")
        marseille = factories.CompanyFactory(legal_name="Cartons du Vieux-Port E2E", postcode="13001",
                                             city="Marseille 1er Arrondissement", insee_code="13201",
                                             latitude=43.29701, longitude=5.37901, departement="13", region="93")
        lone = factories.PostFactory(company=marseille, title=f"Cartons à donner à Marseille E2E {marseille.id}")
        db.session.commit()
        found = {"titles": [p.title for p in posts], "hidden": hidden.title, "lone": lone.title,
                 "lone_id": lone.id}
        db.session.remove()
    return found


def outline_paths(browser) -> int:
    return len(browser.find_all(".leaflet-outlines-pane svg path.map-outline"))


def unexpected_console_errors(browser) -> list[str]:
    """Severe console messages, except the failed tile loads this test provokes (and only those)."""
    tile_prefix = DEAD_TILES.split("{")[0]
    return [message for message in browser.console_errors()
            if not (message.startswith(tile_prefix) and "net::ERR_CONNECTION_REFUSED" in message)]


def test_map_without_tiles_shows_outlines_and_markers(browser, live_server, dead_tiles, map_posts):
    browser.visit("/map")
    browser.wait_until(lambda d: outline_paths(browser) >= 96, "the départements' outlines are not drawn")
    browser.wait_until(lambda d: int(browser.find("[data-map]").get_attribute("data-features-count") or 0) >= 4,
                       "the posts' markers are not loaded")
    markers = browser.find_all(".leaflet-marker-pane .map-marker, .leaflet-marker-pane .marker-cluster")
    assert markers, "no marker nor cluster on the map"
    status = browser.find("[data-map-status]").text
    browser.wait_until(lambda d: "fond de carte" in browser.find("[data-map-status]").text
                       or "background" in browser.find("[data-map-status]").text,
                       f"no notice about the missing tiles (status: {status!r})")
    page = browser.driver.page_source
    for title in map_posts["titles"]:
        assert title in page, "the list under the map shows the posts"
    assert map_posts["hidden"] not in page
    browser.screenshot("map-without-tiles")
    assert_clean_console(browser)
    assert unexpected_console_errors(browser) == []


def click_settled(browser, css: str, attempts: int = 20) -> str:
    """Click the element (and return its text) once the map stops redrawing it: each move of the map reloads
    the markers, which replaces the element found a moment before."""
    from selenium.common.exceptions import (
        ElementClickInterceptedException,
        NoSuchElementException,
        StaleElementReferenceException,
    )

    for _ in range(attempts):
        try:
            element = browser.find(css)
            text = element.text
            element.click()
            return text
        except (StaleElementReferenceException, NoSuchElementException, ElementClickInterceptedException):
            time.sleep(0.25)
    raise AssertionError(f"{css} kept changing under the click")


def test_markers_open_a_popup_with_title_company_city_and_link(browser, live_server, dead_tiles, map_posts):
    browser.visit("/map?departement=13")
    marker_css = f'.leaflet-marker-pane .map-marker--offer[title="{map_posts["lone"]}"]'
    cluster_css = ".leaflet-marker-pane .marker-cluster"
    browser.wait_until(lambda d: browser.find_all(marker_css) or browser.find_all(cluster_css),
                       "no marker nor cluster for the Marseille posts")
    for _ in range(6):  # posts of earlier tests sit at the same commune: open the cluster (zoom, then spiderfy)
        if browser.find_all(marker_css):
            break
        click_settled(browser, cluster_css)
        time.sleep(0.8)
    browser.wait_until(lambda d: browser.find_all(marker_css), "no marker for the Marseille post")
    assert click_settled(browser, marker_css) == "O", "the letter repeats the kind (colour is not the only cue)"
    browser.wait_until(lambda d: browser.find_all(".leaflet-popup .map-popup"), "no popup")
    popup = browser.find(".leaflet-popup .map-popup").text
    assert map_posts["lone"] in popup
    assert "Cartons du Vieux-Port E2E" in popup and "Marseille 1er Arrondissement" in popup
    link = browser.find(".leaflet-popup a.map-popup-link")
    assert link.get_attribute("href").endswith(f"/posts/{map_posts['lone_id']}")
    browser.next_page(link.click)
    assert browser.path == f"/posts/{map_posts['lone_id']}"
    assert_clean_console(browser)
    assert unexpected_console_errors(browser) == []
