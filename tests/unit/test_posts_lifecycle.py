"""services.posts, one lifecycle rule at a time: creation, submission, edition, closing, renewal, checks, rights."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from marketplace.errors import DomainError, Forbidden
from marketplace.extensions import db
from marketplace.models import Category, CloseReason, PostKind, PostStatus
from marketplace.models.types import utcnow
from marketplace.services import geo, posts, tokens
from marketplace.services.posts import InvalidPost, InvalidTransition, PostData
from tests import factories

TODAY = date.today()


@pytest.fixture(autouse=True)
def ctx(app):
    with app.test_request_context("/"), force_locale("en"):
        yield


@pytest.fixture
def member():
    return factories.MemberFactory()


@pytest.fixture
def company(member):
    return member.company


@pytest.fixture
def post_moderation(app, monkeypatch):
    monkeypatch.setitem(app.config, "POST_MODERATION", "post")


def data(**overrides) -> PostData:
    values = dict(kind="offer", category="storage", title="Entrepôt sec de 300 m²",
                  description="Entrepôt sec, quai de chargement, accès poids lourds.", quantity=300.0, unit="m²")
    values.update(overrides)
    return PostData(**values)


def published(company, **overrides):
    return factories.PostFactory(company=company, **overrides)


def refused(call) -> DomainError:
    with pytest.raises(DomainError) as excinfo:
        call()
    return excinfo.value


# --------------------------------------------------------------------------- creation and submission


def test_a_new_post_waits_for_moderation_by_default(member, company):
    post = posts.create_post(member, company, data())
    assert post.status is PostStatus.PENDING
    assert post.submitted_at is not None and post.published_at is None and post.moderated_at is None
    assert (post.company, post.author) == (company, member)


def test_a_new_post_is_published_at_once_under_post_moderation(member, company, post_moderation):
    post = posts.create_post(member, company, data())
    assert post.status is PostStatus.PUBLISHED
    assert post.published_at is not None and post.renewed_at is not None
    assert post.moderated_at is None  # still to be reviewed afterwards
    assert posts.is_visible(post)


def test_a_draft_stays_a_draft(member, company):
    post = posts.create_post(member, company, data(), submit=False)
    assert post.status is PostStatus.DRAFT
    assert post.submitted_at is None


def test_a_draft_can_be_submitted(member, company):
    post = posts.create_post(member, company, data(), submit=False)
    posts.submit_post(member, post)
    assert post.status is PostStatus.PENDING and post.submitted_at is not None


def test_a_rejected_post_can_be_submitted_again(member, company):
    post = published(company, status=PostStatus.REJECTED, rejection_reason="Trop vague")
    posts.submit_post(member, post)
    assert post.status is PostStatus.PENDING
    assert post.rejection_reason is None


def test_a_rejected_post_resubmitted_under_post_moderation_is_reviewed_again(member, company, post_moderation):
    moderator = factories.ModeratorFactory(departements=["69"])
    post = published(company, status=PostStatus.REJECTED, rejection_reason="Trop vague", moderated_by=moderator,
                     moderated_at=utcnow())
    posts.submit_post(member, post)
    assert post.status is PostStatus.PUBLISHED
    assert post.moderated_at is None and post.moderated_by is None  # the moderators' queue shows it again


@pytest.mark.parametrize("status", [PostStatus.PENDING, PostStatus.PUBLISHED, PostStatus.EXPIRED])
def test_only_a_draft_or_rejected_post_can_be_submitted(member, company, status):
    post = published(company, status=status)
    assert isinstance(refused(lambda: posts.submit_post(member, post)), InvalidTransition)
    assert post.status is status


def test_the_post_takes_the_company_location_by_default(member, company):
    post = posts.create_post(member, company, data())
    assert (post.postcode, post.city, post.departement, post.region) == (
        company.postcode, company.city, company.departement, company.region)
    assert (post.latitude, post.longitude) == (company.latitude, company.longitude)


def test_the_post_can_be_located_elsewhere(member, company):
    post = posts.create_post(member, company, data(postcode="13001", city="Marseille"))
    assert (post.postcode, post.departement, post.region) == ("13001", "13", "93")
    assert post.city.startswith("Marseille")


def test_an_unknown_postcode_is_refused(member, company):
    assert isinstance(refused(lambda: posts.create_post(member, company, data(postcode="99999"))),
                      geo.UnknownPostcode)


# --------------------------------------------------------------------------- edition


@pytest.mark.parametrize("change", [
    {"title": "Entrepôt frigorifique de 300 m²"},
    {"description": "Tout autre chose."},
    {"category": "premises"},
    {"kind": "need"},
])
def test_changing_what_a_published_post_is_about_sends_it_back_to_moderation(member, company, change):
    post = published(company)
    posts.update_post(member, post, data(**change))
    assert post.status is PostStatus.PENDING
    assert post.moderated_at is None


@pytest.mark.parametrize("change", [
    {"quantity": 12.0}, {"unit": "palettes"}, {"available_until": TODAY + timedelta(days=9)}, {"is_free": False},
    {"postcode": "13001", "city": "Marseille"},
])
def test_other_changes_keep_the_post_published(member, company, change):
    post = published(company)
    moderated_at = post.moderated_at
    posts.update_post(member, post, data(title=post.title, description=post.description, **change))
    assert post.status is PostStatus.PUBLISHED
    assert post.moderated_at == moderated_at


def test_a_significant_change_under_post_moderation_keeps_it_published_but_unreviewed(member, company,
                                                                                      post_moderation):
    post = published(company)
    posts.update_post(member, post, data(title="Autre titre"))
    assert post.status is PostStatus.PUBLISHED
    assert post.moderated_at is None


def test_a_moderator_of_the_territory_may_edit_without_new_moderation(company):
    moderator = factories.ModeratorFactory(departements=["69"])
    post = published(company)
    posts.update_post(moderator, post, data(title="Titre corrigé par la CCI"))
    assert post.title == "Titre corrigé par la CCI"
    assert post.status is PostStatus.PUBLISHED


def test_a_closed_post_cannot_be_edited(member, company):
    post = published(company, status=PostStatus.CLOSED, close_reason=CloseReason.WITHDRAWN)
    title = post.title
    assert isinstance(refused(lambda: posts.update_post(member, post, data(title="Nouveau"))), InvalidTransition)
    assert post.title == title


def test_a_refused_edit_changes_nothing(member, company):
    post = published(company)
    before = posts.data_of(post)
    refused(lambda: posts.update_post(member, post, data(title="Nouveau titre", quantity=-1)))
    assert posts.data_of(post) == before
    assert post.status is PostStatus.PUBLISHED


def test_data_of_gives_back_the_editable_fields(member, company):
    post = posts.create_post(member, company, data(radius_km=None, is_free=True))
    again = posts.data_of(post)
    assert (again.kind, again.category, again.title, again.quantity, again.unit, again.is_free) == (
        "offer", "storage", "Entrepôt sec de 300 m²", 300.0, "m²", True)


# --------------------------------------------------------------------------- closing


def test_close_as_fulfilled_with_the_exchanged_quantity(member, company):
    post = published(company)
    posts.close_post(member, post, "fulfilled", 150.0)
    assert post.status is PostStatus.CLOSED and post.close_reason is CloseReason.FULFILLED
    assert post.exchanged_quantity == 150.0 and post.closed_at is not None
    assert not posts.is_visible(post)


def test_close_as_withdrawn_ignores_the_quantity(member, company):
    post = published(company)
    posts.close_post(member, post, "withdrawn", 150.0)
    assert post.close_reason is CloseReason.WITHDRAWN and post.exchanged_quantity is None


@pytest.mark.parametrize("status", [PostStatus.DRAFT, PostStatus.PENDING, PostStatus.EXPIRED])
def test_drafts_pending_and_expired_posts_can_be_closed(member, company, status):
    post = published(company, status=status)
    posts.close_post(member, post, "withdrawn")
    assert post.status is PostStatus.CLOSED


@pytest.mark.parametrize("status", [PostStatus.CLOSED, PostStatus.REJECTED])
def test_closed_and_rejected_posts_cannot_be_closed(member, company, status):
    post = published(company, status=status)
    assert isinstance(refused(lambda: posts.close_post(member, post, "withdrawn")), InvalidTransition)


@pytest.mark.parametrize("reason", ["", "done", None, "FULFILLED"])
def test_close_needs_a_known_reason(member, company, reason):
    post = published(company)
    error = refused(lambda: posts.close_post(member, post, reason))
    assert isinstance(error, InvalidPost) and error.field == "reason"
    assert post.status is PostStatus.PUBLISHED


@pytest.mark.parametrize("quantity", [-1.0, float("nan"), float("inf")])
def test_close_refuses_an_impossible_exchanged_quantity(member, company, quantity):
    post = published(company)
    error = refused(lambda: posts.close_post(member, post, "fulfilled", quantity))
    assert isinstance(error, InvalidPost) and error.field == "exchanged_quantity"
    assert post.status is PostStatus.PUBLISHED


# --------------------------------------------------------------------------- renewal


def test_renew_a_published_post(member, company):
    post = published(company, renewed_at=utcnow() - timedelta(days=55), reminder_sent_at=utcnow())
    posts.renew_post(member, post)
    assert post.renewed_at > utcnow() - timedelta(minutes=1)
    assert post.reminder_sent_at is None
    assert posts.expiry_date(post) == (utcnow() + timedelta(days=60)).date()


def test_renew_brings_an_expired_post_back(member, company):
    post = published(company, status=PostStatus.EXPIRED, renewed_at=utcnow() - timedelta(days=70))
    assert not posts.is_visible(post)
    posts.renew_post(member, post)
    assert post.status is PostStatus.PUBLISHED and posts.is_visible(post)


def test_renew_is_refused_once_the_end_date_has_passed(member, company):
    post = published(company, status=PostStatus.EXPIRED, available_until=TODAY - timedelta(days=1))
    assert isinstance(refused(lambda: posts.renew_post(member, post)), InvalidTransition)
    assert post.status is PostStatus.EXPIRED


@pytest.mark.parametrize("status", [PostStatus.DRAFT, PostStatus.PENDING, PostStatus.CLOSED, PostStatus.REJECTED])
def test_only_published_or_expired_posts_are_renewed(member, company, status):
    post = published(company, status=status)
    assert isinstance(refused(lambda: posts.renew_post(member, post)), InvalidTransition)
    assert post.status is status


def test_renew_from_the_signed_link_of_the_mail(company):
    post = published(company, status=PostStatus.EXPIRED, renewed_at=utcnow() - timedelta(days=70))
    token = tokens.make_token(posts.RENEW, {"post": post.id})
    assert posts.renew_from_token(token) is post
    assert post.status is PostStatus.PUBLISHED


@pytest.mark.parametrize("token", ["", "garbage", "eyJwb3N0IjoxfQ.not.signed"])
def test_a_bad_renewal_link_is_refused(token):
    assert isinstance(refused(lambda: posts.renew_from_token(token)), tokens.InvalidToken)


def test_a_renewal_link_of_a_deleted_post_is_refused():
    token = tokens.make_token(posts.RENEW, {"post": 2**31 - 1})
    assert isinstance(refused(lambda: posts.renew_from_token(token)), tokens.InvalidToken)


# --------------------------------------------------------------------------- clean(): the checks of every field


def test_clean_trims_and_types_the_values():
    cleaned = posts.clean(data(title="  Titre  ", unit="  kg   par  semaine ", kind="need", radius_km=50))
    assert cleaned.title == "Titre" and cleaned.unit == "kg par semaine"
    assert cleaned.kind is PostKind.NEED and cleaned.category is Category.STORAGE and cleaned.radius_km == 50


@pytest.mark.parametrize("overrides, field", [
    ({"kind": "gift"}, "kind"),
    ({"kind": ""}, "kind"),
    ({"category": "weapons"}, "category"),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": None}, "title"),
    ({"title": "x" * 151}, "title"),
    ({"description": ""}, "description"),
    ({"description": "x" * 5001}, "description"),
    ({"unit": "x" * 41}, "unit"),
    ({"quantity": -0.5}, "quantity"),
    ({"quantity": float("nan")}, "quantity"),
    ({"quantity": float("inf")}, "quantity"),
    ({"quantity": 1e12}, "quantity"),
    ({"kind": "need", "radius_km": 0}, "radius_km"),
    ({"kind": "need", "radius_km": 1001}, "radius_km"),
    ({"kind": "need", "radius_km": 5000}, "radius_km"),
    ({"kind": "need", "radius_km": -3}, "radius_km"),
    ({"available_from": TODAY, "available_until": TODAY - timedelta(days=1)}, "available_until"),
])
def test_clean_names_the_bad_field(overrides, field):
    error = refused(lambda: posts.clean(data(**overrides)))
    assert isinstance(error, InvalidPost)
    assert error.field == field
    assert str(error.message)


def test_clean_messages_are_clear():
    assert str(refused(lambda: posts.clean(data(available_from=TODAY, available_until=TODAY - timedelta(1))))
               .message) == "The end date must come after the start date."
    assert str(refused(lambda: posts.clean(data(quantity=-1))).message) == "The quantity must be a positive number."
    assert "between 1 and 1000 km" in str(refused(lambda: posts.clean(data(kind="need", radius_km=0))).message)
    assert str(refused(lambda: posts.clean(data(title="x" * 151))).message) == "150 characters at most."


@pytest.mark.parametrize("radius", [0, 5000, 1, 1000, None])
def test_the_radius_is_ignored_for_offers(radius):
    assert posts.clean(data(kind="offer", radius_km=radius)).radius_km is None


@pytest.mark.parametrize("radius", [1, 1000])
def test_the_radius_limits_are_included(radius):
    assert posts.clean(data(kind="need", radius_km=radius)).radius_km == radius


def test_a_title_of_150_characters_and_a_quantity_of_zero_are_accepted():
    cleaned = posts.clean(data(title="x" * 150, quantity=0.0))
    assert len(cleaned.title) == 150 and cleaned.quantity == 0.0


def test_equal_start_and_end_dates_are_accepted():
    assert posts.clean(data(available_from=TODAY, available_until=TODAY)).available_until == TODAY


# --------------------------------------------------------------------------- who may do what


def test_a_member_of_another_company_cannot_post_for_it(company):
    stranger = factories.MemberFactory()
    assert isinstance(refused(lambda: posts.create_post(stranger, company, data())), Forbidden)


def test_a_member_of_another_company_cannot_touch_its_posts(company):
    stranger = factories.MemberFactory()
    post = published(company)
    for call in (lambda: posts.update_post(stranger, post, data(title="Piraté")),
                 lambda: posts.close_post(stranger, post, "withdrawn"),
                 lambda: posts.renew_post(stranger, post),
                 lambda: posts.delete_post(stranger, post)):
        assert isinstance(refused(call), Forbidden)
    assert post.status is PostStatus.PUBLISHED and post.title != "Piraté"


def test_a_pending_member_cannot_post_nor_edit(company):
    pending = factories.PendingMemberFactory(company=company)
    assert isinstance(refused(lambda: posts.create_post(pending, company, data())), Forbidden)
    post = published(company)
    assert isinstance(refused(lambda: posts.update_post(pending, post, data(title="Non"))), Forbidden)


def test_a_moderator_of_another_territory_cannot_edit(company):
    moderator = factories.ModeratorFactory(departements=["13"])
    post = published(company)
    assert isinstance(refused(lambda: posts.update_post(moderator, post, data(title="Non"))), Forbidden)


def test_a_moderator_cannot_post_as_the_company_outside_the_intake(company):
    moderator = factories.ModeratorFactory(departements=["69"])
    assert isinstance(refused(lambda: posts.create_post(moderator, company, data())), Forbidden)


def test_a_suspended_company_cannot_post(member, company):
    company.suspended_at = utcnow()
    error = refused(lambda: posts.create_post(member, company, data()))
    assert isinstance(error, Forbidden) and "suspended" in str(error.message)


def test_a_suspended_company_cannot_submit_its_drafts(member, company):
    post = posts.create_post(member, company, data(), submit=False)
    company.suspended_at = utcnow()
    assert isinstance(refused(lambda: posts.submit_post(member, post)), Forbidden)
    assert post.status is PostStatus.DRAFT


def test_delete_returns_the_photo_files_to_remove(member, company):
    from marketplace.models import PostPhoto

    post = published(company)
    post.photos.append(PostPhoto(filename="abc.jpg", content_type="image/jpeg", width=1, height=1, size_bytes=1))
    db.session.flush()
    assert posts.delete_post(member, post) == ["abc.jpg"]
    assert db.session.get(type(post), post.id) is None


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize("status, expected", [
    (PostStatus.DRAFT, {"edit", "submit", "close", "delete"}),
    (PostStatus.PENDING, {"edit", "close", "delete"}),
    (PostStatus.PUBLISHED, {"edit", "close", "renew", "delete"}),
    (PostStatus.EXPIRED, {"edit", "close", "renew", "delete"}),
    (PostStatus.REJECTED, {"edit", "submit", "delete"}),
    (PostStatus.CLOSED, {"delete"}),
])
def test_the_actions_offered_follow_the_status(company, status, expected):
    assert posts.allowed_actions(published(company, status=status)) == expected


def test_no_renewal_is_offered_past_the_end_date(company):
    post = published(company, status=PostStatus.EXPIRED, available_until=TODAY - timedelta(days=1))
    assert "renew" not in posts.allowed_actions(post)


def test_status_counts_and_listing_of_a_company(company):
    published(company)
    published(company)
    published(company, status=PostStatus.DRAFT)
    published(factories.CompanyFactory())
    counts = posts.status_counts(company)
    assert counts[PostStatus.PUBLISHED] == 2 and counts[PostStatus.DRAFT] == 1 and counts[PostStatus.CLOSED] == 0
    count, items = posts.company_listing(company, PostStatus.PUBLISHED)
    assert db.session.scalar(count) == 2
    assert {p.status for p in db.session.scalars(items)} == {PostStatus.PUBLISHED}
    count, items = posts.company_listing(company)
    assert db.session.scalar(count) == 3
