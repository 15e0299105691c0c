"""The demo posts: enough of them, of every kind and category, believable, and consistent once loaded."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from marketplace import demo, permissions
from marketplace.demo_posts import POSTS, default_age
from marketplace.extensions import db
from marketplace.models import AuditLog, Category, CloseReason, Company, Post, PostKind, PostStatus, User
from marketplace.models.types import utcnow
from marketplace.services import geo
from marketplace.services import posts as post_service
from marketplace.services.categories import COMMON_UNITS

# --------------------------------------------------------------------------- the data itself


def test_enough_posts_over_every_category_and_both_kinds():
    assert len(POSTS) >= 160
    by_category = Counter(item.category for item in POSTS)
    assert set(by_category) == set(Category)
    assert min(by_category.values()) >= 10, by_category
    for category in Category:
        kinds = {item.kind for item in POSTS if item.category is category}
        assert kinds == {PostKind.OFFER, PostKind.NEED}, category
    needs = sum(item.kind is PostKind.NEED for item in POSTS)
    assert 0.4 <= needs / len(POSTS) <= 0.6  # roughly balanced


def test_every_demo_company_posts():
    by_company = Counter(item.company for item in POSTS)
    assert set(by_company) == set(range(len(demo.COMPANIES)))
    assert min(by_company.values()) >= 4


def test_titles_and_descriptions_read_like_real_posts():
    titles = [item.title for item in POSTS]
    assert len(set(titles)) == len(titles), [t for t, n in Counter(titles).items() if n > 1]
    for item in POSTS:
        assert 4 <= len(item.title.split()) <= 12, item.title
        assert 20 <= len(item.description.split()) <= 120, item.title
        assert item.title == item.title.strip() and "  " not in item.description, item.title
        assert len(item.title) <= post_service.TITLE_MAX


def test_quantities_units_radius_and_dates():
    for item in POSTS:
        assert (item.quantity is None) == (item.unit is None), item.title
        assert item.unit is None or item.unit in COMMON_UNITS, item.unit
        assert item.quantity is None or item.quantity > 0, item.title
        if item.kind is PostKind.NEED:
            assert item.radius_km is not None and 10 <= item.radius_km <= 200, item.title
        else:
            assert item.radius_km is None, item.title
        if item.starts is not None and item.ends is not None:
            assert item.starts <= item.ends, item.title
    assert {unit for item in POSTS for unit in [item.unit] if unit} >= {"m²", "palettes", "tonnes", "personnes",
                                                                         "fûts", "chambres", "kg par semaine"}
    assert sum(item.quantity is None for item in POSTS) >= 5  # some say no quantity (services)
    free = Counter(item.free for item in POSTS)
    assert free[True] >= 15 and free[False] >= 15 and free[None] >= 5


def test_some_posts_are_located_at_another_site():
    elsewhere = [item for item in POSTS if item.postcode]
    assert len(elsewhere) >= 5
    for item in elsewhere:
        assert geo.find_commune(item.postcode, item.city)  # a real commune of that postcode


def test_lifecycles_are_spread_and_coherent():
    lives = Counter(item.life.status if item.life else PostStatus.PUBLISHED for item in POSTS)
    assert lives[PostStatus.PENDING] >= 12
    assert lives[PostStatus.EXPIRED] >= 8
    assert lives[PostStatus.CLOSED] >= 8
    assert lives[PostStatus.DRAFT] >= 2
    assert lives[PostStatus.REJECTED] >= 2
    assert lives[PostStatus.PUBLISHED] >= len(POSTS) // 2
    for item in POSTS:
        life = item.life
        if life is None:
            continue
        if life.status in (PostStatus.PUBLISHED, PostStatus.EXPIRED, PostStatus.CLOSED, PostStatus.REJECTED):
            assert life.age >= 1, item.title  # moderated some hours after its submission
        if life.renewed is not None:
            assert life.renewed < life.age, item.title
        if life.closed is not None:
            assert life.closed < life.age, item.title
        assert (life.reason is not None) == (life.status is PostStatus.REJECTED), item.title


def test_default_ages_keep_published_posts_alive_and_away_from_their_reminder():
    assert all(1 <= default_age(position) <= 50 for position in range(len(POSTS)))


# --------------------------------------------------------------------------- loaded


@pytest.fixture
def loaded(app):
    summary = demo.load_demo()
    db.session.flush()
    return summary


def demo_user(email: str) -> User:
    return db.session.scalar(db.select(User).where(User.email == email))


def all_posts() -> list[Post]:
    return db.session.scalars(db.select(Post).order_by(Post.id)).all()


def test_load_creates_every_post_with_its_status(loaded):
    posts = all_posts()
    assert len(posts) == len(POSTS) == loaded.posts.total()
    assert Counter(p.status for p in posts) == loaded.posts
    assert [p.title for p in posts] == [item.title for item in POSTS]
    for post, item in zip(posts, POSTS):
        assert post.kind is item.kind and post.category is item.category
        assert post.company.legal_name == demo.COMPANIES[item.company][0]
        assert post.status is (item.life.status if item.life else PostStatus.PUBLISHED)


def test_dates_are_relative_to_the_load_day(loaded):
    today = utcnow().date()
    for post, item in zip(all_posts(), POSTS):
        if item.starts is not None:
            assert post.available_from == today + timedelta(days=item.starts)
        if item.ends is not None:
            assert post.available_until == today + timedelta(days=item.ends)


def test_timestamps_are_coherent_with_the_status(loaded):
    now = utcnow()
    for post in all_posts():
        stamps = [post.created_at, post.submitted_at, post.published_at, post.renewed_at, post.closed_at,
                  post.moderated_at, post.updated_at]
        assert all(stamp is None or stamp <= now for stamp in stamps), post.title
        status = post.status
        if status is PostStatus.DRAFT:
            assert post.submitted_at is None and post.published_at is None and post.moderated_at is None
        elif status is PostStatus.PENDING:
            assert post.created_at <= post.submitted_at
            assert post.published_at is None and post.moderated_at is None and post.moderated_by is None
        elif status is PostStatus.REJECTED:
            assert post.rejection_reason and post.published_at is None
            assert post.submitted_at < post.moderated_at and post.moderated_by is not None
        else:  # was published: published, expired, closed
            assert post.moderated_by is not None and post.moderated_at is not None
            assert post.published_at <= post.renewed_at
            if not post.entered_by_cci:
                assert post.created_at <= post.submitted_at <= post.published_at == post.moderated_at
        if status is PostStatus.CLOSED:
            assert post.closed_at > post.published_at
            assert (post.exchanged_quantity is not None) == (post.close_reason is CloseReason.FULFILLED)
        else:
            assert post.closed_at is None and post.close_reason is None
        assert post.updated_at >= post.created_at


def test_published_posts_are_visible_and_expired_ones_are_stale(loaded):
    now = utcnow()
    for post in all_posts():
        if post.status is PostStatus.PUBLISHED:
            assert post_service.is_visible(post, now), post.title
        if post.status is PostStatus.EXPIRED:
            stale = (post.available_until is not None and post.available_until < now.date()) \
                or post.renewed_at < now - post_service.max_age()
            assert stale, post.title
    assert post_service.expire_posts(now) == 0  # the sweep finds nothing left to do
    visible = db.session.scalar(db.select(db.func.count(Post.id)).where(post_service.visible_condition(now)))
    assert visible == loaded.posts[PostStatus.PUBLISHED]


def test_approved_by_the_moderator_of_the_company_else_by_the_admin(loaded):
    moderator, admin = demo_user(demo.MODERATOR_EMAIL), demo_user(demo.ADMIN_EMAIL)
    approved = [p for p in all_posts() if p.moderated_by is not None]
    assert approved
    for post in approved:
        expected = moderator if post.company.departement in demo.MODERATOR_DEPARTEMENTS else admin
        assert post.moderated_by == expected, post.title
        assert permissions.can_moderate_post(post.moderated_by, post)
    assert {p.moderated_by for p in approved} == {moderator, admin}
    approvals = db.session.scalar(db.select(db.func.count(AuditLog.id)).where(AuditLog.action == "post.approve"))
    assert approvals == sum(not p.entered_by_cci and p.rejection_reason is None for p in approved)
    for entry in db.session.scalars(db.select(AuditLog).where(AuditLog.action.in_(["post.approve", "post.reject"]))):
        post = db.session.get(Post, entry.target_id)
        assert entry.created_at == post.moderated_at and entry.actor == post.moderated_by


def test_the_demo_moderator_has_a_queue(loaded):
    moderator = demo_user(demo.MODERATOR_EMAIL)
    pending = [p for p in all_posts() if p.status is PostStatus.PENDING]
    mine = [p for p in pending if permissions.can_moderate_post(moderator, p)]
    assert len(mine) >= 4
    assert len(pending) - len(mine) >= 4  # and the administrator sees others
    assert len({p.submitted_at.date() for p in mine}) >= 3  # oldest first means something


def test_posts_entered_by_the_cci(loaded):
    intake = [p for p in all_posts() if p.entered_by_cci]
    assert len(intake) >= 3
    for post in intake:
        assert post.consent_note and post.status is PostStatus.PUBLISHED
        assert post.author == post.moderated_by and permissions.is_moderator(post.author)
        entry = db.session.scalar(db.select(AuditLog).where(AuditLog.action == "post.intake",
                                                           AuditLog.target_id == post.id))
        assert entry.created_at == post.published_at


def test_company_posts_are_written_by_a_member(loaded):
    for post in all_posts():
        if not post.entered_by_cci:
            assert post.author.company_id == post.company_id and post.author.is_active_member


def test_locations(loaded):
    moved = 0
    for post in all_posts():
        commune = geo.find_commune(post.postcode, post.city)
        assert (post.departement, post.region, post.insee_code) == (commune.departement, commune.region,
                                                                    commune.insee)
        moved += post.postcode != post.company.postcode
    assert moved >= 5


def test_the_demo_member_sees_every_status(loaded):
    company = demo_user(demo.MEMBER_EMAIL).company
    counts = post_service.status_counts(company)
    assert all(counts[status] >= 1 for status in PostStatus), counts


def test_a_few_published_posts_are_due_for_a_reminder(loaded):
    """So that ``flask posts expire`` has something to show on the demo."""
    now = utcnow()
    horizon = now + timedelta(days=7)
    due = [p for p in all_posts() if p.status is PostStatus.PUBLISHED
           and post_service.expiry_date(p) <= horizon.date()]
    assert 1 <= len(due) <= 6


def test_demo_companies_have_no_suspension(loaded):
    assert not db.session.scalar(db.select(db.func.count(Company.id)).where(Company.suspended_at.is_not(None)))
