"""Property-based tests of the validation of posts (the rules the web form and the API share)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.models import Category, Post, PostKind
from marketplace.services import geo, posts
from marketplace.services.posts import InvalidPost, PostData

from .. import factories

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

visible = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1)
titles = visible.filter(lambda t: len(t.strip()) <= posts.TITLE_MAX).map(lambda t: t[:posts.TITLE_MAX])
descriptions = visible.map(lambda t: t[:posts.DESCRIPTION_MAX])
quantities = st.one_of(st.none(), st.floats(min_value=0, max_value=posts.QUANTITY_MAX, allow_nan=False))
units = st.one_of(st.none(), st.text(max_size=posts.UNIT_MAX))
radii = st.one_of(st.none(), st.integers(posts.RADIUS_MIN, posts.RADIUS_MAX))
dates = st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2035, 12, 31)))
postcodes = st.one_of(st.none(), st.deferred(lambda: st.sampled_from(sorted(geo._communes_by_postcode())[::97])))


@st.composite
def valid_posts(draw):
    start = draw(dates)
    end = draw(dates)
    if start and end and end < start:
        start, end = end, start
    return PostData(kind=draw(st.sampled_from([k.value for k in PostKind])),
                    category=draw(st.sampled_from([c.value for c in Category])),
                    title=draw(titles), description=draw(descriptions), quantity=draw(quantities),
                    unit=draw(units), postcode=draw(postcodes), radius_km=draw(radii),
                    available_from=start, available_until=end)


@st.composite
def invalid_posts(draw):
    """A valid post with exactly one field broken."""
    data = draw(valid_posts())
    breakage = draw(st.sampled_from(["kind", "category", "title", "long_title", "description", "quantity",
                                     "nan", "unit", "radius", "dates"]))
    if breakage == "kind":
        data.kind = draw(st.text().filter(lambda v: v not in {k.value for k in PostKind}))
    elif breakage == "category":
        data.category = draw(st.text().filter(lambda v: v not in {c.value for c in Category}))
    elif breakage == "title":
        data.title = draw(st.sampled_from(["", "   ", "\t\n", None]))
    elif breakage == "long_title":
        data.title = "x" * draw(st.integers(posts.TITLE_MAX + 1, posts.TITLE_MAX + 500))
    elif breakage == "description":
        data.description = draw(st.sampled_from(["", "  ", None]))
    elif breakage == "quantity":
        data.quantity = draw(st.one_of(st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=True),
                                       st.floats(min_value=posts.QUANTITY_MAX, exclude_min=True)))
    elif breakage == "nan":
        data.quantity = float("nan")
    elif breakage == "unit":
        data.unit = "u" * draw(st.integers(posts.UNIT_MAX + 1, posts.UNIT_MAX + 50))
    elif breakage == "radius":
        data.kind = PostKind.NEED.value
        data.radius_km = draw(st.one_of(st.integers(max_value=posts.RADIUS_MIN - 1),
                                        st.integers(min_value=posts.RADIUS_MAX + 1)))
    else:
        start = draw(st.dates(date(2021, 1, 1), date(2035, 12, 31)))
        data.available_from, data.available_until = start, start - timedelta(days=draw(st.integers(1, 300)))
    return data


@SETTINGS
@given(valid_posts())
def test_valid_input_is_accepted_and_round_trips(data):
    cleaned = posts.clean(data)
    assert cleaned.title == data.title.strip() and cleaned.description == data.description.strip()
    assert cleaned.kind.value == data.kind and cleaned.category.value == data.category
    assert cleaned.quantity == data.quantity
    assert posts.clean(cleaned) == cleaned  # idempotent


@SETTINGS
@given(invalid_posts())
def test_invalid_input_raises_the_domain_error(data):
    with pytest.raises(InvalidPost) as error:
        posts.clean(data)
    assert str(error.value.message)


@SETTINGS
@given(st.builds(PostData, kind=st.text(), category=st.text(), title=st.one_of(st.none(), st.text()),
                 description=st.one_of(st.none(), st.text()),
                 quantity=st.one_of(st.none(), st.floats()), unit=st.one_of(st.none(), st.text()),
                 radius_km=st.one_of(st.none(), st.integers()), available_from=dates, available_until=dates))
def test_never_an_unexpected_exception(data):
    try:
        posts.clean(data)
    except InvalidPost:
        pass


@pytest.fixture
def author(db):
    return factories.MemberFactory()


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(Post.id)))


@SETTINGS
@given(data=invalid_posts())
def test_create_post_with_bad_input_changes_nothing(db, author, data):
    before = _count(db)
    with pytest.raises(InvalidPost):
        posts.create_post(author, author.company, data)
    assert _count(db) == before


@settings(SETTINGS, max_examples=20)
@given(data=valid_posts())
def test_create_post_with_good_input_round_trips(db, author, data):
    nested = db.session.begin_nested()
    try:
        post = posts.create_post(author, author.company, data)
        assert post.id is not None and post.title == data.title.strip()
        assert post.kind.value == data.kind and post.category.value == data.category
    finally:
        nested.rollback()
