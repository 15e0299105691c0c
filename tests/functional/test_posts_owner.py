"""The company's own posts: create, edit, submit, close, renew, delete, renew from the mail and "my posts";
who may do it, bad input (a clear message, nothing changed, never a 500) and the SQL query budget."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from marketplace.extensions import db
from marketplace.models import CloseReason, Post, PostKind, PostStatus
from marketplace.models.types import utcnow
from marketplace.services import posts as post_service
from marketplace.services import tokens

from .. import factories
from .accounts_support import persist
from .posts_owner_support import (
    ESCAPED_SCRIPT,
    SCRIPT,
    alerts,
    field_error,
    fresh,
    html_of,
    measure,
    post_form,
    snapshot,
)

TODAY = date.today()
LONG = "x" * 10_000
INLINE_CODE_RE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=", re.I)


@pytest.fixture
def owner(db):
    return factories.MemberFactory()


@pytest.fixture
def logged_owner(owner, login, english):
    persist()
    login(owner)
    return owner


def published_of(user, **overrides) -> Post:
    return factories.PostFactory(company=user.company, **overrides)


def newest_post() -> Post | None:
    db.session.expire_all()
    return db.session.scalar(db.select(Post).order_by(Post.id.desc()).limit(1))


def assert_login_redirect(response) -> None:
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


# --------------------------------------------------------------------------- who may come in


OWNER_PAGES = ["/posts/new", "/my-posts"]


def post_urls(post_id: int) -> list[tuple[str, str]]:
    return [("get", f"/posts/{post_id}/edit"), ("post", f"/posts/{post_id}/edit"), ("post", f"/posts/{post_id}/submit"),
            ("get", f"/posts/{post_id}/close"), ("post", f"/posts/{post_id}/close"),
            ("post", f"/posts/{post_id}/renew"), ("get", f"/posts/{post_id}/delete"),
            ("post", f"/posts/{post_id}/delete"), ("post", f"/posts/{post_id}/photos"),
            ("post", f"/posts/{post_id}/photos/1/delete")]


def test_a_visitor_is_sent_to_the_login_page(client, owner):
    post = published_of(owner)
    persist()
    before = snapshot()
    for url in OWNER_PAGES:
        assert_login_redirect(client.get(url))
    assert_login_redirect(client.post("/posts/new", data=post_form()))
    for method, url in post_urls(post.id):
        assert_login_redirect(getattr(client, method)(url, data=post_form()))
    assert snapshot() == before


def test_a_pending_member_is_refused(client, login, owner):
    pending = factories.PendingMemberFactory(company=owner.company)
    post = published_of(owner)
    draft = published_of(owner, status=PostStatus.DRAFT)
    persist()
    login(pending)
    before = snapshot()
    for url in OWNER_PAGES:
        assert client.get(url).status_code == 403
    assert client.post("/posts/new", data=post_form()).status_code == 403
    for method, url in post_urls(post.id):
        assert getattr(client, method)(url, data=post_form()).status_code == 403, url
    for method, url in post_urls(draft.id):
        assert getattr(client, method)(url, data=post_form()).status_code == 404, url  # not even visible
    assert snapshot() == before


def test_another_company_cannot_touch_the_posts(client, login, owner):
    stranger = factories.MemberFactory()
    post = published_of(owner)
    draft = published_of(owner, status=PostStatus.DRAFT)
    persist()
    login(stranger)
    before = snapshot()
    for method, url in post_urls(post.id):
        assert getattr(client, method)(url, data={**post_form(), "reason": "withdrawn"}).status_code == 403, url
    for method, url in post_urls(draft.id):
        assert getattr(client, method)(url, data={**post_form(), "reason": "withdrawn"}).status_code == 404, url
    assert snapshot() == before
    assert post.title not in html_of(client.get("/my-posts"))


def test_staff_without_company_have_no_own_posts(client, login):
    moderator = factories.ModeratorFactory(departements=["69"])
    persist()
    login(moderator)
    for url in OWNER_PAGES:
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [
    "/posts/abc/edit", "/posts/99999999999999999999/edit", "/posts/2147483648/edit", "/posts/-1/edit",
    "/posts/0/edit", "/posts/1.5/edit", "/posts/%00/edit", "/posts/2147483647/edit", "/posts/2147483647/close",
    "/posts/2147483647/delete", "/posts/abc/delete", "/posts/99999999999999999999/close",
])
def test_malformed_or_unknown_ids_give_404(client, logged_owner, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", [
    "/posts/abc/submit", "/posts/99999999999999999999/submit", "/posts/2147483647/renew",
    "/posts/99999999999999999999/renew", "/posts/2147483647/submit", "/posts/2147483647/photos",
])
def test_malformed_or_unknown_ids_of_actions_give_404(client, logged_owner, url):
    before = snapshot()
    assert client.post(url).status_code == 404
    assert snapshot() == before


# --------------------------------------------------------------------------- the form


def test_the_form_has_every_field_and_no_inline_code(client, logged_owner):
    html = html_of(client.get("/posts/new"))
    for name in ("kind", "category", "title", "description", "quantity", "unit", "location", "postcode", "city",
                 "radius_km", "available_from", "available_until", "price", "photos", "submit_post", "save_draft"):
        assert f'name="{name}"' in html, name
    assert html.count('<option value="') >= 10 + 13  # categories + common units
    for label in ("Storage", "Raw materials", "Stock and unsold goods"):
        assert label in html
    for unit in ("m²", "palettes", "kg par semaine", "fûts"):
        assert f'<option value="{unit}">' in html
    assert 'list="units-list"' in html and 'id="units-list"' in html
    assert 'data-communes-url="/communes/"' in html and 'list="communes-list"' in html
    assert 'type="date"' in html
    assert "js/posts.js" in html
    assert logged_owner.company.postcode in html  # "at the company's address (69007 ...)"
    assert not INLINE_CODE_RE.search(html)


def test_every_label_is_bound_to_its_input(client, logged_owner):
    html = html_of(client.get("/posts/new"))
    for field_id in ("category", "title", "description", "quantity", "unit", "postcode", "city", "radius_km",
                     "available_from", "available_until", "photos"):
        assert f'<label class="form-label" for="{field_id}">' in html, field_id
        assert f'id="{field_id}"' in html
    for group in ("kind", "location", "price"):
        assert re.search(rf'<fieldset[^>]*id="{group}"[^>]*>\s*<legend', html), group


# --------------------------------------------------------------------------- creating


def test_create_and_submit_a_need(client, logged_owner):
    response = client.post("/posts/new", data=post_form(quantity="1 500,5", radius_km="45", price="paid"))
    post = newest_post()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/posts/{post.id}")
    assert post.status is PostStatus.PENDING and post.kind is PostKind.NEED
    assert (post.company_id, post.author_id) == (logged_owner.company_id, logged_owner.id)
    assert (post.quantity, post.unit, post.radius_km, post.is_free) == (1500.5, "m²", 45, False)
    assert post.postcode == logged_owner.company.postcode
    html = html_of(client.get(response.headers["Location"]))
    assert "the CCI checks it before it is published" in html


def test_save_as_draft(client, logged_owner):
    client.post("/posts/new", data=post_form(submit_post=None, save_draft="y"))
    post = newest_post()
    assert post.status is PostStatus.DRAFT and post.submitted_at is None


def test_under_post_moderation_the_post_is_published_at_once(app, client, logged_owner, monkeypatch):
    monkeypatch.setitem(app.config, "POST_MODERATION", "post")
    html = html_of(client.get("/posts/new"))
    assert ">Publish</button>" in html
    response = client.post("/posts/new", data=post_form(), follow_redirects=True)
    assert newest_post().status is PostStatus.PUBLISHED
    assert "Your post is published." in alerts(response)


def test_an_offer_ignores_the_radius(client, logged_owner):
    client.post("/posts/new", data=post_form(kind="offer", radius_km="5000"))
    post = newest_post()
    assert post.kind is PostKind.OFFER and post.radius_km is None


def test_a_post_located_elsewhere(client, logged_owner):
    client.post("/posts/new", data=post_form(location="other", postcode="13001", city="marseille"))
    post = newest_post()
    assert (post.postcode, post.departement) == ("13001", "13")
    assert post.city.startswith("Marseille")


def test_elsewhere_fields_are_ignored_at_the_company_address(client, logged_owner):
    client.post("/posts/new", data=post_form(location="company", postcode="99999", city="Nowhere"))
    post = newest_post()
    assert post.postcode == logged_owner.company.postcode


def test_optional_fields_may_stay_empty(client, logged_owner):
    client.post("/posts/new", data=post_form(quantity="", unit="", radius_km="", price="unknown"))
    post = newest_post()
    assert (post.quantity, post.unit, post.radius_km, post.is_free) == (None, None, None, None)


def test_dates_are_saved_and_typed_dates_understood(client, logged_owner):
    start, end = TODAY + timedelta(days=2), TODAY + timedelta(days=40)
    client.post("/posts/new", data=post_form(available_from=start.isoformat(),
                                             available_until=end.strftime("%d/%m/%Y")))
    post = newest_post()
    assert (post.available_from, post.available_until) == (start, end)


def test_html_is_shown_as_text(client, logged_owner):
    client.post("/posts/new", data=post_form(title=SCRIPT, description=SCRIPT, unit="<b>kg</b>"))
    post = newest_post()
    assert post.title == SCRIPT
    for url in (f"/posts/{post.id}/edit", "/my-posts", f"/posts/{post.id}/close", f"/posts/{post.id}/delete"):
        html = html_of(client.get(url))
        assert SCRIPT not in html and ESCAPED_SCRIPT in html, url


def test_photos_can_come_with_the_new_post(client, logged_owner):
    from .posts_owner_support import image_bytes, upload

    data = post_form()
    data["photos"] = [upload(image_bytes("JPEG")), upload(image_bytes("PNG"), "b.png", "image/png")]
    response = client.post("/posts/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert [p.content_type for p in newest_post().photos] == ["image/jpeg", "image/png"]


def test_a_bad_photo_refuses_the_whole_new_post(client, logged_owner):
    from .posts_owner_support import upload

    before = snapshot()
    data = post_form()
    data["photos"] = [upload(b"this is not an image", "notes.jpg")]
    response = client.post("/posts/new", data=data, content_type="multipart/form-data")
    assert "notes.jpg is not a photo we accept" in field_error(response, "photos")
    assert snapshot() == before


BAD_FIELDS = [
    ("title", "", "Give the post a title."),
    ("title", "   ", "Give the post a title."),
    ("title", "x" * 151, "150 characters at most."),
    ("title", LONG, "150 characters at most."),
    ("title", "Palettes\x00", "invisible control characters"),
    ("description", "", "Describe what you offer or need."),
    ("description", "x" * 5001, "5000 characters at most."),
    ("kind", "", "Choose whether this is an offer or a need."),
    ("kind", "gift", "Choose whether this is an offer or a need."),
    ("category", "", "Choose a category."),
    ("category", "weapons", "Choose a category."),
    ("quantity", "-1", "positive number"),
    ("quantity", "-0,5", "positive number"),
    ("quantity", "abc", "positive number"),
    ("quantity", "nan", "positive number"),
    ("quantity", "NaN", "positive number"),
    ("quantity", "inf", "positive number"),
    ("quantity", "-Infinity", "positive number"),
    ("quantity", "1e999", "positive number"),
    ("quantity", "1e10", "positive number"),
    ("quantity", "12,5,3", "positive number"),
    ("quantity", "9" * 400, "positive number"),
    ("unit", "x" * 41, "40 characters at most."),
    ("radius_km", "0", "between 1 and 1000"),
    ("radius_km", "5000", "between 1 and 1000"),
    ("radius_km", "1001", "between 1 and 1000"),
    ("radius_km", "-5", "between 1 and 1000"),
    ("radius_km", "abc", "between 1 and 1000"),
    ("radius_km", "12,5", "between 1 and 1000"),
    ("available_from", "31/02/2026", "Enter a date"),
    ("available_until", "tomorrow", "Enter a date"),
    ("available_until", (TODAY - timedelta(days=1)).isoformat(), "This date has passed"),
    ("price", "maybe", "Choose free, paid or not specified."),
    ("location", "mars", "Choose where the post is located."),
]


@pytest.mark.parametrize("name, value, message", BAD_FIELDS, ids=[f"{n}-{v[:12]!r}" for n, v, _ in BAD_FIELDS])
def test_bad_input_is_refused_field_by_field(client, logged_owner, name, value, message):
    before = snapshot()
    response = client.post("/posts/new", data=post_form(**{name: value}))
    html = html_of(response)
    assert message in field_error(response, name), field_error(response, name)
    assert 'id="form-errors"' in html
    assert snapshot() == before


def test_the_end_date_must_follow_the_start_date(client, logged_owner):
    before = snapshot()
    response = client.post("/posts/new", data=post_form(available_from=(TODAY + timedelta(days=10)).isoformat(),
                                                        available_until=(TODAY + timedelta(days=5)).isoformat()))
    assert field_error(response, "available_until") == "The end date must come after the start date."
    assert snapshot() == before


@pytest.mark.parametrize("postcode, city, field, message", [
    ("", "", "postcode", "Enter the postcode of the place."),
    ("99999", "", "postcode", "Unknown postcode: 99999"),
    ("6900", "", "postcode", "exactly 5 digits"),
    (LONG, "", "postcode", "exactly 5 digits"),
    ("69002", "Marseille", "city", "Marseille is not served by postcode 69002"),
    ("69002", SCRIPT, "city", "is not served by postcode 69002"),
])
def test_a_bad_place_elsewhere_is_refused(client, logged_owner, postcode, city, field, message):
    before = snapshot()
    response = client.post("/posts/new", data=post_form(location="other", postcode=postcode, city=city))
    assert message in field_error(response, field)
    assert SCRIPT not in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_suspended_company_cannot_post(client, logged_owner):
    logged_owner.company.suspended_at = utcnow()
    persist()
    assert "This company is suspended" in html_of(client.get("/posts/new"))
    before = snapshot()
    response = client.post("/posts/new", data=post_form())
    assert response.status_code == 403
    assert "This company is suspended: it cannot publish for now." in response.get_data(as_text=True)
    assert snapshot() == before


# --------------------------------------------------------------------------- editing


def test_the_edit_form_is_filled_with_the_post(client, logged_owner):
    post = published_of(logged_owner, available_until=TODAY + timedelta(days=20), is_free=False, quantity=12.5)
    persist()
    html = html_of(client.get(f"/posts/{post.id}/edit"))
    assert f'value="{post.title}"' in html
    assert 'value="12.5"' in html
    assert f'value="{(TODAY + timedelta(days=20)).isoformat()}"' in html
    assert re.search(r'<input[^>]*checked[^>]*value="offer"|<input[^>]*value="offer"[^>]*checked', html)
    assert re.search(r'<input[^>]*value="company"[^>]*checked|<input[^>]*checked[^>]*value="company"', html)
    assert re.search(r'<input[^>]*value="paid"[^>]*checked|<input[^>]*checked[^>]*value="paid"', html)
    assert 'id="moderation-warning"' in html
    assert 'name="save"' in html and 'name="submit_post"' not in html


def test_the_edit_form_of_a_post_elsewhere_shows_its_place(client, logged_owner):
    post = published_of(logged_owner, postcode="13001", city="Marseille 1er Arrondissement", insee_code="13201",
                        departement="13", region="93")
    persist()
    html = html_of(client.get(f"/posts/{post.id}/edit"))
    assert re.search(r'<input[^>]*value="other"[^>]*checked|<input[^>]*checked[^>]*value="other"', html)
    assert 'value="13001"' in html and 'value="Marseille 1er Arrondissement"' in html


def edit_form(post: Post, **overrides) -> dict:
    values = post_form(kind=post.kind.value, category=post.category.value, title=post.title,
                       description=post.description, quantity="200", unit="m²", radius_km="",
                       price="free", submit_post=None, save="y")
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def test_changing_the_title_of_a_published_post_sends_it_back_to_moderation(client, logged_owner):
    post = published_of(logged_owner)
    persist()
    response = client.post(f"/posts/{post.id}/edit", data=edit_form(post, title="Entrepôt frigorifique"),
                           follow_redirects=True)
    post = fresh(post)
    assert post.title == "Entrepôt frigorifique"
    assert post.status is PostStatus.PENDING and post.moderated_at is None
    assert "the CCI checks it again" in alerts(response)


def test_changing_the_quantity_keeps_it_published(client, logged_owner):
    post = published_of(logged_owner)
    persist()
    response = client.post(f"/posts/{post.id}/edit", data=edit_form(post, quantity="150"), follow_redirects=True)
    post = fresh(post)
    assert post.quantity == 150 and post.status is PostStatus.PUBLISHED and post.moderated_at is not None
    assert "Your changes are saved." in alerts(response)


def test_a_draft_is_submitted_from_the_edit_form(client, logged_owner):
    post = published_of(logged_owner, status=PostStatus.DRAFT)
    persist()
    html = html_of(client.get(f"/posts/{post.id}/edit"))
    assert 'name="submit_post"' in html and 'name="save_draft"' in html
    client.post(f"/posts/{post.id}/edit", data=edit_form(post, save=None, submit_post="y"))
    assert fresh(post).status is PostStatus.PENDING


def test_a_draft_saved_stays_a_draft(client, logged_owner):
    post = published_of(logged_owner, status=PostStatus.DRAFT)
    persist()
    client.post(f"/posts/{post.id}/edit", data=edit_form(post, title="Nouveau titre", save=None, save_draft="y"))
    post = fresh(post)
    assert post.status is PostStatus.DRAFT and post.title == "Nouveau titre"


def test_a_rejected_post_shows_the_reason_and_can_be_submitted_again(client, logged_owner):
    post = published_of(logged_owner, status=PostStatus.REJECTED, rejection_reason="Précisez la surface.")
    persist()
    assert "Précisez la surface." in html_of(client.get(f"/posts/{post.id}/edit"))
    client.post(f"/posts/{post.id}/edit", data=edit_form(post, save=None, submit_post="y"))
    assert fresh(post).status is PostStatus.PENDING


def test_a_closed_post_cannot_be_edited(client, logged_owner):
    post = published_of(logged_owner, status=PostStatus.CLOSED, close_reason=CloseReason.WITHDRAWN)
    persist()
    before = snapshot()
    for response in (client.get(f"/posts/{post.id}/edit"),
                     client.post(f"/posts/{post.id}/edit", data=edit_form(post, title="Nouveau"))):
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/posts/{post.id}")
    assert snapshot() == before


@pytest.mark.parametrize("name, value", [("title", ""), ("quantity", "-3"), ("kind", "gift"),
                                         ("available_until", "2001-01-01"), ("description", "x" * 5001)])
def test_a_bad_edit_changes_nothing(client, logged_owner, name, value):
    post = published_of(logged_owner)
    persist()
    before = snapshot()
    response = client.post(f"/posts/{post.id}/edit", data=edit_form(post, **{name: value}))
    assert response.status_code == 200 and field_error(response, name)
    assert snapshot() == before


def test_a_moderator_of_the_territory_may_edit(client, login, owner):
    post = published_of(owner)
    moderator = factories.ModeratorFactory(departements=["69"])
    persist()
    login(moderator)
    html = html_of(client.get(f"/posts/{post.id}/edit"))
    assert owner.company.legal_name in html
    client.post(f"/posts/{post.id}/edit", data=edit_form(post, title="Titre corrigé par la CCI"))
    post = fresh(post)
    assert post.title == "Titre corrigé par la CCI" and post.status is PostStatus.PUBLISHED


def test_a_moderator_of_another_territory_may_not_edit(client, login, owner):
    post = published_of(owner)
    draft = published_of(owner, status=PostStatus.DRAFT)
    moderator = factories.ModeratorFactory(departements=["13"])
    persist()
    login(moderator)
    assert client.get(f"/posts/{post.id}/edit").status_code == 403
    assert client.get(f"/posts/{draft.id}/edit").status_code == 404


# --------------------------------------------------------------------------- submit, renew, close, delete


def test_submit_a_draft(client, logged_owner):
    post = published_of(logged_owner, status=PostStatus.DRAFT)
    persist()
    response = client.post(f"/posts/{post.id}/submit", data={"next": "/my-posts"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/my-posts")
    assert fresh(post).status is PostStatus.PENDING


def test_submit_goes_back_to_the_post_by_default_and_ignores_foreign_next(client, logged_owner):
    post = published_of(logged_owner, status=PostStatus.DRAFT)
    persist()
    response = client.post(f"/posts/{post.id}/submit", data={"next": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"/posts/{post.id}")


def test_submitting_a_published_post_is_refused_with_a_message(client, logged_owner):
    post = published_of(logged_owner)
    persist()
    before = snapshot()
    response = client.post(f"/posts/{post.id}/submit", follow_redirects=True)
    assert "Only a draft or a rejected post can be submitted." in alerts(response)
    assert snapshot() == before


def test_a_suspended_company_cannot_submit(client, logged_owner):
    post = published_of(logged_owner, status=PostStatus.DRAFT)
    logged_owner.company.suspended_at = utcnow()
    persist()
    response = client.post(f"/posts/{post.id}/submit")
    assert response.status_code == 403 and "suspended" in response.get_data(as_text=True)
    assert fresh(post).status is PostStatus.DRAFT


def test_renew_a_published_post(client, logged_owner):
    post = published_of(logged_owner, renewed_at=utcnow() - timedelta(days=55))
    persist()
    response = client.post(f"/posts/{post.id}/renew", follow_redirects=True)
    assert fresh(post).renewed_at > utcnow() - timedelta(minutes=1)
    assert "is renewed: it stays online until" in alerts(response)


def test_renew_is_refused_past_the_end_date(client, logged_owner):
    post = published_of(logged_owner, status=PostStatus.EXPIRED, available_until=TODAY - timedelta(days=2))
    persist()
    before = snapshot()
    response = client.post(f"/posts/{post.id}/renew", follow_redirects=True)
    assert "The end date of this post has passed" in alerts(response)
    assert snapshot() == before


def test_the_close_form(client, logged_owner):
    post = published_of(logged_owner)
    persist()
    html = html_of(client.get(f"/posts/{post.id}/close"))
    assert 'value="fulfilled"' in html and 'value="withdrawn"' in html and 'name="exchanged_quantity"' in html
    assert not INLINE_CODE_RE.search(html)


def test_close_as_fulfilled(client, logged_owner):
    post = published_of(logged_owner)
    persist()
    response = client.post(f"/posts/{post.id}/close", data={"reason": "fulfilled", "exchanged_quantity": "150,5"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/my-posts")
    post = fresh(post)
    assert (post.status, post.close_reason, post.exchanged_quantity) == (
        PostStatus.CLOSED, CloseReason.FULFILLED, 150.5)


def test_close_as_withdrawn_ignores_the_quantity(client, logged_owner):
    post = published_of(logged_owner)
    persist()
    client.post(f"/posts/{post.id}/close", data={"reason": "withdrawn", "exchanged_quantity": "-5"})
    post = fresh(post)
    assert (post.status, post.close_reason, post.exchanged_quantity) == (
        PostStatus.CLOSED, CloseReason.WITHDRAWN, None)


@pytest.mark.parametrize("data, field, message", [
    ({}, "reason", "Say whether the post was fulfilled or withdrawn."),
    ({"reason": "sold"}, "reason", "Say whether the post was fulfilled or withdrawn."),
    ({"reason": "fulfilled", "exchanged_quantity": "-5"}, "exchanged_quantity", "positive number"),
    ({"reason": "fulfilled", "exchanged_quantity": "beaucoup"}, "exchanged_quantity", "positive number"),
    ({"reason": "fulfilled", "exchanged_quantity": "nan"}, "exchanged_quantity", "positive number"),
])
def test_bad_close_input_changes_nothing(client, logged_owner, data, field, message):
    post = published_of(logged_owner)
    persist()
    before = snapshot()
    response = client.post(f"/posts/{post.id}/close", data=data)
    assert message in field_error(response, field)
    assert snapshot() == before


def test_a_closed_post_cannot_be_closed_again(client, logged_owner):
    post = published_of(logged_owner, status=PostStatus.CLOSED, close_reason=CloseReason.WITHDRAWN)
    persist()
    before = snapshot()
    response = client.post(f"/posts/{post.id}/close", data={"reason": "fulfilled"}, follow_redirects=True)
    assert "This post cannot be closed." in alerts(response)
    assert snapshot() == before


def test_delete_asks_then_deletes(client, logged_owner):
    post = published_of(logged_owner)
    persist()
    html = html_of(client.get(f"/posts/{post.id}/delete"))
    assert "Delete the post for good" in html and post.title in html
    response = client.post(f"/posts/{post.id}/delete", follow_redirects=True)
    assert "is deleted" in alerts(response)
    db.session.expire_all()
    assert db.session.get(Post, post.id) is None


def test_a_closed_post_can_still_be_deleted(client, logged_owner):
    post = published_of(logged_owner, status=PostStatus.CLOSED, close_reason=CloseReason.WITHDRAWN)
    persist()
    client.post(f"/posts/{post.id}/delete")
    db.session.expire_all()
    assert db.session.get(Post, post.id) is None


# --------------------------------------------------------------------------- renewal from the mail


def renewal_link(app, post: Post) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for("posts.renew_from_mail", token=tokens.make_token(post_service.RENEW, {"post": post.id}))


def test_renew_in_one_click_from_the_mail_without_logging_in(app, client, english, owner):
    post = published_of(owner, status=PostStatus.EXPIRED, renewed_at=utcnow() - timedelta(days=61))
    persist()
    response = client.get(renewal_link(app, post))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/posts/{post.id}")
    assert fresh(post).status is PostStatus.PUBLISHED
    assert "is renewed" in alerts(client.get(response.headers["Location"]))


def test_the_reminder_mail_link_renews_the_post(app, client, english, owner, outbox):
    post = published_of(owner, renewed_at=utcnow() - timedelta(days=55))
    persist()
    assert post_service.send_renewal_reminders() == 1
    db.session.commit()
    from .accounts_support import link_in

    link = link_in([m for m in outbox if "/posts/renew/" in m.body][0])
    assert client.get(link).status_code == 302
    assert fresh(post).renewed_at > utcnow() - timedelta(minutes=1)


@pytest.mark.parametrize("token", ["garbage", "a" * 3000, "%00", "..%2F..%2Fetc"])
def test_a_bad_renewal_link_says_so(client, english, token):
    before = snapshot()
    response = client.get(f"/posts/renew/{token}")
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        with client.session_transaction() as session:
            assert any("invalid" in str(message) for _, message in session.get("_flashes", []))
    assert snapshot() == before


def test_a_renewal_link_past_the_end_date_says_so(app, client, english, owner):
    post = published_of(owner, status=PostStatus.EXPIRED, available_until=TODAY - timedelta(days=1))
    persist()
    before = snapshot()
    response = client.get(renewal_link(app, post))
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert any("end date" in str(message) for _, message in session.get("_flashes", []))
    assert snapshot() == before


# --------------------------------------------------------------------------- my posts


def test_my_posts_lists_the_company_posts_with_counts(client, logged_owner):
    mine = [published_of(logged_owner), published_of(logged_owner),
            published_of(logged_owner, status=PostStatus.DRAFT),
            published_of(logged_owner, status=PostStatus.REJECTED, rejection_reason="Trop vague")]
    other = factories.PostFactory()
    persist()
    html = html_of(client.get("/my-posts"))
    for post in mine:
        assert post.title in html
    assert other.title not in html
    assert re.search(r'data-status="published">Published <span[^>]*>2</span>', html)
    assert re.search(r'data-status="draft">Draft <span[^>]*>1</span>', html)
    assert re.search(r'data-status="closed">Closed <span[^>]*>0</span>', html)
    assert re.search(r'>All <span[^>]*>4</span>', html)
    assert "Trop vague" in html
    assert not INLINE_CODE_RE.search(html)


def test_my_posts_offers_the_actions_of_each_status(client, logged_owner):
    draft = published_of(logged_owner, status=PostStatus.DRAFT)
    live = published_of(logged_owner)
    closed = published_of(logged_owner, status=PostStatus.CLOSED, close_reason=CloseReason.FULFILLED)
    persist()
    html = html_of(client.get("/my-posts"))
    assert f'action="/posts/{draft.id}/submit"' in html and f'action="/posts/{draft.id}/renew"' not in html
    assert f'action="/posts/{live.id}/renew"' in html and f'action="/posts/{live.id}/submit"' not in html
    assert f'href="/posts/{closed.id}/edit"' not in html and f'href="/posts/{closed.id}/delete"' in html
    assert 'name="next" value="/my-posts"' in html


def test_my_posts_filtered_by_status(client, logged_owner):
    draft = published_of(logged_owner, status=PostStatus.DRAFT)
    live = published_of(logged_owner)
    persist()
    html = html_of(client.get("/my-posts?status=draft"))
    assert draft.title in html and live.title not in html
    assert 'aria-current="page" href="/my-posts?status=draft"' in html


@pytest.mark.parametrize("query", ["status=bogus", "status=" + LONG, "status=%00", "page=abc", "page=999999",
                                   "page=-1", "page=99999999999999999999"])
def test_my_posts_with_bad_parameters_shows_all(client, logged_owner, query):
    post = published_of(logged_owner)
    persist()
    html = html_of(client.get(f"/my-posts?{query}"))
    assert post.title in html


def test_an_empty_list_invites_to_post(client, logged_owner):
    html = html_of(client.get("/my-posts"))
    assert "Your company has no post yet." in html and 'href="/posts/new"' in html


def test_the_header_links_to_my_posts_for_members_only(client, logged_owner):
    assert 'href="/my-posts"' in html_of(client.get("/"))
    client.post("/deconnexion")
    assert 'href="/my-posts"' not in html_of(client.get("/"))


# --------------------------------------------------------------------------- SQL query budget


def test_my_posts_runs_a_fixed_number_of_queries(app, client, logged_owner, count_queries):
    for _ in range(3):
        published_of(logged_owner)
    published_of(logged_owner, status=PostStatus.DRAFT)
    persist()
    few = measure(client, count_queries, "/my-posts")
    for index in range(30):
        published_of(logged_owner, status=[PostStatus.DRAFT, PostStatus.PUBLISHED, PostStatus.CLOSED][index % 3])
    persist()
    many = measure(client, count_queries, "/my-posts")
    filtered = measure(client, count_queries, "/my-posts?status=published&page=2")
    print(f"\nmy posts: {few} queries with 4 posts, {many} with 34, {filtered} filtered page 2")
    assert few == many == filtered <= 6


def test_the_post_form_runs_a_fixed_number_of_queries(app, client, logged_owner, count_queries):
    post = published_of(logged_owner)
    for _ in range(3):
        published_of(logged_owner)
    persist()
    few = (measure(client, count_queries, "/posts/new"), measure(client, count_queries, f"/posts/{post.id}/edit"))
    for _ in range(30):
        published_of(logged_owner)
    from marketplace.models import PostPhoto

    for n in range(5):
        post.photos.append(PostPhoto(filename=f"q{post.id}-{n}.jpg", content_type="image/jpeg", width=1, height=1,
                                     size_bytes=1, position=n))
    persist()
    many = (measure(client, count_queries, "/posts/new"), measure(client, count_queries, f"/posts/{post.id}/edit"))
    print(f"\npost form: new {few[0]}, edit {few[1]} queries; with 30 more posts and 5 photos: {many}")
    assert few == many
    assert max(many) <= 6


# --------------------------------------------------------------------------- CSRF


def test_every_form_carries_its_csrf_token_and_posts_without_it_are_refused(app, client, logged_owner,
                                                                            monkeypatch):
    draft = published_of(logged_owner, status=PostStatus.DRAFT)
    live = published_of(logged_owner)
    persist()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for url in ("/posts/new", f"/posts/{live.id}/edit", f"/posts/{live.id}/close", f"/posts/{live.id}/delete"):
        assert 'name="csrf_token"' in html_of(client.get(url)), url
    my_posts = html_of(client.get("/my-posts"))
    assert my_posts.count('name="csrf_token"') >= 3  # submit + renew forms, and the log-out button
    before = snapshot()
    for url in ("/posts/new", f"/posts/{live.id}/edit", f"/posts/{draft.id}/submit", f"/posts/{live.id}/renew",
                f"/posts/{live.id}/close", f"/posts/{live.id}/delete", f"/posts/{live.id}/photos"):
        assert client.post(url, data={**post_form(), "reason": "withdrawn"}).status_code == 400, url
    assert snapshot() == before
