"""``flask posts expire`` (the cron sweep), the reminder mail and its one-click renew link; ``seed-demo`` posts."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from flask_babel import force_locale, format_date

from marketplace import demo
from marketplace.extensions import db
from marketplace.models import Notification, Post, PostStatus
from marketplace.models.types import utcnow
from marketplace.posts import cli as posts_cli
from marketplace.services import posts as post_service
from marketplace.services import tokens
from tests import factories

LINK_RE = re.compile(r"(https?://[^/\s]+)(/posts/renew/\S+)")


@pytest.fixture(autouse=True)
def english(app, monkeypatch):
    """Command and mail texts are checked in English (outside a request the default language is used)."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")


def expire(runner, *args):
    result = runner.invoke(args=["posts", "expire", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def owned_post(**fields) -> Post:
    """A published post of a company with one member (who gets the mails), in English."""
    member = factories.MemberFactory(locale="en")
    return factories.PostFactory(company=member.company, **fields)


def days_ago(days: float):
    return utcnow() - timedelta(days=days)


def today_plus(days: int):
    return utcnow().date() + timedelta(days=days)


def reminders_to(outbox, post: Post) -> list:
    return [m for m in outbox if m.recipients == [post.company.active_members[0].email]
            and post.title in m.body and LINK_RE.search(m.body)]


def renew_path(message) -> str:
    return LINK_RE.search(message.body).group(2)


def refresh(post: Post) -> Post:
    db.session.expire_all()
    return db.session.get(Post, post.id)


# --------------------------------------------------------------------------- expiry


def test_expires_posts_past_their_end_date_or_their_age_limit(runner):
    past_end = owned_post(available_until=today_plus(-1))
    stale = owned_post(renewed_at=days_ago(61), published_at=days_ago(61))
    fresh = owned_post(available_until=today_plus(30))
    ends_today = owned_post(available_until=today_plus(0))  # shown until the evening of its last day
    pending = factories.PendingPostFactory(available_until=today_plus(-3))  # only published posts expire
    db.session.commit()

    result = expire(runner)

    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 posts expired, ")
    assert refresh(past_end).status is PostStatus.EXPIRED
    assert refresh(stale).status is PostStatus.EXPIRED
    assert refresh(fresh).status is PostStatus.PUBLISHED
    assert refresh(ends_today).status is PostStatus.PUBLISHED
    assert refresh(pending).status is PostStatus.PENDING


def test_a_second_run_has_nothing_left_to_do(runner):
    owned_post(available_until=today_plus(-2))
    db.session.commit()
    assert expire(runner).output.startswith("1 post expired, ")
    assert expire(runner).output == "0 posts expired, 0 reminders sent.\n"


def test_nothing_to_do(runner):
    owned_post()
    db.session.commit()
    result = expire(runner)
    assert result.exit_code == 0
    assert result.output == "0 posts expired, 0 reminders sent.\n"


def test_expired_posts_can_be_renewed_by_their_owner_when_their_end_date_allows(runner):
    stale = owned_post(renewed_at=days_ago(70), published_at=days_ago(70))
    db.session.commit()
    expire(runner)
    post = refresh(stale)
    assert post.status is PostStatus.EXPIRED
    post_service.renew_post(post.company.active_members[0], post)
    db.session.commit()
    assert refresh(stale).status is PostStatus.PUBLISHED and post_service.is_visible(refresh(stale))


# --------------------------------------------------------------------------- reminders


def test_a_post_expiring_in_five_days_gets_exactly_one_reminder(runner, outbox):
    post = owned_post(available_until=today_plus(5))
    db.session.commit()

    first = expire(runner)
    second = expire(runner)

    assert first.output == "0 posts expired, 1 reminder sent.\n"
    assert second.output == "0 posts expired, 0 reminders sent.\n"
    mails = reminders_to(outbox, post)
    assert len(mails) == 1 and len(outbox) == 1
    mail = mails[0]
    assert mail.subject == "Your post expires soon"
    with force_locale("en"):
        assert format_date(today_plus(5), "long") in mail.body  # the recipient's language (English here)
    assert refresh(post).reminder_sent_at is not None
    notes = db.session.scalars(db.select(Notification).where(Notification.user_id == post.company.members[0].id))
    assert len(notes.all()) == 1  # and one notification in the app


def test_a_post_near_its_age_limit_is_reminded(runner, outbox):
    post = owned_post(renewed_at=days_ago(55), published_at=days_ago(55))
    not_yet = owned_post(renewed_at=days_ago(50), published_at=days_ago(50))
    db.session.commit()
    assert expire(runner).output == "0 posts expired, 1 reminder sent.\n"
    assert len(reminders_to(outbox, post)) == 1
    assert reminders_to(outbox, not_yet) == []


def test_no_reminder_for_what_is_not_shown(runner, outbox):
    factories.PendingPostFactory(available_until=today_plus(3))
    owned_post(available_until=today_plus(3), status=PostStatus.CLOSED)
    suspended = owned_post(available_until=today_plus(3))
    suspended.company.suspended_at = utcnow()
    db.session.commit()
    assert expire(runner).output == "0 posts expired, 0 reminders sent.\n"
    assert outbox == []


def test_every_member_of_the_company_is_reminded(runner, outbox):
    post = owned_post(available_until=today_plus(4))
    colleague = factories.MemberFactory(company=post.company)
    factories.PendingMemberFactory(company=post.company)  # not yet accepted: not told
    db.session.commit()
    expire(runner)
    assert sorted(m.recipients[0] for m in outbox) == sorted([post.company.members[0].email, colleague.email])


def test_renewing_resets_the_reminder(runner, outbox):
    post = owned_post(renewed_at=days_ago(56), published_at=days_ago(90))
    db.session.commit()
    expire(runner)
    assert len(reminders_to(outbox, post)) == 1

    post = refresh(post)
    post_service.renew_post(post.company.active_members[0], post)
    db.session.commit()
    assert refresh(post).reminder_sent_at is None
    assert expire(runner).output == "0 posts expired, 0 reminders sent.\n"  # not due any more

    post = refresh(post)
    post.renewed_at = days_ago(54)  # due again, one renewal later
    db.session.commit()
    assert expire(runner).output == "0 posts expired, 1 reminder sent.\n"
    assert len(reminders_to(outbox, post)) == 2


# --------------------------------------------------------------------------- the renew link of the mail


def test_the_link_of_the_mail_renews_the_post_in_one_click(runner, outbox, client):
    post = owned_post(renewed_at=days_ago(57), published_at=days_ago(57))
    db.session.commit()
    expire(runner)
    (mail,) = reminders_to(outbox, post)
    before = refresh(post).renewed_at

    response = client.get(renew_path(mail))  # no login: the signed link is the authorization

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/posts/{post.id}")
    renewed = refresh(post)
    assert renewed.status is PostStatus.PUBLISHED
    assert renewed.renewed_at > before and renewed.reminder_sent_at is None
    assert post_service.expiry_date(renewed) == (renewed.renewed_at + post_service.max_age()).date()
    page = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "is renewed" in page


def test_the_link_also_brings_back_an_expired_post(runner, outbox, client):
    post = owned_post(renewed_at=days_ago(57), published_at=days_ago(57))
    db.session.commit()
    expire(runner)
    (mail,) = reminders_to(outbox, post)
    refresh(post).status = PostStatus.EXPIRED  # the owner clicked too late: the sweep hid it
    db.session.commit()
    assert client.get(renew_path(mail)).status_code == 302
    assert refresh(post).status is PostStatus.PUBLISHED


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature changed
    lambda token: tokens.make_token("reset-password", {"post": 1}),  # signed for another purpose
    lambda token: "not-a-token",
])
def test_a_tampered_link_changes_nothing_and_says_so(runner, outbox, client, tamper):
    post = owned_post(renewed_at=days_ago(57), published_at=days_ago(57))
    db.session.commit()
    expire(runner)
    token = renew_path(reminders_to(outbox, post)[0]).rsplit("/", 1)[1]
    before = refresh(post).renewed_at

    response = client.get(f"/posts/renew/{tamper(token)}", follow_redirects=True)

    assert response.status_code == 200
    assert "This link is invalid or has already been used." in unescape(response.get_data(as_text=True))
    assert refresh(post).renewed_at == before


