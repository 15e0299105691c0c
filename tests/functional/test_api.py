"""The JSON API (/api/v1): every endpoint's success path and access rules, the error object, pagination, ETags,
the OpenAPI document and its documentation page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import IntroductionAnswer, MatchStatus, Post, PostStatus
from marketplace.services.api_tokens import create_token
from marketplace.services.posts import today
from tests import factories
from tests.match_review_support import MARSEILLE, company_in

API = "/api/v1"
NEED = {"kind": "need", "category": "storage", "title": "Cherche entrepôt de 150 m² à Lyon",
        "description": "Pour stocker des palettes pendant trois mois, accès poids lourds.", "quantity": 150,
        "unit": "m²", "radius_km": 30}


def bearer(user, scope="write") -> dict:
    _token, secret = create_token(user, f"test {scope}", scope)
    db.session.commit()  # what the test made so far is there, as in production (an API error rolls back)
    return {"Authorization": f"Bearer {secret}"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "message_en", "details"}
    assert error["message"] and error["message_en"]
    if code is not None:
        assert error["code"] == code
    return error


@pytest.fixture
def member():
    return factories.MemberFactory()


@pytest.fixture
def headers(member):
    return bearer(member)


# --------------------------------------------------------------------------- authentication and errors


def test_every_endpoint_needs_a_token(client, app):
    with app.test_request_context():
        spec = client.get(f"{API}/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        url = path.replace("{post_id}", "1").replace("{match_id}", "1")
        for method in operations:
            if method in ("get", "post", "patch"):
                response = client.open(url, method=method.upper(), json={})
                assert_error(response, 401, "unauthorized")


def test_bad_token_and_read_token_on_a_write(client, member):
    assert_error(client.get(f"{API}/me", headers={"Authorization": "Bearer cci_nope"}), 401)
    read = bearer(member, "read")
    assert client.get(f"{API}/me", headers=read).status_code == 200
    before = db.session.scalar(sa.select(sa.func.count(Post.id)))
    assert_error(client.post(f"{API}/posts", json=NEED, headers=read), 403)
    assert db.session.scalar(sa.select(sa.func.count(Post.id))) == before


def test_unknown_path_and_method_give_the_error_object(client, headers):
    assert_error(client.get(f"{API}/nothing-here", headers=headers), 404, "not_found")
    assert_error(client.delete(f"{API}/posts", headers=headers), 405, "method_not_allowed")


def test_an_unexpected_error_is_a_json_500_without_trace(client, headers, monkeypatch, caplog):
    from marketplace.services import catalogue

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(catalogue, "catalogue_page", broken)
    response = client.get(f"{API}/posts", headers=headers)
    assert_error(response, 500, "internal_error")
    assert "secret detail" not in response.get_data(as_text=True)


# --------------------------------------------------------------------------- posts


def test_list_posts_with_filters_pagination_and_etag(client, headers):
    for _ in range(3):
        factories.PostFactory()
    factories.NeedFactory()
    factories.PendingPostFactory()  # not public
    response = client.get(f"{API}/posts?per_page=2&kind=offer", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 2 and body["pages"] == 2
    assert all(item["kind"] == "offer" and item["status"] == "published" for item in body["items"])
    links = body["links"]
    assert links["next"].startswith("http://localhost/api/v1/posts?") and "page=2" in links["next"]
    assert "kind=offer" in links["next"] and links["prev"] is None
    assert "page=2" in links["last"] and "page=1" in links["first"]
    second = client.get(links["next"], headers=headers).get_json()
    assert len(second["items"]) == 1 and second["links"]["next"] is None and second["links"]["prev"]
    etag = response.headers["ETag"]
    again = client.get(f"{API}/posts?per_page=2&kind=offer", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304


def test_list_posts_bad_parameters(client, headers):
    for query in ("per_page=1000", "page=0", "kind=both", "category=nothing", "page=abc"):
        error = assert_error(client.get(f"{API}/posts?{query}", headers=headers), 422, "validation_error")
        assert error["details"]["fields"]


def test_search_posts_by_text(client, headers):
    wanted = factories.PostFactory(title="Chambre froide positive de 40 m³",
                                   description="Chambre froide disponible, température de 2 à 4 °C.")
    factories.PostFactory()
    body = client.get(f"{API}/posts?q=chambre froide", headers=headers).get_json()
    assert [item["id"] for item in body["items"]] == [wanted.id]


def test_get_post_follows_the_web_rules(client, member, headers):
    public = factories.PostFactory()
    others_pending = factories.PendingPostFactory()
    own_pending = factories.PendingPostFactory(company=member.company)
    body = client.get(f"{API}/posts/{public.id}", headers=headers).get_json()
    assert body["id"] == public.id and body["company"]["name"] == public.company.legal_name
    assert "allowed_actions" not in body
    assert_error(client.get(f"{API}/posts/{others_pending.id}", headers=headers), 404, "not_found")
    own = client.get(f"{API}/posts/{own_pending.id}", headers=headers).get_json()
    assert own["status"] == "pending" and "close" in own["allowed_actions"]
    assert_error(client.get(f"{API}/posts/999999", headers=headers), 404)
    response = client.get(f"{API}/posts/{public.id}", headers=headers)
    assert client.get(f"{API}/posts/{public.id}",
                      headers={**headers, "If-None-Match": response.headers["ETag"]}).status_code == 304


def test_create_a_need_goes_to_moderation(client, member, headers):
    response = client.post(f"{API}/posts", json=NEED, headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    post = db.session.get(Post, body["id"])
    assert post.company_id == member.company_id and post.status is PostStatus.PENDING
    assert body["status"] == "pending" and body["radius_km"] == 30 and body["quantity"] == 150


def test_create_a_draft(client, headers):
    body = client.post(f"{API}/posts", json={**NEED, "submit": False}, headers=headers).get_json()
    assert body["status"] == "draft"


@pytest.mark.parametrize("change, field", [
    ({"title": ""}, "title"), ({"kind": "gift"}, "kind"), ({"quantity": -1}, "quantity"),
    ({"radius_km": 5000}, "radius_km"), ({"title": "x" * 151}, "title"), ({"unknown": 1}, "unknown"),
    ({"available_until": "2001-01-01"}, "available_until"), ({"postcode": "00000"}, "postcode"),
    ({"title": "   "}, "title"),
])
def test_create_with_bad_input_changes_nothing(client, headers, change, field):
    before = db.session.scalar(sa.select(sa.func.count(Post.id)))
    response = client.post(f"{API}/posts", json={**NEED, **change}, headers=headers)
    error = assert_error(response, 422)
    assert field in error["details"].get("fields", {}) or error["details"].get("field") == field
    assert db.session.scalar(sa.select(sa.func.count(Post.id))) == before


def test_create_needs_a_json_body_and_an_active_member(client, headers):
    assert_error(client.post(f"{API}/posts", data="kind=need", headers=headers), 422)
    pending_member = factories.MemberFactory()
    pending_headers = bearer(pending_member)
    pending_member.membership = factories.PendingMemberFactory.membership
    db.session.commit()
    assert_error(client.post(f"{API}/posts", json=NEED, headers=pending_headers), 401)
    moderator = factories.ModeratorFactory()
    assert_error(client.post(f"{API}/posts", json=NEED, headers=bearer(moderator)), 403, "forbidden")


def test_update_and_if_match(client, member, headers):
    post = factories.PostFactory(company=member.company)
    current = client.get(f"{API}/posts/{post.id}", headers=headers)
    response = client.patch(f"{API}/posts/{post.id}", json={"quantity": 120},
                            headers={**headers, "If-Match": current.headers["ETag"]})
    assert response.status_code == 200 and response.get_json()["quantity"] == 120
    assert post.status is PostStatus.PUBLISHED  # the quantity does not change what the post is about
    stale = client.patch(f"{API}/posts/{post.id}", json={"quantity": 100},
                         headers={**headers, "If-Match": current.headers["ETag"]})
    assert_error(stale, 412, "precondition_failed")
    assert post.quantity == 120
    retitled = client.patch(f"{API}/posts/{post.id}", json={"title": "Entrepôt de 300 m² à Lyon"}, headers=headers)
    assert retitled.get_json()["status"] == "pending"
    assert_error(client.patch(f"{API}/posts/{post.id}", json={"quantity": "lots"}, headers=headers), 422)
    assert_error(client.patch(f"{API}/posts/{post.id}", headers=headers), 422, "validation_error")


def test_update_or_close_another_companys_post(client, headers):
    public, hidden = factories.PostFactory(), factories.PendingPostFactory()
    assert_error(client.patch(f"{API}/posts/{public.id}", json={"quantity": 1}, headers=headers), 403)
    assert_error(client.patch(f"{API}/posts/{hidden.id}", json={"quantity": 1}, headers=headers), 404)
    assert_error(client.post(f"{API}/posts/{public.id}/close", json={"reason": "withdrawn"}, headers=headers), 403)
    assert public.status is PostStatus.PUBLISHED and public.quantity == 200


def test_close(client, member, headers):
    post = factories.PostFactory(company=member.company)
    assert_error(client.post(f"{API}/posts/{post.id}/close", json={"reason": "maybe"}, headers=headers), 422)
    response = client.post(f"{API}/posts/{post.id}/close", json={"reason": "fulfilled", "exchanged_quantity": 80},
                           headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "closed"
    assert post.exchanged_quantity == 80
    error = assert_error(client.post(f"{API}/posts/{post.id}/close", json={"reason": "withdrawn"}, headers=headers),
                         409, "invalid_state")
    assert error["message_en"] == "A closed post cannot be changed."


# --------------------------------------------------------------------------- me


def test_me_and_my_posts(client, member, headers):
    factories.PendingPostFactory(company=member.company)
    factories.PostFactory(company=member.company)
    factories.PostFactory()
    me = client.get(f"{API}/me", headers=headers).get_json()
    assert me["user"]["email"] == member.email and me["company"]["id"] == member.company_id
    assert me["token_scope"] == "write"
    body = client.get(f"{API}/me/posts", headers=headers).get_json()
    assert body["total"] == 2
    pending = client.get(f"{API}/me/posts?status=pending", headers=headers).get_json()
    assert [item["status"] for item in pending["items"]] == ["pending"]
    moderator_headers = bearer(factories.ModeratorFactory())
    assert client.get(f"{API}/me", headers=moderator_headers).get_json()["company"] is None
    assert_error(client.get(f"{API}/me/posts", headers=moderator_headers), 403)


# --------------------------------------------------------------------------- matches


@pytest.fixture
def approved_match():
    offer_member, need_member = factories.MemberFactory(), factories.MemberFactory()
    offer = factories.PostFactory(company=offer_member.company)
    need = factories.NeedFactory(company=need_member.company, quantity=150.0, unit="m²")
    match = factories.MatchFactory(offer=offer, need=need, status=MatchStatus.APPROVED)
    return match, offer_member, need_member


def test_matches_of_my_company(client, approved_match):
    match, offer_member, need_member = approved_match
    factories.MatchFactory()  # proposed, of other companies
    need_headers = bearer(need_member)
    body = client.get(f"{API}/me/matches", headers=need_headers).get_json()
    assert [item["id"] for item in body["items"]] == [match.id]
    assert body["items"][0]["side"] == "need" and body["items"][0]["expected_action"] == "answer"
    suggestions = client.get(f"{API}/posts/{match.need_id}/suggestions", headers=need_headers).get_json()
    assert [item["id"] for item in suggestions["items"]] == [match.id]
    assert suggestions["items"][0]["other_post"]["id"] == match.offer_id
    assert client.get(f"{API}/matches/{match.id}", headers=need_headers).get_json()["contacts"] == []
    outsider = bearer(factories.MemberFactory())
    assert_error(client.get(f"{API}/matches/{match.id}", headers=outsider), 404)
    assert_error(client.post(f"{API}/matches/{match.id}/answer", json={"accept": True}, headers=outsider), 404)
    assert_error(client.get(f"{API}/posts/{match.need_id}/suggestions", headers=outsider), 403)


def test_answer_and_report_the_outcome(client, approved_match):
    match, offer_member, need_member = approved_match
    need_headers, offer_headers = bearer(need_member), bearer(offer_member)
    assert_error(client.post(f"{API}/matches/{match.id}/answer", json={"accept": "perhaps"}, headers=need_headers),
                 422)
    assert match.need_answer is None
    body = client.post(f"{API}/matches/{match.id}/answer", json={"accept": True}, headers=need_headers).get_json()
    assert body["need_answer"] == IntroductionAnswer.ACCEPTED.value and body["expected_action"] == "wait"
    assert_error(client.post(f"{API}/matches/{match.id}/answer", json={"accept": True}, headers=need_headers), 409)
    body = client.post(f"{API}/matches/{match.id}/answer", json={"accept": True}, headers=offer_headers).get_json()
    assert body["status"] == "introduced" and body["contacts"]
    body = client.post(f"{API}/matches/{match.id}/outcome", json={"outcome": "concluded", "quantity": 100},
                       headers=need_headers).get_json()
    assert body["status"] == "concluded"
    assert match.need.exchanged_quantity == 100
    assert_error(client.post(f"{API}/matches/{match.id}/outcome", json={"outcome": "declined"},
                             headers=need_headers), 409)


# --------------------------------------------------------------------------- moderation


def test_moderation_of_posts(client, outbox):
    moderator = factories.ModeratorFactory(departements=["69"])
    headers = bearer(moderator)
    pending = factories.PendingPostFactory()
    elsewhere = factories.PendingPostFactory(company=company_in(MARSEILLE))
    body = client.get(f"{API}/moderation/posts", headers=headers).get_json()
    assert [item["id"] for item in body["items"]] == [pending.id]
    assert client.post(f"{API}/moderation/posts/{pending.id}/approve", headers=headers).get_json()["status"] == \
        "published"
    assert_error(client.post(f"{API}/moderation/posts/{elsewhere.id}/approve", headers=headers), 403, "forbidden")
    assert elsewhere.status is PostStatus.PENDING
    other = factories.PendingPostFactory()
    db.session.commit()
    assert_error(client.post(f"{API}/moderation/posts/{other.id}/reject", json={"reason": "  "}, headers=headers),
                 422)
    assert other.status is PostStatus.PENDING
    body = client.post(f"{API}/moderation/posts/{other.id}/reject", json={"reason": "Hors sujet."},
                       headers=headers).get_json()
    assert body.get("status") == "rejected" and other.rejection_reason == "Hors sujet.", body
    member_headers = bearer(factories.MemberFactory())
    assert_error(client.get(f"{API}/moderation/posts", headers=member_headers), 403)
    assert_error(client.post(f"{API}/moderation/posts/{other.id}/approve", headers=member_headers), 403)


def test_moderation_of_matches(client, outbox):
    moderator = factories.ModeratorFactory(departements=["69"])
    headers = bearer(moderator)
    first, second = factories.MatchFactory(score=0.9), factories.MatchFactory(score=0.7)
    far = factories.MatchFactory(offer=factories.PostFactory(company=company_in(MARSEILLE)),
                                 need=factories.NeedFactory(company=company_in(MARSEILLE)))
    body = client.get(f"{API}/moderation/matches", headers=headers).get_json()
    assert [item["id"] for item in body["items"]] == [first.id, second.id]
    assert body["items"][0]["offer_post"]["id"] == first.offer_id
    assert [i["id"] for i in client.get(f"{API}/moderation/matches?min_score=0.8",
                                        headers=headers).get_json()["items"]] == [first.id]
    assert client.post(f"{API}/moderation/matches/{first.id}/approve", headers=headers).get_json()["status"] == \
        "approved"
    assert_error(client.post(f"{API}/moderation/matches/{second.id}/reject", json={}, headers=headers), 422)
    assert second.status is MatchStatus.PROPOSED
    body = client.post(f"{API}/moderation/matches/{second.id}/reject", json={"reason_code": "too_far"},
                       headers=headers).get_json()
    assert body["status"] == "rejected"
    assert_error(client.post(f"{API}/moderation/matches/{far.id}/approve", headers=headers), 403)
    assert_error(client.post(f"{API}/moderation/matches/999999/approve", headers=headers), 404)
    assert far.status is MatchStatus.PROPOSED


# --------------------------------------------------------------------------- reference lists


def test_categories_and_units(client, headers):
    categories = client.get(f"{API}/categories", headers=headers).get_json()["items"]
    storage = next(item for item in categories if item["code"] == "storage")
    assert storage["label_en"] == "Storage" and storage["label"] != "Storage"
    assert "m²" in client.get(f"{API}/units", headers=headers).get_json()["items"]


# --------------------------------------------------------------------------- the document and its page


def test_openapi_document_lists_every_endpoint(client, app):
    spec = client.get(f"{API}/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    operations = {(method.upper(), path) for path, item in spec["paths"].items() for method in item
                  if method in ("get", "post", "patch", "put", "delete")}
    rules = {(method, re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)) for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("api_") and not rule.endpoint.startswith("api_docs")
             for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert operations == rules and len(operations) == 20
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]
    assert "error" in spec["components"]["schemas"]["Error"]["properties"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "patch"):
                assert operation["responses"] and operation["summary"], (method, path)


def test_docs_page_uses_local_assets_only(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>" not in html  # no inline script: the CSP allows none
    sources = re.findall(r'<script[^>]* src="([^"]+)"', html) + re.findall(r'<link[^>]* href="([^"]+)"', html)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in sources and "/static/js/api-docs.js" in sources
    assert all(source.startswith("/") and not source.startswith("//") for source in sources), sources
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    for source in sources:
        asset = client.get(source)
        asset.close()
        assert asset.status_code == 200, source
    assert_error(client.get(f"{API}/docs/assets/index.html"), 404)


# --------------------------------------------------------------------------- the README's script


def test_readme_script_path(client, member, headers, outbox):
    """Create a need, the moderator approves it and the suggested match, read its suggestions, close it."""
    moderator_headers = bearer(factories.ModeratorFactory(departements=["69"]))
    created = client.post(f"{API}/posts", json=NEED, headers=headers).get_json()
    need_id = created["id"]
    assert client.post(f"{API}/moderation/posts/{need_id}/approve", headers=moderator_headers).status_code == 200
    offer = factories.PostFactory(available_until=today() + timedelta(days=60))
    suggested = factories.MatchFactory(offer=offer, need=db.session.get(Post, need_id))
    queue = client.get(f"{API}/moderation/matches", headers=moderator_headers).get_json()
    assert suggested.id in [item["id"] for item in queue["items"]]
    client.post(f"{API}/moderation/matches/{suggested.id}/approve", headers=moderator_headers)
    suggestions = client.get(f"{API}/posts/{need_id}/suggestions", headers=headers).get_json()["items"]
    assert [item["other_post"]["id"] for item in suggestions] == [offer.id]
    closed = client.post(f"{API}/posts/{need_id}/close", json={"reason": "withdrawn"}, headers=headers)
    assert closed.get_json()["status"] == "closed"


def test_a_post_s_suggestions_come_best_first(client, approved_match):
    match, _, need_member = approved_match
    better = factories.MatchFactory(need=match.need, score=0.95, status=MatchStatus.APPROVED,
                                    decided_at=match.created_at)
    weaker = factories.MatchFactory(need=match.need, score=0.41, status=MatchStatus.APPROVED)
    body = client.get(f"{API}/posts/{match.need_id}/suggestions", headers=bearer(need_member)).get_json()
    assert [item["id"] for item in body["items"]] == [better.id, match.id, weaker.id]
