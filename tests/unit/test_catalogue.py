"""The read queries of the catalogue (``services.catalogue``): parsing, query builders, pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from marketplace.extensions import db
from marketplace.models import Category, PostKind, PostStatus
from marketplace.models.types import utcnow
from marketplace.services import catalogue, geo

from .. import factories


def sql(conditions) -> str:
    statement = sa.select(sa.literal(1)).where(*conditions) if isinstance(conditions, list) else conditions
    return str(statement.compile(dialect=db.session.get_bind().dialect, compile_kwargs={"literal_binds": True}))


# --------------------------------------------------------------------------- parsing


def test_parse_filters_reads_every_filter():
    parsed = catalogue.parse_filters(MultiDict({"kind": "need", "category": "staff", "region": "84",
                                                "departement": "69", "free": "1"}))
    assert parsed.filters == catalogue.Filters(PostKind.NEED, Category.STAFF, "84", "69", True)
    assert parsed.ignored == ()


def test_parse_filters_without_parameters_is_everything():
    parsed = catalogue.parse_filters(MultiDict())
    assert parsed.filters == catalogue.Filters()
    assert not parsed.filters.active
    assert parsed.ignored == ()


def test_parse_filters_trims_spaces_and_treats_empty_as_absent():
    parsed = catalogue.parse_filters(MultiDict({"kind": " offer ", "category": "", "region": "   ", "free": ""}))
    assert parsed.filters == catalogue.Filters(kind=PostKind.OFFER)
    assert parsed.ignored == ()


@pytest.mark.parametrize("name, value", [
    ("kind", "OFFER"), ("kind", "offers"), ("category", "Storage"), ("category", "x" * 10_000),
    ("region", "84x"), ("region", "999"), ("departement", "2a"), ("departement", "69\x00"),
    ("free", "no"), ("free", "2"),
])
def test_parse_filters_reports_values_it_does_not_understand(name, value):
    parsed = catalogue.parse_filters(MultiDict({name: value}))
    assert parsed.filters == catalogue.Filters()
    assert parsed.ignored == (name,)


@pytest.mark.parametrize("value", ["1", "on", "true", "TRUE", "yes", "y", "oui"])
def test_free_accepts_the_usual_checkbox_values(value):
    assert catalogue.parse_filters(MultiDict({"free": value})).filters.free_only


def test_parse_filters_takes_the_first_of_repeated_values():
    parsed = catalogue.parse_filters(MultiDict([("kind", "need"), ("kind", "offer")]))
    assert parsed.filters.kind is PostKind.NEED


def test_every_departement_and_region_is_accepted():
    for code, _ in geo.departements():
        assert catalogue.parse_filters({"departement": code}).filters.departement == code
    for code, _ in geo.regions():
        assert catalogue.parse_filters({"region": code}).filters.region == code


def test_as_args_round_trips():
    filters = catalogue.Filters(PostKind.OFFER, Category.TRANSPORT, "11", "75", True)
    assert filters.as_args() == {"kind": "offer", "category": "transport", "region": "11", "departement": "75",
                                 "free": "1"}
    assert catalogue.parse_filters(filters.as_args()).filters == filters
    assert catalogue.Filters().as_args() == {}


@pytest.mark.parametrize("raw, expected", [
    ("1", 1), ("2", 2), (" 3 ", 3), ("999999999", 999999999), ("007", 7),
    (None, None), ("", None), ("0", None), ("-1", None), ("abc", None), ("1.5", None), ("1e3", None),
    ("9999999999", None), ("١", None), ("²", None), ("+2", None),
])
def test_parse_page(raw, expected):
    assert catalogue.parse_page(raw) == expected


# --------------------------------------------------------------------------- pages


@pytest.mark.parametrize("total, per_page, pages", [(0, 20, 1), (1, 20, 1), (20, 20, 1), (21, 20, 2), (40, 20, 2),
                                                   (41, 20, 3)])
def test_page_count(total, per_page, pages):
    assert catalogue.page_count(total, per_page) == pages


@pytest.mark.parametrize("number, pages, window", [
    (1, 1, [1]),
    (1, 3, [1, 2, 3]),
    (1, 10, [1, 2, 3, None, 10]),
    (5, 10, [1, None, 3, 4, 5, 6, 7, None, 10]),
    (10, 10, [1, None, 8, 9, 10]),
    (4, 10, [1, 2, 3, 4, 5, 6, None, 10]),
])
def test_page_window(number, pages, window):
    assert catalogue.page_window(number, pages) == window


def test_page_properties():
    page = catalogue.Page(items=[object()] * 5, total=25, number=2, per_page=10)
    assert page.pages == 3 and page.has_previous and page.has_next
    assert (page.first_index, page.last_index) == (11, 15)
    empty = catalogue.Page(items=[], total=0, number=1, per_page=10)
    assert empty.pages == 1 and not empty.has_previous and not empty.has_next
    assert (empty.first_index, empty.last_index) == (0, 0)


# --------------------------------------------------------------------------- query builders


def test_filter_conditions_follow_the_filters():
    assert catalogue.filter_conditions(catalogue.Filters()) == []
    text = sql(catalogue.filter_conditions(catalogue.Filters(PostKind.NEED, Category.STAFF, "84", "69", True)))
    for fragment in ("post.kind = 'need'", "post.category = 'staff'", "post.region = '84'",
                     "post.departement = '69'", "post.is_free IS "):
        assert fragment in text, fragment


def test_catalogue_conditions_start_with_visibility():
    text = sql(catalogue.catalogue_conditions(catalogue.Filters(kind=PostKind.OFFER)))
    assert "post.status = 'published'" in text
    assert "post.available_until" in text and "post.renewed_at" in text and "suspended_at IS NULL" in text
    assert "post.kind = 'offer'" in text


def test_posts_statement_orders_newest_first_and_loads_the_card_data():
    text = sql(catalogue.posts_statement([]))
    assert "ORDER BY post.published_at DESC, post.id DESC" in text
    assert "JOIN company" in text  # the company comes with the posts


def test_count_statement_counts_posts():
    assert sql(catalogue.count_statement([])).startswith("SELECT count(post.id)")


# --------------------------------------------------------------------------- reads against the database


def test_catalogue_page_counts_and_slices():
    posts = [factories.PostFactory(published_at=utcnow() - timedelta(hours=n)) for n in range(5)]
    factories.PendingPostFactory()
    page = catalogue.catalogue_page(catalogue.Filters(), 2, 2)
    assert page.total == 5 and page.pages == 3 and page.number == 2
    assert [p.id for p in page.items] == [posts[2].id, posts[3].id]


def test_catalogue_page_past_the_end_is_the_last_page():
    for _ in range(3):
        factories.PostFactory()
    page = catalogue.catalogue_page(catalogue.Filters(), 50, 2)
    assert page.number == 2 and page.out_of_range and len(page.items) == 1
    assert not catalogue.catalogue_page(catalogue.Filters(), None, 2).out_of_range


def test_an_empty_catalogue_is_one_empty_page():
    page = catalogue.catalogue_page(catalogue.Filters(), 3, 20)
    assert (page.total, page.number, page.items, page.out_of_range) == (0, 1, [], True)


def test_company_posts_page_lists_only_the_visible_posts_of_the_company():
    company = factories.CompanyFactory()
    mine = factories.PostFactory(company=company)
    factories.PendingPostFactory(company=company)
    factories.PostFactory()
    page = catalogue.company_posts_page(company, None, 20)
    assert [p.id for p in page.items] == [mine.id]


def test_latest_posts():
    posts = [factories.PostFactory(published_at=utcnow() - timedelta(hours=n)) for n in range(4)]
    factories.PostFactory(status=PostStatus.CLOSED)
    assert [p.id for p in catalogue.latest_posts(3)] == [p.id for p in posts[:3]]


def test_post_with_details_returns_any_status_and_none_for_unknown():
    post = factories.PendingPostFactory()
    assert catalogue.post_with_details(post.id) is post
    assert catalogue.post_with_details(post.id + 1000) is None


def test_display_status():
    assert catalogue.display_status(factories.PostFactory()) == "published"
    assert catalogue.display_status(factories.PendingPostFactory()) == "pending"
    stale = factories.PostFactory(available_until=(utcnow() - timedelta(days=1)).date())
    assert catalogue.display_status(stale) == "expired"
    suspended = factories.PostFactory(company=factories.CompanyFactory(suspended_at=utcnow()))
    assert catalogue.display_status(suspended) == catalogue.SUSPENDED


def test_departements_by_region_lists_each_departement_once_under_its_region():
    groups = catalogue.departements_by_region()
    listed = [code for _, items in groups for code, _ in items]
    assert sorted(listed) == sorted(code for code, _ in geo.departements())
    names = dict(geo.regions())
    for region_name, items in groups:
        for code, _ in items:
            assert names[geo.region_of_departement(code)[0]] == region_name
