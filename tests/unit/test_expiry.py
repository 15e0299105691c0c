"""Expiry rules of services.posts at their edges: expiry_date, is_visible, visible_condition, expire_posts,
send_renewal_reminders (which posts are due) and renew_from_token."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from marketplace.extensions import db
from marketplace.models import Post, PostStatus
from marketplace.models.types import utcnow
from marketplace.services import posts as post_service
from marketplace.services import tokens
from marketplace.services.posts import InvalidTransition
from tests import factories

# A fixed moment of today: the rules take ``now`` as a parameter, but renewing reads the clock.
NOW = utcnow().replace(hour=9, minute=30, second=0, microsecond=0)
TODAY = NOW.date()
DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def english(app, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")


@pytest.fixture
def max_age(app):
    return post_service.max_age()


def post(**fields) -> Post:
    fields.setdefault("renewed_at", NOW - 10 * DAY)
    fields.setdefault("published_at", fields["renewed_at"])
    return factories.PostFactory(**fields)


def visible_ids(now: datetime = NOW) -> set[int]:
    return set(db.session.scalars(db.select(Post.id).where(post_service.visible_condition(now))))


def assert_visible(p: Post, expected: bool, now: datetime = NOW) -> None:
    """is_visible (Python) and visible_condition (SQL) agree, and say ``expected``."""
    db.session.flush()
    assert post_service.is_visible(p, now) is expected
    assert (p.id in visible_ids(now)) is expected


# --------------------------------------------------------------------------- max_age and expiry_date


def test_max_age_follows_the_setting(app, monkeypatch):
    assert post_service.max_age() == timedelta(days=60)
    monkeypatch.setitem(app.config, "POST_MAX_AGE_DAYS", 10)
    assert post_service.max_age() == timedelta(days=10)


def test_expiry_date_is_the_end_date_when_it_comes_first(max_age):
    p = post(available_until=TODAY + 5 * DAY, renewed_at=NOW)
    assert post_service.expiry_date(p) == TODAY + 5 * DAY


def test_expiry_date_is_the_age_limit_when_it_comes_first(max_age):
    p = post(available_until=TODAY + 200 * DAY, renewed_at=NOW - 20 * DAY)
    assert post_service.expiry_date(p) == (NOW - 20 * DAY + max_age).date() == TODAY + 40 * DAY


def test_expiry_date_without_end_date(max_age):
    p = post(available_until=None, renewed_at=NOW)
    assert post_service.expiry_date(p) == (NOW + max_age).date()


def test_expiry_date_when_both_fall_on_the_same_day(max_age):
    p = post(available_until=(NOW + max_age).date(), renewed_at=NOW)
    assert post_service.expiry_date(p) == (NOW + max_age).date()


def test_expiry_date_of_a_post_never_published():
    assert post_service.expiry_date(factories.PendingPostFactory(available_until=None)) is None
    assert post_service.expiry_date(factories.PendingPostFactory(available_until=TODAY)) == TODAY


# --------------------------------------------------------------------------- is_visible / visible_condition


def test_the_last_day_is_still_visible():
    assert_visible(post(available_until=TODAY), True)


def test_the_last_day_is_visible_until_midnight():
    p = post(available_until=TODAY)
    end_of_day = datetime.combine(TODAY, datetime.max.time(), tzinfo=timezone.utc)
    assert_visible(p, True, now=end_of_day)


def test_the_day_after_the_end_date_is_not():
    p = post(available_until=TODAY - DAY)
    assert_visible(p, False)
    assert_visible(p, False, now=datetime.combine(TODAY, datetime.min.time(), tzinfo=timezone.utc))


def test_a_future_start_date_does_not_hide_a_post():
    assert_visible(post(available_from=TODAY + 10 * DAY, available_until=TODAY + 20 * DAY), True)


def test_renewed_exactly_max_age_ago_is_still_visible(max_age):
    assert_visible(post(renewed_at=NOW - max_age), True)


def test_renewed_a_second_more_than_max_age_ago_is_not(max_age):
    assert_visible(post(renewed_at=NOW - max_age - SECOND), False)


def test_renewed_a_second_less_than_max_age_ago_is(max_age):
    assert_visible(post(renewed_at=NOW - max_age + SECOND), True)


def test_a_shorter_max_age_hides_at_once(app, monkeypatch):
    p = post(renewed_at=NOW - 20 * DAY)
    assert_visible(p, True)
    monkeypatch.setitem(app.config, "POST_MAX_AGE_DAYS", 15)
    assert_visible(p, False)


@pytest.mark.parametrize("status", [s for s in PostStatus if s is not PostStatus.PUBLISHED])
def test_only_published_posts_are_visible(status):
    assert_visible(post(status=status), False)


def test_a_published_post_without_renewal_date_is_not_visible():
    assert_visible(post(renewed_at=None, published_at=None), False)


def test_the_posts_of_a_suspended_company_are_not_visible():
    p = post()
    p.company.suspended_at = NOW - DAY
    assert_visible(p, False)
    p.company.suspended_at = None
    assert_visible(p, True)


def test_visible_condition_defaults_to_now():
    p = factories.PostFactory()  # renewed just now, no end date
    db.session.flush()
    assert p.id in set(db.session.scalars(db.select(Post.id).where(post_service.visible_condition())))
    assert post_service.is_visible(p)


# --------------------------------------------------------------------------- expire_posts


def test_expire_posts_marks_what_is_no_longer_visible(max_age):
    kept = [post(available_until=TODAY), post(renewed_at=NOW - max_age), post(available_until=None)]
    gone = [post(available_until=TODAY - DAY), post(renewed_at=NOW - max_age - SECOND),
            post(available_until=TODAY - 30 * DAY, renewed_at=NOW - 90 * DAY)]
    others = [factories.PendingPostFactory(available_until=TODAY - DAY),
              post(status=PostStatus.CLOSED, available_until=TODAY - DAY),
              post(status=PostStatus.EXPIRED, available_until=TODAY - DAY)]
    before = {p.id: p.status for p in others}

    assert post_service.expire_posts(NOW) == len(gone)

    assert all(p.status is PostStatus.PUBLISHED for p in kept)
    assert all(p.status is PostStatus.EXPIRED for p in gone)
    assert {p.id: p.status for p in others} == before
    assert post_service.expire_posts(NOW) == 0


def test_expire_posts_agrees_with_visibility(max_age):
    """Whatever a published post's dates, the sweep expires it exactly when the public no longer sees it."""
    candidates = [post(available_until=TODAY + offset * DAY, renewed_at=NOW - age)
                  for offset in (-1, 0, 1) for age in (max_age - SECOND, max_age, max_age + SECOND, DAY)]
    db.session.flush()
    hidden = {p.id for p in candidates if not post_service.is_visible(p, NOW)}
    post_service.expire_posts(NOW)
    assert {p.id for p in candidates if p.status is PostStatus.EXPIRED} == hidden