def test_an_expired_link_changes_nothing_and_says_so(runner, outbox, client, app, monkeypatch):
    post = owned_post(renewed_at=days_ago(57), published_at=days_ago(57))
    db.session.commit()
    expire(runner)
    path = renew_path(reminders_to(outbox, post)[0])
    monkeypatch.setitem(app.config, "POST_RENEW_LINK_MAX_AGE", -1)  # as if clicked long after

    response = client.get(path, follow_redirects=True)

    assert "This link has expired." in unescape(response.get_data(as_text=True))
    assert refresh(post).reminder_sent_at is not None


def test_a_link_to_a_deleted_post_says_so(runner, outbox, client):
    post = owned_post(renewed_at=days_ago(57), published_at=days_ago(57))
    db.session.commit()
    expire(runner)
    path = renew_path(reminders_to(outbox, post)[0])
    db.session.delete(refresh(post))
    db.session.commit()
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 200
    assert "This link is invalid or has already been used." in unescape(response.get_data(as_text=True))


def test_a_link_past_the_end_date_explains_why(runner, outbox, client):
    post = owned_post(available_until=today_plus(3))
    db.session.commit()
    expire(runner)
    path = renew_path(reminders_to(outbox, post)[0])
    refresh(post).available_until = today_plus(-1)  # the end date went by meanwhile
    db.session.commit()
    response = client.get(path, follow_redirects=True)
    assert "The end date of this post has passed" in unescape(response.get_data(as_text=True))
    assert refresh(post).status is PostStatus.PUBLISHED  # not renewed (the next sweep expires it)


# --------------------------------------------------------------------------- where the links point


