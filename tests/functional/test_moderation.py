"""The moderators' desk: the queue, approve / reject / bulk, the moderation page of a company and its actions,
who may do what, bad input, and the SQL query budget of the queue."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
import sqlalchemy as sa

from marketplace.errors import Forbidden
from marketplace.extensions import db
from marketplace.models import AuditLog, Company, Notification, Post, PostStatus, UserTerritory
from marketplace.models.types import utcnow
from marketplace.services import moderation
from marketplace.services import posts as post_rules

from marketplace import create_app

from .. import factories
from ..conftest import base_config

QUEUE_QUERY_BUDGET = 7  # includes the unread-notifications badge of the header


# --------------------------------------------------------------------------- helpers


def persist() -> None:
    """Commit the factories' rows, so that a view that rolls back does not undo the test's setup."""
    db.session.commit()


def reload(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def corsican_company(**overrides) -> Company:
    values = dict(departement="2A", postcode="20000", city="Ajaccio", insee_code="2A004", region="94",
                  latitude=41.9267, longitude=8.7369)
    values.update(overrides)
    return factories.CompanyFactory(**values)


def audit_rows(action: str | None = None) -> list[AuditLog]:
    db.session.expire_all()
    statement = sa.select(AuditLog).order_by(AuditLog.id)
    if action:
        statement = statement.where(AuditLog.action == action)
    return list(db.session.scalars(statement))


def notifications_of(user) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)))


def alerts(response, category: str = "danger") -> str:
    html = response.get_data(as_text=True)
    return " ".join(unescape(m) for m in re.findall(r'class="alert alert-%s">(.*?)</div>' % category, html, re.S))


def in_english(client) -> None:
    client.post("/langue/en", data={})


def row_ids(response) -> list[int]:
    """The ids of the posts of the queue, in the order of the page."""
    return [int(found) for found in re.findall(r'name="bulk-post_ids" value="(\d+)"', response.get_data(as_text=True))]


def days_ago(days: int):
    return utcnow() - timedelta(days=days)


@pytest.fixture
def company():
    return factories.CompanyFactory()


@pytest.fixture
def owner(company):
    return factories.MemberFactory(company=company, locale="en")


@pytest.fixture
def pending(company, owner):
    return factories.PendingPostFactory(company=company, author=owner)


@pytest.fixture
def moderator_in(client, login, moderator):
    """The moderator of the Rhône (69), logged in, pages in English."""
    login(moderator)
    in_english(client)
    return moderator


# --------------------------------------------------------------------------- who may come in

PAGES = [("get", "/moderation/"), ("get", "/moderation/companies/{company}"),
         ("post", "/moderation/posts/{post}/approve"), ("post", "/moderation/posts/{post}/reject"),
         ("post", "/moderation/posts/bulk"), ("post", "/moderation/companies/{company}/verify"),
         ("post", "/moderation/companies/{company}/unverify"), ("post", "/moderation/companies/{company}/report"),
         ("post", "/moderation/companies/{company}/suspend"),
         ("post", "/moderation/companies/{company}/lift-suspension")]


def _url(path: str, post) -> str:
    return path.format(post=post.id, company=post.company_id)


@pytest.mark.parametrize("method, path", PAGES)
def test_a_visitor_is_sent_to_the_login_page(client, pending, method, path):
    persist()
    response = getattr(client, method)(_url(path, pending))

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/connexion"
    assert reload(pending).status is PostStatus.PENDING


@pytest.mark.parametrize("method, path", PAGES)
def test_a_company_member_is_refused(client, login, pending, owner, method, path):
    login(owner)
    response = getattr(client, method)(_url(path, pending), data={"bulk-post_ids": [pending.id],
                                                                  "bulk-action": "approve"})

    assert response.status_code == 403
    assert reload(pending).status is PostStatus.PENDING
    assert audit_rows() == []


@pytest.mark.parametrize("method, path", PAGES[1:4] + PAGES[5:])
def test_a_moderator_of_another_departement_is_refused_and_nothing_changes(client, login, method, path):
    post = factories.PendingPostFactory(company=corsican_company(verified=False))
    factories.MemberFactory(company=post.company)
    login(factories.ModeratorFactory(departements=["69"]))
    response = getattr(client, method)(_url(path, post), data={"text": "Note", "reason": "Abus",
                                                               "reject-%d-other_reason" % post.id: "Non"})

    assert response.status_code == 403
    assert reload(post).status is PostStatus.PENDING
    assert reload(post.company).verified is False and reload(post.company).suspended_at is None
    assert audit_rows() == []
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0


def test_unknown_or_overlong_ids_are_not_found(client, moderator_in):
    for path in ["/moderation/posts/999999/approve", "/moderation/posts/99999999999999999999/approve",
                 "/moderation/posts/99999999999999999999/reject", "/moderation/posts/-1/approve",
                 "/moderation/posts/abc/approve"]:
        assert client.post(path).status_code == 404, path
    for path in ["/moderation/companies/999999", "/moderation/companies/99999999999999999999",
                 "/moderation/companies/0"]:
        assert client.get(path).status_code == 404, path
    assert client.post("/moderation/companies/99999999999999999999/suspend",
                       data={"reason": "x"}).status_code == 404


def test_actions_only_answer_post(client, moderator_in, pending):
    response = client.get(f"/moderation/posts/{pending.id}/approve")

    assert response.status_code == 405
    assert reload(pending).status is PostStatus.PENDING


# --------------------------------------------------------------------------- the queue


def test_the_queue_lists_the_pending_posts_of_the_territory_oldest_first(client, moderator_in):
    newer = factories.PendingPostFactory(submitted_at=days_ago(1))
    older = factories.PendingPostFactory(submitted_at=days_ago(5))
    elsewhere = factories.PendingPostFactory(company=corsican_company())
    # The company's département decides, not where the post is located.
    located_elsewhere = factories.PendingPostFactory(submitted_at=days_ago(3), departement="2A", postcode="20000")
    of_a_corsican_company_in_lyon = factories.PendingPostFactory(company=corsican_company(), departement="69")
    published = factories.PostFactory()
    draft = factories.PostFactory(status=PostStatus.DRAFT, published_at=None, moderated_at=None)
    persist()

    response = client.get("/moderation/")

    assert response.status_code == 200
    assert row_ids(response) == [older.id, located_elsewhere.id, newer.id]
    html = response.get_data(as_text=True)
    for hidden in (elsewhere, of_a_corsican_company_in_lyon, published, draft):
        assert f"/posts/{hidden.id}\"" not in html
    assert "3 posts waiting" in html


def test_a_row_shows_what_the_moderator_needs(client, moderator_in):
    company = factories.CompanyFactory(legal_name="Transports Rhodaniens SAS", verified=False)
    post = factories.PendingPostFactory(company=company, title="Camion frigorifique libre le week-end",
                                        entered_by_cci=True, category="transport")
    persist()

    html = client.get("/moderation/").get_data(as_text=True)

    assert f'href="/posts/{post.id}">Camion frigorifique libre le week-end</a>' in html
    assert f'href="/moderation/companies/{company.id}">Transports Rhodaniens SAS</a>' in html
    assert "Transport and logistics" in html and "Offer" in html
    assert "Entered by the CCI" in html and "Not verified" in html
    assert "Lyon 7e Arrondissement" in html
    assert f'action="/moderation/posts/{post.id}/approve"' in html
    assert f'action="/moderation/posts/{post.id}/reject"' in html
    for reason in moderation.standard_reasons():
        assert f'value="{reason.code}"' in html
    assert 'id="bulk-form"' in html and 'form="bulk-form"' in html
    assert "js/moderation.js" in html and "<script>" not in html and "style=" not in html


def test_the_queue_has_unique_ids_and_labelled_controls(client, moderator_in):
    for _ in range(3):
        factories.PendingPostFactory()
    persist()

    html = client.get("/moderation/").get_data(as_text=True)

    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for control in re.findall(r"<(?:select|textarea)[^>]*>|<input(?![^>]*type=\"hidden\")[^>]*>", html):
        control_id = re.search(r'id="([^"]+)"', control).group(1)
        assert f'for="{control_id}"' in html or "aria-label=" in control, control
    assert 'name="bulk-post_ids" type="hidden"' not in html  # only the boxes carry the selection


def test_empty_values_in_a_bulk_selection_are_ignored(client, moderator_in, pending):
    persist()
    _bulk(client, ["", str(pending.id), " "])

    assert reload(pending).status is PostStatus.PUBLISHED


def test_an_administrator_without_territory_sees_every_departement(client, login, admin):
    here, there = factories.PendingPostFactory(), factories.PendingPostFactory(company=corsican_company())
    login(admin)

    assert set(row_ids(client.get("/moderation/"))) == {here.id, there.id}


def test_an_administrator_with_a_territory_sees_only_it(client, login):
    admin = factories.AdminFactory()
    admin.territories = [UserTerritory(departement="2A")]
    here, there = factories.PendingPostFactory(), factories.PendingPostFactory(company=corsican_company())
    login(admin)

    assert row_ids(client.get("/moderation/")) == [there.id]
    assert here.id not in row_ids(client.get("/moderation/"))


def test_under_post_moderation_the_unreviewed_published_posts_are_listed(app, client, moderator_in, monkeypatch):
    unreviewed = factories.PostFactory(moderated_at=None, submitted_at=days_ago(2))
    reviewed = factories.PostFactory()
    waiting = factories.PendingPostFactory(submitted_at=days_ago(1))
    persist()

    assert row_ids(client.get("/moderation/")) == [waiting.id]
    monkeypatch.setitem(app.config, "POST_MODERATION", "post")
    response = client.get("/moderation/")

    assert row_ids(response) == [unreviewed.id, waiting.id]
    assert reviewed.id not in row_ids(response)
    assert "Published, not reviewed" in response.get_data(as_text=True)


def test_the_queue_is_paginated(app, client, moderator_in, monkeypatch):
    monkeypatch.setitem(app.config, "POSTS_PER_PAGE", 2)
    posts = [factories.PendingPostFactory(submitted_at=days_ago(10 - n)) for n in range(5)]
    persist()

    assert row_ids(client.get("/moderation/")) == [posts[0].id, posts[1].id]
    assert row_ids(client.get("/moderation/?page=3")) == [posts[4].id]
    assert 'href="/moderation/?page=2"' in client.get("/moderation/").get_data(as_text=True)


@pytest.mark.parametrize("page, notice", [("abc", "not understood"), ("-1", "not understood"), ("0", "not understood"),
                                          ("1.5", "not understood"), ("99999999999999999999", "not understood"),
                                          ("999", "fewer pages")])
def test_a_bad_page_number_shows_a_page_and_says_so(client, moderator_in, pending, page, notice):
    persist()
    response = client.get(f"/moderation/?page={page}")

    assert response.status_code == 200
    assert row_ids(response) == [pending.id]
    assert notice in response.get_data(as_text=True)


def test_an_empty_queue_says_so(client, moderator_in):
    html = client.get("/moderation/").get_data(as_text=True)

    assert "Nothing is waiting for moderation" in html
    assert 'id="bulk-form"' not in html


def _measure(client, count_queries, url: str) -> int:
    """SQL statements of one request, with a cold session (as in production)."""
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["moderator", "admin"])
def test_the_queue_runs_a_fixed_number_of_queries(app, client, login, count_queries, who):
    login(factories.ModeratorFactory(departements=["69", "01"]) if who == "moderator" else factories.AdminFactory())
    for n in range(3):
        factories.PendingPostFactory(company=factories.CompanyFactory(verified=n % 2 == 0), entered_by_cci=n == 1)
    persist()
    few = _measure(client, count_queries, "/moderation/")
    for n in range(27):
        factories.PendingPostFactory(company=factories.CompanyFactory())
    persist()
    many = _measure(client, count_queries, "/moderation/")
    second_page = _measure(client, count_queries, "/moderation/?page=2")
    print(f"\nmoderation queue ({who}): {few} queries with 3 pending posts, {many} with 30, {second_page} on page 2")

    assert few == many == second_page
    assert many <= QUEUE_QUERY_BUDGET


# --------------------------------------------------------------------------- approve


def test_approving_publishes_the_post_audits_and_tells_the_owner(client, moderator_in, pending, owner, outbox):
    persist()
    response = client.post(f"/moderation/posts/{pending.id}/approve", data={"next": "/moderation/?page=1"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/moderation/?page=1")
    post = reload(pending)
    assert post.status is PostStatus.PUBLISHED
    assert post.moderated_by_id == moderator_in.id and post.moderated_at is not None
    assert post_rules.is_visible(post)
    [row] = audit_rows()
    assert (row.action, row.actor_id, row.target_type, row.target_id) == ("post.approve", moderator_in.id, "post",
                                                                          post.id)
    [notification] = notifications_of(owner)
    assert post.title in notification.message and notification.link == f"/posts/{post.id}"
    [mail] = outbox
    assert mail.recipients == [owner.email]
    assert mail.subject == "Your post is published" and mail.body.startswith("Hello ")
    assert "is approved" in alerts(client.get("/moderation/"), "success")


def test_the_owner_is_told_in_his_own_language(client, moderator_in, company, outbox):
    french = factories.MemberFactory(company=company, locale="fr")
    english = factories.MemberFactory(company=company, locale="en")
    post = factories.PendingPostFactory(company=company, author=french)
    persist()

    client.post(f"/moderation/posts/{post.id}/approve")

    bodies = {mail.recipients[0]: mail.body for mail in outbox}
    assert bodies[french.email].startswith("Bonjour ")
    assert bodies[english.email].startswith("Hello ")


def test_the_redirection_after_an_action_stays_on_the_site(client, moderator_in, pending):
    persist()
    response = client.post(f"/moderation/posts/{pending.id}/approve", data={"next": "https://evil.example/"})

    assert urlsplit(response.headers["Location"]).path == "/moderation/"
    assert "evil" not in response.headers["Location"]


def test_approving_a_post_that_is_not_pending_says_so_and_changes_nothing(client, moderator_in, outbox):
    for post in [factories.PostFactory(), factories.PostFactory(status=PostStatus.DRAFT, moderated_at=None),
                 factories.PostFactory(status=PostStatus.REJECTED, rejection_reason="Doublon")]:
        persist()
        before = (post.status, post.moderated_at)
        response = client.post(f"/moderation/posts/{post.id}/approve")

        assert response.status_code == 302
        post = reload(post)
        assert (post.status, post.moderated_at) == before
        assert "not waiting for moderation" in alerts(client.get("/moderation/"))
    assert audit_rows() == [] and outbox == []


# --------------------------------------------------------------------------- reject


def test_rejecting_with_a_standard_reply(client, moderator_in, pending, owner, outbox):
    persist()
    response = client.post(f"/moderation/posts/{pending.id}/reject",
                           data={f"reject-{pending.id}-reason_code": "duplicate"})

    assert response.status_code == 302
    post = reload(pending)
    assert post.status is PostStatus.REJECTED
    assert post.rejection_reason == "This post duplicates another post of your company."  # the owner reads English
    assert post.moderated_by_id == moderator_in.id
    [row] = audit_rows()
    assert (row.action, row.reason, row.target_id) == ("post.reject", post.rejection_reason, post.id)
    [notification] = notifications_of(owner)
    assert post.rejection_reason in notification.message
    [mail] = outbox
    assert post.rejection_reason in mail.body and mail.recipients == [owner.email]


def test_rejecting_with_a_written_reason(client, moderator_in, pending):
    persist()
    client.post(f"/moderation/posts/{pending.id}/reject",
                data={f"reject-{pending.id}-reason_code": "other",
                      f"reject-{pending.id}-other_reason": "  Précisez la surface   disponible. "})

    assert reload(pending).rejection_reason == "Précisez la surface disponible."


def test_a_standard_reply_can_be_completed(client, moderator_in, pending):
    persist()
    client.post(f"/moderation/posts/{pending.id}/reject",
                data={f"reject-{pending.id}-reason_code": "incomplete",
                      f"reject-{pending.id}-other_reason": "Quelle surface ?"})

    reason = reload(pending).rejection_reason
    assert reason.startswith("The description is incomplete") and reason.endswith("Quelle surface ?")


def test_a_standard_reply_is_written_in_the_language_of_the_author(client, moderator_in, company):
    author = factories.MemberFactory(company=company, locale="fr")
    post = factories.PendingPostFactory(company=company, author=author)
    persist()

    client.post(f"/moderation/posts/{post.id}/reject", data={f"reject-{post.id}-reason_code": "duplicate"})

    assert reload(post).rejection_reason == moderation.rejection_reason("duplicate", "", "fr")


@pytest.mark.parametrize("data, message", [
    ({}, "Give the reason for the rejection"),
    ({"reason_code": "", "other_reason": "   "}, "Give the reason for the rejection"),
    ({"reason_code": "other", "other_reason": ""}, "Give the reason for the rejection"),
    ({"reason_code": "made-up"}, "Choose one of the standard replies"),
    ({"reason_code": "x" * 10_000}, "Choose one of the standard replies"),
    ({"reason_code": "other", "other_reason": "x" * 2001}, "2000"),
    ({"reason_code": "other", "other_reason": "Trop\x00court"}, "control characters"),
])
def test_a_rejection_without_a_proper_reason_says_why_and_changes_nothing(client, moderator_in, pending, outbox,
                                                                          data, message):
    persist()
    response = client.post(f"/moderation/posts/{pending.id}/reject",
                           data={f"reject-{pending.id}-{name}": value for name, value in data.items()})

    assert response.status_code == 302
    assert reload(pending).status is PostStatus.PENDING
    assert message in alerts(client.get("/moderation/"))
    assert audit_rows() == [] and outbox == []


def test_rejecting_a_closed_post_says_so(client, moderator_in):
    post = factories.PostFactory(status=PostStatus.CLOSED, close_reason="withdrawn")
    persist()

    client.post(f"/moderation/posts/{post.id}/reject", data={f"reject-{post.id}-reason_code": "duplicate"})

    assert reload(post).status is PostStatus.CLOSED
    assert "not waiting for moderation" in alerts(client.get("/moderation/"))


# --------------------------------------------------------------------------- bulk


def _bulk(client, ids, action="approve", **fields):
    data = {"bulk-post_ids": [str(i) for i in ids], "bulk-action": action}
    data.update({f"bulk-{name}": value for name, value in fields.items()})
    return client.post("/moderation/posts/bulk", data=data)


def test_bulk_approve(client, moderator_in, company, owner, outbox):
    posts = [factories.PendingPostFactory(company=company) for _ in range(3)]
    persist()

    response = _bulk(client, [p.id for p in posts])

    assert response.status_code == 302
    assert all(reload(p).status is PostStatus.PUBLISHED for p in posts)
    assert all(reload(p).moderated_by_id == moderator_in.id for p in posts)
    assert [r.target_id for r in audit_rows("post.approve")] == [p.id for p in posts]
    assert len(notifications_of(owner)) == 3 and len(outbox) == 3
    assert "3 posts approved" in alerts(client.get("/moderation/"), "success")


def test_bulk_reject_with_one_reason(client, moderator_in, company, owner, outbox):
    posts = [factories.PendingPostFactory(company=company) for _ in range(2)]
    persist()

    _bulk(client, [p.id for p in posts], "reject", reason_code="advertising")

    with force_locale("fr"):  # no author: the reason is stored in the default language
        expected = str(_l("This post is commercial advertising rather than mutual aid between businesses."))
    for post in posts:
        post = reload(post)
        assert post.status is PostStatus.REJECTED and post.rejection_reason == expected
    assert len(audit_rows("post.reject")) == 2 and len(outbox) == 2


def test_bulk_reject_without_reason_changes_nothing(client, moderator_in, pending):
    persist()
    _bulk(client, [pending.id], "reject")

    assert reload(pending).status is PostStatus.PENDING
    assert "Give the reason" in alerts(client.get("/moderation/"))


def test_bulk_with_a_post_of_another_territory_changes_nothing(client, moderator_in, outbox):
    mine = factories.PendingPostFactory()
    factories.MemberFactory(company=mine.company)
    theirs = factories.PendingPostFactory(company=corsican_company())
    persist()

    for action in ("approve", "reject"):
        response = _bulk(client, [mine.id, theirs.id], action, reason_code="duplicate")

        assert response.status_code == 302
        assert reload(mine).status is PostStatus.PENDING and reload(theirs).status is PostStatus.PENDING
        message = alerts(client.get("/moderation/"))
        assert "Nothing was changed" in message and f"#{theirs.id} is outside your territory" in message
        assert theirs.title not in message  # nothing told about another territory's post
    assert audit_rows() == [] and outbox == [] and notifications_of(mine.company.members[0]) == []


def test_bulk_with_a_post_that_is_not_pending_changes_nothing(client, moderator_in):
    waiting = factories.PendingPostFactory()
    done = factories.PostFactory(title="Déjà publiée")
    persist()

    _bulk(client, [waiting.id, done.id, 99999])

    assert reload(waiting).status is PostStatus.PENDING
    message = alerts(client.get("/moderation/"))
    assert "“Déjà publiée”" in message and "not waiting for moderation" in message
    assert "#99999 does not exist" in message
    assert audit_rows() == []


@pytest.mark.parametrize("ids, action, message", [
    ([], "approve", "Select at least one post"),
    (["abc"], "approve", "selection is not valid"),
    (["99999999999999999999"], "approve", "selection is not valid"),
    (["0"], "approve", "selection is not valid"),
    (["١٢"], "approve", "selection is not valid"),
    (None, "publish", "Choose to approve or to reject"),
    (None, "", "Choose to approve or to reject"),
])
def test_a_bad_bulk_request_says_why_and_changes_nothing(client, moderator_in, pending, ids, action, message):
    persist()
    response = _bulk(client, [pending.id] if ids is None else ids, action)

    assert response.status_code == 302
    assert reload(pending).status is PostStatus.PENDING
    assert message in alerts(client.get("/moderation/"))


def test_bulk_counts_a_post_selected_twice_once(client, moderator_in, pending):
    persist()
    _bulk(client, [pending.id, pending.id])

    assert reload(pending).status is PostStatus.PUBLISHED
    assert len(audit_rows("post.approve")) == 1


def test_too_large_a_selection_is_refused(client, moderator_in, pending):
    persist()
    _bulk(client, list(range(1, moderation.BULK_MAX + 2)))

    assert reload(pending).status is PostStatus.PENDING
    assert "posts at most" in alerts(client.get("/moderation/"))


# --------------------------------------------------------------------------- the company page


def test_the_company_page_shows_everything_to_the_moderator_of_its_territory(client, moderator_in, company, owner):
    applicant = factories.PendingMemberFactory(company=company, full_name="Nouvelle Recrue")
    waiting = factories.PendingPostFactory(company=company, title="Annonce en attente")
    factories.PostFactory(company=company, title="Annonce publiée")
    persist()
    client.post(f"/moderation/posts/{waiting.id}/approve")
    client.post(f"/moderation/companies/{company.id}/report", data={"text": "A appelé trois fois, très insistant."})

    response = client.get(f"/moderation/companies/{company.id}")

    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    for text in (company.legal_name, company.siret, company.address, company.phone, owner.email, owner.full_name,
                 applicant.email, "asks to join", "Annonce en attente", "Annonce publiée",
                 "A appelé trois fois, très insistant.", "Post approved", "Report on a company"):
        assert text in html, text
    assert f'action="/moderation/companies/{company.id}/suspend"' in html
    assert f'action="/moderation/companies/{company.id}/unverify"' in html  # the factory's companies are verified
    assert f'action="/moderation/companies/{company.id}/report"' in html


def test_the_company_page_runs_a_fixed_number_of_queries(client, moderator_in, company, count_queries):
    factories.MemberFactory(company=company)
    persist()
    company_id = company.id
    few = _measure(client, count_queries, f"/moderation/companies/{company_id}")
    company = db.session.get(Company, company_id)
    for _ in range(10):
        post = factories.PendingPostFactory(company=company)
        db.session.add(AuditLog(actor_label="x@example.org", action="post.approve", target_type="post",
                                target_id=post.id, details={}))
    factories.MemberFactory(company=company)
    persist()
    many = _measure(client, count_queries, f"/moderation/companies/{company_id}")
    print(f"\nmoderation company page: {few} queries, {many} with 10 more posts and audit rows")

    assert few == many


def test_verify_and_unverify(client, moderator_in):
    company = factories.CompanyFactory(verified=False)
    persist()

    client.post(f"/moderation/companies/{company.id}/verify")
    assert reload(company).verified is True
    client.post(f"/moderation/companies/{company.id}/verify")
    assert "already verified" in alerts(client.get("/moderation/"))
    client.post(f"/moderation/companies/{company.id}/unverify")

    assert reload(company).verified is False
    assert [r.action for r in audit_rows()] == ["company.verify", "company.unverify"]
    assert all(r.actor_id == moderator_in.id and r.target_id == company.id for r in audit_rows())


def test_a_report_is_kept_in_the_audit_log(client, moderator_in, company):
    persist()
    response = client.post(f"/moderation/companies/{company.id}/report", data={"text": "  Prix abusifs signalés. "})

    assert urlsplit(response.headers["Location"]).path == f"/moderation/companies/{company.id}"
    [row] = audit_rows()
    assert (row.action, row.reason, row.target_type, row.target_id) == ("company.report", "Prix abusifs signalés.",
                                                                        "company", company.id)


@pytest.mark.parametrize("text, message", [("", "Write the report"), ("   ", "Write the report"),
                                           ("x" * 5001, "5000"), ("a\x00b", "control characters")])
def test_an_empty_or_bad_report_is_refused(client, moderator_in, company, text, message):
    persist()
    client.post(f"/moderation/companies/{company.id}/report", data={"text": text})

    assert audit_rows() == []
    assert message in alerts(client.get(f"/moderation/companies/{company.id}"))


def test_suspending_hides_the_posts_blocks_new_ones_and_tells_the_members(client, moderator_in, company, owner,
                                                                            outbox):
    published = factories.PostFactory(company=company, title="Palettes bois à donner")
    other = factories.PostFactory()
    persist()
    assert client.get("/posts").status_code == 200

    response = client.post(f"/moderation/companies/{company.id}/suspend",
                           data={"reason": "Annonces trompeuses répétées."})

    assert response.status_code == 302
    company = reload(company)
    assert company.is_suspended and company.suspension_reason == "Annonces trompeuses répétées."
    visible = set(db.session.scalars(sa.select(Post.id).where(post_rules.visible_condition())))
    assert published.id not in visible and other.id in visible
    assert "Palettes bois à donner" not in client.get("/posts").get_data(as_text=True)
    [row] = audit_rows()
    assert (row.action, row.reason, row.target_id) == ("company.suspend", "Annonces trompeuses répétées.", company.id)
    [notification] = notifications_of(owner)
    assert "Annonces trompeuses répétées." in notification.message
    [mail] = outbox
    assert mail.recipients == [owner.email] and "Annonces trompeuses répétées." in mail.body
    assert mail.subject == "Your company is suspended"
    with pytest.raises(Forbidden):
        post_rules.create_post(reload(owner), company, post_rules.PostData(
            kind="offer", category="storage", title="Nouvelle annonce", description="Entrepôt disponible."))
    draft = factories.PostFactory(company=company, status=PostStatus.DRAFT, published_at=None, moderated_at=None)
    with pytest.raises(Forbidden):
        post_rules.submit_post(reload(owner), draft)


def test_lifting_the_suspension_shows_the_posts_again(client, moderator_in, company, owner, outbox):
    published = factories.PostFactory(company=company)
    company.suspended_at, company.suspension_reason = utcnow(), "Vérification en cours"
    persist()

    client.post(f"/moderation/companies/{company.id}/lift-suspension", data={"note": "Vérifié par téléphone"})

    company = reload(company)
    assert not company.is_suspended and company.suspension_reason is None
    assert post_rules.is_visible(reload(published))
    [row] = audit_rows()
    assert (row.action, row.reason) == ("company.lift_suspension", "Vérifié par téléphone")
    assert len(notifications_of(owner)) == 1 and len(outbox) == 1


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001])
def test_a_suspension_needs_a_reason(client, moderator_in, company, owner, outbox, reason):
    persist()
    client.post(f"/moderation/companies/{company.id}/suspend", data={"reason": reason})

    assert not reload(company).is_suspended
    assert audit_rows() == [] and outbox == [] and notifications_of(owner) == []
    assert alerts(client.get(f"/moderation/companies/{company.id}"))


def test_suspending_twice_or_lifting_nothing_says_so(client, moderator_in, company):
    persist()
    client.post(f"/moderation/companies/{company.id}/lift-suspension")
    assert "not suspended" in alerts(client.get("/moderation/"))
    client.post(f"/moderation/companies/{company.id}/suspend", data={"reason": "Abus"})
    client.post(f"/moderation/companies/{company.id}/suspend", data={"reason": "Encore"})

    assert reload(company).suspension_reason == "Abus"
    assert "already suspended" in alerts(client.get("/moderation/"))
    assert [r.action for r in audit_rows()] == ["company.suspend"]


def test_the_suspended_company_page_offers_to_lift(client, moderator_in, company):
    company.suspended_at, company.suspension_reason = utcnow(), "Fraude <b>suspectée</b>"
    persist()

    html = client.get(f"/moderation/companies/{company.id}").get_data(as_text=True)

    assert f'action="/moderation/companies/{company.id}/lift-suspension"' in html
    assert "Fraude &lt;b&gt;suspectée&lt;/b&gt;" in html


# --------------------------------------------------------------------------- with CSRF protection on


@pytest.fixture
def csrf_app(tmp_path_factory, tmp_path, monkeypatch):
    """Another app on the test database, with CSRF checks (the suite's app has them off)."""
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app(base_config(tmp_path_factory, WTF_CSRF_ENABLED=True))
    yield application
    with application.app_context():
        db.engine.dispose()


def _token(html: str, form_action: str) -> dict[str, str]:
    """The hidden CSRF field (name and value) of the form posting to ``form_action``."""
    form = re.search(r'<form method="post" action="%s".*?</form>' % re.escape(form_action), html, re.S)
    assert form, form_action
    name, value = re.search(r'name="([^"]*csrf_token)"[^>]*value="([^"]+)"', form.group(0)).group(1, 2)
    return {name: value}


def test_the_actions_work_with_csrf_protection_and_refuse_without(csrf_app, moderator):
    company = factories.CompanyFactory(verified=False)
    posts = [factories.PendingPostFactory(company=company) for _ in range(3)]
    persist()
    # Each request of another app removes the session: keep plain values, not the objects.
    email, company_id, (first, second, third) = moderator.email, company.id, [p.id for p in posts]
    client = csrf_app.test_client()
    login_page = client.get("/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    assert client.post("/connexion", data={"email": email, "password": factories.TEST_PASSWORD,
                                           "csrf_token": token}).status_code == 302

    assert client.post(f"/moderation/posts/{first}/approve").status_code == 400
    html = client.get("/moderation/").get_data(as_text=True)
    assert client.post(f"/moderation/posts/{first}/approve",
                       data=_token(html, f"/moderation/posts/{first}/approve")).status_code == 302
    reject = _token(html, f"/moderation/posts/{second}/reject")
    assert client.post(f"/moderation/posts/{second}/reject",
                       data={**reject, f"reject-{second}-reason_code": "duplicate"}).status_code == 302
    bulk = _token(html, "/moderation/posts/bulk")
    assert client.post("/moderation/posts/bulk", data={**bulk, "bulk-post_ids": [str(third)],
                                                       "bulk-action": "approve"}).status_code == 302
    page = client.get(f"/moderation/companies/{company_id}").get_data(as_text=True)
    verify = _token(page, f"/moderation/companies/{company_id}/verify")
    assert client.post(f"/moderation/companies/{company_id}/verify", data=verify).status_code == 302

    statuses = [db.session.get(Post, post_id).status for post_id in (first, second, third)]
    assert statuses == [PostStatus.PUBLISHED, PostStatus.REJECTED, PostStatus.PUBLISHED]
    assert db.session.get(Company, company_id).verified is True