# --------------------------------------------------------------------------- which posts are reminded


@pytest.fixture
def reminded(monkeypatch):
    """The posts send_renewal_reminders picks (the mail itself is tested with the command)."""
    picked: list[Post] = []
    monkeypatch.setattr(post_service, "_remind", picked.append)
    return picked


def test_reminder_horizon_by_end_date(reminded, app):
    days = app.config["POST_REMINDER_DAYS"]
    due = [post(available_until=TODAY + days * DAY), post(available_until=TODAY), post(available_until=TODAY + DAY)]
    later = post(available_until=TODAY + (days + 1) * DAY)
    assert post_service.send_renewal_reminders(NOW) == len(due)
    assert set(reminded) == set(due)
    assert all(p.reminder_sent_at == NOW for p in due) and later.reminder_sent_at is None


def test_reminder_horizon_by_age(reminded, app, max_age):
    days = timedelta(days=app.config["POST_REMINDER_DAYS"])
    due = post(renewed_at=NOW - (max_age - days))
    not_yet = post(renewed_at=NOW - (max_age - days) + SECOND)
    assert post_service.send_renewal_reminders(NOW) == 1
    assert reminded == [due] and not_yet.reminder_sent_at is None


def test_reminders_are_sent_once_per_renewal(reminded):
    p = post(available_until=TODAY + 3 * DAY)
    assert post_service.send_renewal_reminders(NOW) == 1
    assert post_service.send_renewal_reminders(NOW + DAY) == 0
    post_service.renew_post(None, p)
    assert p.reminder_sent_at is None
    assert post_service.send_renewal_reminders(NOW + DAY) == 1
    assert reminded == [p, p]


