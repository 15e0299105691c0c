"""The "done means" checks of the search issue, on the demo data (``flask seed-demo``): the warehouse queries find the
warehouse offers, and the filters and facet counts of the search agree with the catalogue (/posts)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

import marketplace.search
from marketplace.extensions import db
from marketplace.models import Category, Company, Post, PostKind
from marketplace.models.types import utcnow
from marketplace.search import service as search_service
from marketplace.services import posts as posts_service
from marketplace.services.posts import is_visible

RESULT_RE = re.compile(r'id="result-(\d+)-title"')
TOTAL_RE = re.compile(r'id="results-title"[^>]*>\s*(\d+) posts?')
OPTION_RE = re.compile(r'<option value="([^"]+)"[^>]*>[^<]*\((\d+)\)</option>')
FREE_RE = re.compile(r'<label class="form-check-label" for="search-free">Free only \((\d+)\)</label>')

# The warehouse offers of demo_posts.py: dry storage space offered to other companies.
WAREHOUSE_OFFERS = {
    "Entrepôt sec de 1 500 m² à Saint-Denis, quais et racks",
    "Ancien atelier de 600 m² à Elbeuf pour stockage sec",
    "Cellule de stockage de 80 m² accessible en camion",  # Foncière des Docks, Lyon 3e
    "400 emplacements palettes en rack à Gonesse, de 1 à 6 mois",
}
LYON_WAREHOUSE_OFFERS = {"Cellule de stockage de 80 m² accessible en camion"}


@pytest.fixture
def demo(runner, english):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.commit()
    marketplace.search.drain_now()
    return english


def ids_titled(titles) -> dict[int, str]:
    posts = db.session.scalars(sa.select(Post).where(Post.title.in_(titles))).all()
    assert {post.title for post in posts} == set(titles), "the demo data changed: update WAREHOUSE_OFFERS"
    assert all(is_visible(post) and post.kind is PostKind.OFFER for post in posts)
    return {post.id: post.title for post in posts}


def page_html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def all_result_ids(client, **args) -> list[int]:
    """Every result of a search, page after page."""
    found: list[int] = []
    page = 1
    while True:
        html = page_html(client.get("/search", query_string={**args, "page": page}))
        ids = [int(n) for n in RESULT_RE.findall(html)]
        found.extend(ids)
        if 'rel="next"' not in html:
            return found
        page += 1


def total(response) -> int:
    match = TOTAL_RE.search(page_html(response))
    assert match, "no result count"
    return int(match.group(1))


def search_total(client, args: dict) -> int:
    return total(client.get("/search?" + urlencode(args)))


def catalogue_total(client, args: dict) -> int:
    return total(client.get("/posts?" + urlencode(args)))


def facet_counts(html: str, name: str) -> dict[str, int]:
    match = re.search(rf'<select id="search-{name}" name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no {name} facet"
    return {unescape(code): int(count) for code, count in OPTION_RE.findall(match.group(1))}


# --------------------------------------------------------------------------- the warehouse queries


# one test per check, not per query: loading the demo data is what costs
WAREHOUSE_QUERIES = ["entrepot", "Entrepôts", "entrepôt", "hangar", "hangars", "entrepto", "local de stockage"]


def test_the_warehouse_queries_find_every_warehouse_offer_first(demo):
    wanted = ids_titled(WAREHOUSE_OFFERS)
    for query in WAREHOUSE_QUERIES:
        found = all_result_ids(demo, q=query)
        missing = {title for post_id, title in wanted.items() if post_id not in found}
        assert not missing, f"{query!r} misses {missing}"
        first = db.session.get(Post, found[0])
        # a synonym as generic as "stockage" may put another storage offer (grain cells) first
        assert (first.kind, first.category) == (PostKind.OFFER, Category.STORAGE), \
            f"{query!r} does not start with a storage offer"


def test_entrepot_lyon_puts_the_lyon_warehouse_offers_first(demo):
    wanted = ids_titled(LYON_WAREHOUSE_OFFERS)
    found = all_result_ids(demo, q="entrepôt lyon")
    assert set(found[:len(wanted)]) == set(wanted), found
    lyon_posts = db.session.scalars(sa.select(Post).where(Post.id.in_(found))).all()
    assert all(post.departement == "69" for post in lyon_posts)


def test_the_warehouse_offers_are_found_among_the_offers_only(demo):
    wanted = ids_titled(WAREHOUSE_OFFERS)
    found = all_result_ids(demo, q="entrepôt", kind="offer", category="storage")
    assert set(wanted) <= set(found)
    kinds = db.session.scalars(sa.select(Post.kind).where(Post.id.in_(found))).all()
    assert set(kinds) == {PostKind.OFFER}


def test_a_typo_on_the_demo_data_is_forgiven_or_corrected(demo):
    html = page_html(demo.get("/search", query_string={"q": "charriot"}))
    lifting = db.session.scalar(sa.select(Post.id).where(Post.title.like("Chariots élévateurs%")))
    assert lifting in [int(n) for n in RESULT_RE.findall(html)]
    assert 'id="did-you-mean"' in html and re.search(r"<strong>chariots?</strong>", html)


# --------------------------------------------------------------------------- filters and facets = the catalogue

COMBINATIONS = [
    {},
    {"kind": "offer"},
    {"kind": "need"},
    {"category": "storage"},
    {"category": "equipment", "kind": "offer"},
    {"region": "84"},
    {"region": "84", "kind": "need"},
    {"departement": "69"},
    {"departement": "69", "category": "premises"},
    {"free": "1"},
    {"free": "1", "region": "11"},
    {"kind": "offer", "category": "storage", "region": "84", "departement": "69"},
    {"category": "staff", "region": "53"},
]


def check_against_the_catalogue(client, filters: dict) -> None:
    html = page_html(client.get("/search?" + urlencode(filters)))
    found = int(TOTAL_RE.search(html).group(1))
    assert found == catalogue_total(client, filters), f"{filters}: the search and the catalogue differ"

    for facet in ("kind", "category", "region", "departement"):
        counts = facet_counts(html, facet)
        for code, count in counts.items():
            chosen = {**filters, facet: code}
            assert count == catalogue_total(client, chosen), (filters, facet, code, count)
        if facet in filters:  # disjunctive: the other values of a chosen facet are still counted
            others = {name: value for name, value in filters.items() if name != facet}
            assert sum(counts.values()) == catalogue_total(client, others), (filters, facet)
        else:
            assert sum(counts.values()) == found, (filters, facet)
    free = int(FREE_RE.search(html).group(1))
    assert free == catalogue_total(client, {**filters, "free": "1"}), (filters, "free")


def test_filters_and_facets_agree_with_the_catalogue(demo):
    totals = []
    for filters in COMBINATIONS:
        check_against_the_catalogue(demo, filters)
        totals.append(catalogue_total(demo, filters))
    assert len(set(totals)) > 5 and min(totals[:-1]) > 0  # the combinations do narrow, and find something


def test_weeks_later_expired_posts_are_gone_from_both_before_the_sweep(demo, monkeypatch):
    before = catalogue_total(demo, {})
    later = utcnow() + timedelta(days=40)
    monkeypatch.setattr(posts_service, "utcnow", lambda: later)  # the catalogue's clock
    monkeypatch.setattr(search_service, "utcnow", lambda: later)  # the search's clock
    after = catalogue_total(demo, {})
    assert 0 < after < before  # some end dates and age limits have passed; no sweep ran
    for filters in COMBINATIONS[:6]:
        check_against_the_catalogue(demo, filters)
    for post_id in all_result_ids(demo, q="entrepôt") + all_result_ids(demo, kind="need"):
        assert is_visible(db.session.get(Post, post_id), later)


def test_the_posts_of_a_suspended_company_are_gone_from_both(demo):
    company = db.session.scalar(sa.select(Company).where(Company.legal_name == "Entrepôts de la Plaine SARL"))
    own = set(db.session.scalars(sa.select(Post.id).where(Post.company_id == company.id)))
    assert own & set(all_result_ids(demo, q="entrepôt"))
    company.suspended_at = utcnow()
    company.suspension_reason = "Contrôle en cours"
    db.session.commit()
    marketplace.search.drain_now()

    assert not own & set(all_result_ids(demo, q="entrepôt"))
    assert not own & set(all_result_ids(demo))
    for filters in COMBINATIONS[:4]:
        check_against_the_catalogue(demo, filters)


def test_every_value_with_posts_is_offered_with_its_count(demo):
    html = page_html(demo.get("/search"))
    categories = facet_counts(html, "category")
    for category in Category:
        expected = catalogue_total(demo, {"category": category.value})
        assert categories.get(category.value, 0) == expected, category
    kinds = facet_counts(html, "kind")
    assert kinds == {"offer": catalogue_total(demo, {"kind": "offer"}), "need": catalogue_total(demo, {"kind": "need"})}


def test_with_words_the_facets_count_the_matching_posts(demo):
    html = page_html(demo.get("/search", query_string={"q": "entrepôt"}))
    found = int(TOTAL_RE.search(html).group(1))
    kinds = facet_counts(html, "kind")
    assert sum(kinds.values()) == found
    for code, count in kinds.items():
        assert count == total(demo.get("/search", query_string={"q": "entrepôt", "kind": code}))
    for code, count in facet_counts(html, "category").items():
        assert count == total(demo.get("/search", query_string={"q": "entrepôt", "category": code}))


def test_the_catalogue_and_the_search_list_the_same_posts(demo):
    """Without words and with the same filters, the search lists exactly the catalogue's posts, newest first."""
    args = {"kind": "offer", "region": "84"}
    search_ids = all_result_ids(demo, **args)
    catalogue_ids: list[int] = []
    page = 1
    while True:
        html = page_html(demo.get("/posts?" + urlencode({**args, "page": page})))
        catalogue_ids.extend(int(n) for n in re.findall(r'id="post-(\d+)-title"', html))
        if 'rel="next"' not in html:
            break
        page += 1
    assert search_ids == catalogue_ids
