"""Security review: authorization and data exposure problems found route by route, one test each.

Each test failed before its fix (see the review report); together they pin down who may see and do what."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.extensions import db, limiter
from marketplace.models import AuditLog, Post, PostStatus
from marketplace.models.types import utcnow

from .. import factories
from ..conftest import base_config
from .accounts_support import persist, registration
from .posts_owner_support import fresh, image_bytes, post_form, upload


def audit_rows(action: str | None = None) -> list[AuditLog]:
    db.session.expire_all()
    statement = sa.select(AuditLog).order_by(AuditLog.id)
    if action:
        statement = statement.where(AuditLog.action == action)
    return list(db.session.scalars(statement))


def edit_form(post: Post, **overrides) -> dict:
    values = post_form(kind=post.kind.value, category=post.category.value, title=post.title,
                       description=post.description, quantity="200", unit="m²", radius_km="",
                       price="free", submit_post=None, save="y")
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


# --------------------------------------------------------------------------- pending members


@pytest.fixture
def pending_member(member):
    """Someone who typed the (public) SIRET of the company at registration: not accepted yet."""
    asking = factories.PendingMemberFactory(company=member.company, email="asking@example.net")
    persist()
    return asking


def test_pending_member_does_not_see_the_company_contact_details_on_the_profile(client, login, member,
                                                                                 pending_member):
    company = member.company
    login(pending_member)

    html = client.get("/compte/").get_data(as_text=True)

    assert company.legal_name in html
    assert company.phone not in html
    assert company.address not in html


def test_pending_member_does_not_see_the_members_emails(client, login, member, pending_member):
    login(pending_member)

    response = client.get("/compte/membres")

    assert response.status_code == 200
    assert member.email not in response.get_data(as_text=True)
    assert pending_member.email in response.get_data(as_text=True)  # their own request


def test_active_member_still_sees_contact_details_and_members(client, login, member, pending_member):
    login(member)

    assert member.company.phone in client.get("/compte/").get_data(as_text=True)
    html = client.get("/compte/membres").get_data(as_text=True)
    assert member.email in html and pending_member.email in html


# --------------------------------------------------------------------------- moderation bypass


def test_editing_what_an_expired_post_is_about_sends_it_back_to_moderation(client, login, member, english):
    """Otherwise: edit an expired post into anything, click "Renew", and it is online unmoderated."""
    post = factories.PostFactory(company=member.company, status=PostStatus.EXPIRED,
                                 renewed_at=utcnow() - timedelta(days=70))
    persist()
    login(member)

    client.post(f"/posts/{post.id}/edit", data=edit_form(post, title="Tout autre chose, jamais modéré"))
    client.post(f"/posts/{post.id}/renew")

    post = fresh(post)
    assert post.title == "Tout autre chose, jamais modéré"
    assert post.status is PostStatus.PENDING
    assert client.get(f"/posts/{post.id}").status_code == 200  # the owner still sees it
    visitor = client.application.test_client()
    assert visitor.get(f"/posts/{post.id}").status_code == 404


def test_editing_only_the_dates_of_an_expired_post_lets_it_be_renewed(client, login, member, english):
    post = factories.PostFactory(company=member.company, status=PostStatus.EXPIRED,
                                 renewed_at=utcnow() - timedelta(days=70))
    persist()
    login(member)

    client.post(f"/posts/{post.id}/edit", data=edit_form(post, unit="palettes"))
    client.post(f"/posts/{post.id}/renew")

    assert fresh(post).status is PostStatus.PUBLISHED


# --------------------------------------------------------------------------- audit of the staff's actions


@pytest.fixture
def staff_post(member):
    return factories.PostFactory(company=member.company)


@pytest.fixture
def moderator_logged(client, login, moderator, staff_post):
    persist()
    login(moderator)
    return moderator


def _only_entry(action: str, moderator) -> AuditLog:
    rows = audit_rows(action)
    assert len(rows) == 1, [(row.action, row.actor_label) for row in audit_rows()]
    assert rows[0].actor_id == moderator.id and rows[0].actor_label == moderator.email
    assert rows[0].created_at is not None
    return rows[0]


def test_a_moderator_editing_a_company_post_is_audited(client, moderator_logged, staff_post):
    client.post(f"/posts/{staff_post.id}/edit", data=edit_form(staff_post, title="Titre corrigé par la CCI"))

    assert fresh(staff_post).title == "Titre corrigé par la CCI"
    entry = _only_entry("post.edit", moderator_logged)
    assert (entry.target_type, entry.target_id) == ("post", staff_post.id)
    assert "title" in entry.details["fields"]


def test_a_moderator_closing_a_company_post_is_audited(client, moderator_logged, staff_post):
    client.post(f"/posts/{staff_post.id}/close", data={"reason": "withdrawn"})

    assert fresh(staff_post).status is PostStatus.CLOSED
    entry = _only_entry("post.close", moderator_logged)
    assert entry.target_id == staff_post.id and entry.reason == "withdrawn"


def test_a_moderator_renewing_a_company_post_is_audited(client, moderator_logged, staff_post):
    client.post(f"/posts/{staff_post.id}/renew")

    assert _only_entry("post.renew", moderator_logged).target_id == staff_post.id


def test_a_moderator_deleting_a_company_post_is_audited(client, moderator_logged, staff_post):
    post_id, title, company_id = staff_post.id, staff_post.title, staff_post.company_id

    client.post(f"/posts/{post_id}/delete")

    db.session.expire_all()
    assert db.session.get(Post, post_id) is None
    entry = _only_entry("post.delete", moderator_logged)
    assert (entry.target_type, entry.target_id) == ("company", company_id)  # the post is gone: its company
    assert entry.details["post"] == post_id and entry.details["title"] == title


def test_a_moderator_submitting_a_company_draft_is_audited(client, moderator_logged, member):
    draft = factories.PostFactory(company=member.company, status=PostStatus.DRAFT, published_at=None,
                                  renewed_at=None, moderated_at=None)
    persist()

    client.post(f"/posts/{draft.id}/submit")

    assert fresh(draft).status is PostStatus.PENDING
    assert _only_entry("post.submit", moderator_logged).target_id == draft.id


def test_a_moderator_changing_the_photos_of_a_company_post_is_audited(client, moderator_logged, staff_post):
    client.post(f"/posts/{staff_post.id}/photos", data={"photos": [upload(image_bytes())]},
                content_type="multipart/form-data")
    photo_id = fresh(staff_post).photos[0].id
    client.post(f"/posts/{staff_post.id}/photos/{photo_id}/delete")

    rows = audit_rows("post.edit")
    assert [row.details for row in rows] == [{"photos_added": 1}, {"photo_deleted": photo_id}]
    assert {row.actor_id for row in rows} == {moderator_logged.id}


def test_the_company_editing_its_own_post_writes_no_audit_entry(client, login, member, staff_post):
    persist()
    login(member)

    client.post(f"/posts/{staff_post.id}/edit", data=edit_form(staff_post, unit="palettes"))
    client.post(f"/posts/{staff_post.id}/renew")
    client.post(f"/posts/{staff_post.id}/close", data={"reason": "withdrawn"})

    assert fresh(staff_post).status is PostStatus.CLOSED
    assert audit_rows() == []


def test_the_new_audit_actions_have_labels(app):
    from marketplace.services import moderation

    with app.test_request_context():
        for action in ("post.edit", "post.submit", "post.close", "post.renew", "post.delete"):
            assert moderation.action_label(action) != action


# --------------------------------------------------------------------------- session on login


def test_login_starts_a_new_session_but_keeps_the_language(client, member):
    persist()
    with client.session_transaction() as session:
        session["csrf_token"] = "token-known-to-an-attacker"
        session["planted"] = "by someone else"
        session["lang"] = "en"

    response = client.post("/connexion", data={"email": member.email, "password": factories.TEST_PASSWORD})

    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != "token-known-to-an-attacker"
        assert session["lang"] == "en"
        assert session["_user_id"].startswith(f"{member.id}:")


# --------------------------------------------------------------------------- rate limit of the registration


@pytest.fixture
def limited_client(tmp_path_factory, tmp_path, monkeypatch):
    for name in ("enabled", "initialized", "_storage", "_limiter"):
        monkeypatch.setattr(limiter, name, getattr(limiter, name))
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app(base_config(tmp_path_factory, RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute",
                                         RATELIMIT_STORAGE_URI="memory://"))
    yield application.test_client()
    with application.app_context():
        db.engine.dispose()


def test_registration_is_rate_limited(limited_client):
    """Each registration mails a link to any address typed, and the members of the company named by a SIRET."""
    bad = registration(siret="123")  # refused: nothing is created, the attempt still counts
    for _ in range(3):
        assert limited_client.post("/inscription", data=bad).status_code == 200
    assert limited_client.post("/inscription", data=bad).status_code == 429
    assert limited_client.get("/inscription").status_code == 200  # reading the page is not limited