def test_no_reminder_for_posts_already_past_their_date(reminded, max_age):
    post(available_until=TODAY - DAY)
    post(renewed_at=NOW - max_age - SECOND)
    assert post_service.send_renewal_reminders(NOW) == 0


# --------------------------------------------------------------------------- renew_from_token


def renew_token(post_id: int) -> str:
    return tokens.make_token(post_service.RENEW, {"post": post_id})


def test_renew_from_token_renews_and_resets_the_reminder():
    p = post(renewed_at=NOW - 55 * DAY, reminder_sent_at=NOW - DAY)
    db.session.flush()
    renewed = post_service.renew_from_token(renew_token(p.id))
    assert renewed is p
    assert p.status is PostStatus.PUBLISHED and p.reminder_sent_at is None
    assert p.renewed_at > utcnow() - timedelta(minutes=1)  # renewed now
    assert post_service.is_visible(p)


def test_renew_from_token_brings_back_an_expired_post():
    p = post(status=PostStatus.EXPIRED, renewed_at=NOW - 90 * DAY)
    db.session.flush()
    post_service.renew_from_token(renew_token(p.id))
    assert p.status is PostStatus.PUBLISHED


@pytest.mark.parametrize("make", [
    lambda post_id: renew_token(post_id) + "x",
    lambda post_id: tokens.make_token("confirm-email", {"post": post_id}),
    lambda post_id: tokens.make_token(post_service.RENEW, {"post": 2**31 - 1}),
    lambda post_id: tokens.make_token(post_service.RENEW, ["post", post_id]),
    lambda post_id: "",
])
def test_renew_from_token_refuses_bad_tokens(make):
    p = post(renewed_at=NOW - 55 * DAY)
    db.session.flush()
    with pytest.raises(tokens.InvalidToken) as caught:
        post_service.renew_from_token(make(p.id))
    assert str(caught.value.message) == "This link is invalid or has already been used."
    assert p.renewed_at == NOW - 55 * DAY


def test_renew_from_token_refuses_an_expired_link(app, monkeypatch):
    p = post(renewed_at=NOW - 55 * DAY)
    db.session.flush()
    token = renew_token(p.id)
    monkeypatch.setitem(app.config, "POST_RENEW_LINK_MAX_AGE", -1)
    with pytest.raises(tokens.InvalidToken) as caught:
        post_service.renew_from_token(token)
    assert str(caught.value.message) == "This link has expired. Ask for a new one."


@pytest.mark.parametrize("status", [PostStatus.DRAFT, PostStatus.PENDING, PostStatus.CLOSED, PostStatus.REJECTED])
def test_renew_from_token_only_renews_published_or_expired_posts(status):
    p = post(status=status)
    db.session.flush()
    with pytest.raises(InvalidTransition):
        post_service.renew_from_token(renew_token(p.id))
    assert p.status is status


def test_renew_from_token_after_the_end_date_asks_to_change_it():
    p = post(available_until=utcnow().date() - DAY)
    db.session.flush()
    with pytest.raises(InvalidTransition) as caught:
        post_service.renew_from_token(renew_token(p.id))
    assert "end date" in str(caught.value.message)