def test_links_use_the_server_name(runner, outbox):
    owned_post(available_until=today_plus(2))
    db.session.commit()
    expire(runner)
    assert LINK_RE.search(outbox[0].body).group(1) == "http://localhost"


def test_base_url_option(runner, outbox):
    owned_post(available_until=today_plus(2))
    db.session.commit()
    result = expire(runner, "--base-url", "https://bourse.example.org/")
    assert result.exit_code == 0, result.output
    assert LINK_RE.search(outbox[0].body).group(1) == "https://bourse.example.org"


@pytest.mark.parametrize("address", ["bourse.example.org", "ftp://bourse.example.org", "https://",
                                     "https://x.org/?a=1"])
def test_a_bad_base_url_is_refused_before_changing_anything(runner, outbox, address):
    past_end = owned_post(available_until=today_plus(-1))
    db.session.commit()
    result = expire(runner, "--base-url", address)
    assert result.exit_code == 2
    assert "--base-url" in result.output and "https://bourse.example.org" in result.output
    assert refresh(past_end).status is PostStatus.PUBLISHED


def test_development_default_without_server_name(runner, outbox, app, monkeypatch):
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    owned_post(available_until=today_plus(2))
    db.session.commit()
    assert expire(runner).exit_code == 0
    assert LINK_RE.search(outbox[0].body).group(1) == posts_cli.DEVELOPMENT_BASE_URL


def test_production_without_an_address_refuses_before_changing_anything(runner, outbox, app, monkeypatch):
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    monkeypatch.setattr(posts_cli, "is_production", lambda app: True)
    past_end = owned_post(available_until=today_plus(-1))
    db.session.commit()
    result = expire(runner)
    assert result.exit_code == 2
    assert "SERVER_NAME" in result.output and "--base-url" in result.output
    assert "Traceback" not in result.output
    assert refresh(past_end).status is PostStatus.PUBLISHED
    assert outbox == []


def test_a_failing_sweep_commits_nothing(runner, outbox, monkeypatch):
    past_end = owned_post(available_until=today_plus(-1))
    owned_post(available_until=today_plus(2))
    db.session.commit()

    def broken(now=None):
        raise RuntimeError("mail template missing")

    monkeypatch.setattr(post_service, "send_renewal_reminders", broken)
    result = runner.invoke(args=["posts", "expire"])
    assert result.exit_code != 0
    db.session.rollback()
    assert refresh(past_end).status is PostStatus.PUBLISHED  # one transaction: the expiry is not kept either
    assert outbox == []


# --------------------------------------------------------------------------- seed-demo


def test_seed_demo_prints_the_posts_it_loaded(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    match = re.search(r"Demo data loaded: (\d+) companies, (\d+) posts \(([^)]*)\)\.", result.output)
    assert match, result.output
    assert int(match[1]) == len(demo.COMPANIES)
    total = db.session.scalar(db.select(db.func.count(Post.id)))
    assert int(match[2]) == total >= 160
    by_status = dict(part.split(" ")[::-1] for part in match[3].split(", "))
    assert set(by_status) == {status.value for status in PostStatus}
    assert sum(int(n) for n in by_status.values()) == total


def test_after_seed_demo_the_sweep_only_reminds(runner, outbox):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    result = expire(runner)
    match = re.fullmatch(r"0 posts expired, (\d+) reminders? sent\.\n", result.output)
    assert match, result.output
    assert int(match[1]) >= 1
    assert any(demo.MEMBER_EMAIL in m.recipients for m in outbox)  # Frigotrans has a post to renew


def test_the_demo_shows_a_living_marketplace(runner, client, app):
    """The pages the demo accounts land on, filled by seed-demo."""
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    password = app.config["DEMO_PASSWORD"]

    catalogue = client.get("/posts?kind=need")
    assert catalogue.status_code == 200
    assert len(re.findall(r'id="post-\d+-title"', catalogue.get_data(as_text=True))) == app.config["POSTS_PER_PAGE"]
    published = db.session.scalars(db.select(Post).where(Post.status == PostStatus.PUBLISHED)).all()
    for post in published[::15]:
        page = unescape(client.get(f"/posts/{post.id}").get_data(as_text=True))
        assert post.title in page and post.company.phone not in page

    assert client.post("/connexion", data={"email": demo.MEMBER_EMAIL, "password": password}).status_code == 302
    mine = client.get("/my-posts?status=pending")
    assert mine.status_code == 200 and 'data-status="expired"' in mine.get_data(as_text=True)
    client.post("/deconnexion")

    assert client.post("/connexion", data={"email": demo.MODERATOR_EMAIL, "password": password}).status_code == 302
    queue = unescape(client.get("/moderation/").get_data(as_text=True))
    waiting = [p for p in db.session.scalars(db.select(Post).where(Post.status == PostStatus.PENDING))
               if p.company.departement in demo.MODERATOR_DEPARTEMENTS]
    assert waiting and all(p.title in queue for p in waiting)
