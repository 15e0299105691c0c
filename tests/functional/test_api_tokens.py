"""Personal API tokens: the profile page (create, shown once, list, revoke), hashing at rest, Bearer
authentication (401/403), no session on API requests, and the per-token rate limit."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Blueprint, g, jsonify
from flask_login import current_user

from marketplace import create_app
from marketplace.api.auth import init_api_blueprint, require_token
from marketplace.errors import NotFound
from marketplace.extensions import db as _db
from marketplace.models import ApiToken, MembershipStatus
from marketplace.models.types import utcnow
from marketplace.services import api_tokens

from .. import factories
from ..conftest import base_config, log_in

PROBE = "/api/v1/_probe"


def _probe_blueprint() -> Blueprint:
    """Two views behind require_token, under /api/ like the real API (whose endpoints another module builds)."""
    bp = Blueprint("api_probe", __name__, url_prefix=PROBE)
    init_api_blueprint(bp)

    @bp.get("/read")
    @require_token()
    def read():
        return jsonify(user=current_user.id, token=g.api_token.id)

    @bp.post("/write")
    @require_token("write")
    def write():
        return jsonify(user=current_user.id, token=g.api_token.id)

    return bp


def _probe_app(app, tmp_path_factory, **overrides):
    """A second app on the test database (the test's rolled-back session is shared) with the probe views."""
    config = base_config(tmp_path_factory, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         **overrides)
    probe = create_app(config)
    probe.register_blueprint(_probe_blueprint())
    # its requests run in their own app context: do not let its teardown close the test's session
    probe.teardown_appcontext_funcs[:] = [
        func for func in probe.teardown_appcontext_funcs if getattr(func, "__name__", "") != "_teardown_session"]
    return probe


@pytest.fixture(scope="module")
def probe_app(app, tmp_path_factory):
    return _probe_app(app, tmp_path_factory)


@pytest.fixture
def api(probe_app):
    return probe_app.test_client()


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def _all_database_text() -> str:
    """Every value of every table, as text: to check a secret is stored nowhere."""
    chunks = []
    for table in _db.metadata.sorted_tables:
        for row in _db.session.execute(sa.select(table)):
            chunks.append(" ".join(str(value) for value in row))
    return "\n".join(chunks)


# --------------------------------------------------------------------------- the service


def test_a_token_is_hashed_at_rest_with_a_visible_prefix(member):
    token, raw = api_tokens.create_token(member, "  CRM   Lyon ", "read")
    assert raw.startswith("cci_") and len(raw) >= 40
    assert token.name == "CRM Lyon" and token.prefix == raw[:10] and token.scope.value == "read"
    assert token.token_hash == api_tokens.hash_secret(raw) != raw
    assert raw not in _all_database_text()
    assert raw[10:20] not in _all_database_text()
    assert api_tokens.authenticate(raw).id == token.id


@pytest.mark.parametrize("name, scope", [("", "read"), ("   ", "write"), ("x" * 81, "read"), ("CRM", "admin"),
                                         ("CRM", None), (None, "read")])
def test_bad_input_creates_nothing(member, name, scope):
    with pytest.raises(api_tokens.TokenError) as error:
        api_tokens.create_token(member, name, scope)
    assert str(error.value.message)
    assert api_tokens.list_tokens(member) == []


def test_at_most_twenty_active_tokens(member):
    tokens = [api_tokens.create_token(member, f"t{i}", "read")[0] for i in range(api_tokens.MAX_ACTIVE_TOKENS)]
    with pytest.raises(api_tokens.TokenError, match="20"):
        api_tokens.create_token(member, "one more", "read")
    api_tokens.revoke(member, tokens[0].id)
    api_tokens.create_token(member, "one more", "read")  # a revoked token frees its place


def test_pending_member_cannot_create_a_token(db):
    pending = factories.PendingMemberFactory()
    with pytest.raises(api_tokens.TokenError):
        api_tokens.create_token(pending, "CRM", "read")


def test_revoke_is_limited_to_ones_own_tokens(member):
    other = factories.MemberFactory()
    token, raw = api_tokens.create_token(other, "theirs", "write")
    with pytest.raises(NotFound):
        api_tokens.revoke(member, token.id)
    with pytest.raises(NotFound):
        api_tokens.revoke(member, 2**31 - 1)
    api_tokens.revoke(other, token.id)
    assert api_tokens.authenticate(raw) is None
    assert api_tokens.list_tokens(other) == []
    with pytest.raises(NotFound):
        api_tokens.revoke(other, token.id)


@pytest.mark.parametrize("raw", [None, "", "Bearer", "cci_", "cci_" + "A" * 43, "x" * 5000, "cci_\x00\udcff"])
def test_unknown_or_malformed_secrets_are_refused(member, raw):
    api_tokens.create_token(member, "real", "read")
    assert api_tokens.authenticate(raw) is None


def test_expired_token_is_refused(member):
    token, raw = api_tokens.create_token(member, "old", "read")
    token.expires_at = utcnow() - timedelta(seconds=1)
    assert api_tokens.authenticate(raw) is None


def test_last_used_is_written_at_most_once_a_minute(member):
    token, raw = api_tokens.create_token(member, "CRM", "read")
    assert token.last_used_at is None
    api_tokens.authenticate(raw)
    first = token.last_used_at
    assert first is not None
    api_tokens.authenticate(raw)
    assert token.last_used_at == first
    token.last_used_at = first - timedelta(minutes=2)
    _db.session.flush()
    api_tokens.authenticate(raw)
    assert token.last_used_at > first - timedelta(minutes=2)


def test_tokens_of_a_deleted_user_go_with_the_account(member):
    token, raw = api_tokens.create_token(member, "CRM", "read")
    _db.session.delete(member)
    _db.session.flush()
    _db.session.expire_all()
    assert _db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0
    assert api_tokens.authenticate(raw) is None


# --------------------------------------------------------------------------- the profile page


def test_profile_page_creates_shows_once_lists_and_revokes(client, login, member):
    login(member)
    page = client.get("/compte/jetons-api")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert b"/compte/jetons-api" in client.get("/compte/").data  # linked from the account's menu

    created = client.post("/compte/jetons-api", data={"name": "Newsletter", "scope": "write"})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    (token,) = api_tokens.list_tokens(member)
    html = created.get_data(as_text=True)
    secret = html.split('id="new-token-secret"')[1].split('value="')[1].split('"')[0]
    assert api_tokens.authenticate(secret).id == token.id
    assert "Newsletter" in html

    again = client.get("/compte/jetons-api").get_data(as_text=True)
    assert secret not in again  # shown once
    assert token.prefix in again and "Newsletter" in again

    revoked = client.post(f"/compte/jetons-api/{token.id}/revoquer")
    assert revoked.status_code == 302
    assert api_tokens.list_tokens(member) == []
    assert api_tokens.authenticate(secret) is None


@pytest.mark.parametrize("data", [{"name": "", "scope": "read"}, {"name": "x" * 81, "scope": "read"},
                                  {"name": "CRM", "scope": "root"}, {"name": "CRM"}])
def test_profile_page_bad_input_changes_nothing(english, login, member, data):
    login(member)
    response = english.post("/compte/jetons-api", data=data)
    assert response.status_code == 400
    assert 'class="invalid-feedback' in response.get_data(as_text=True) or b"alert" in response.data
    assert api_tokens.list_tokens(member) == []
    assert 'id="new-token-secret"' not in response.get_data(as_text=True)


def test_revoke_needs_post_and_ones_own_token(client, login, member):
    other = factories.MemberFactory()
    token, raw = api_tokens.create_token(other, "theirs", "read")
    login(member)
    assert client.get(f"/compte/jetons-api/{token.id}/revoquer").status_code == 405
    assert client.post(f"/compte/jetons-api/{token.id}/revoquer").status_code == 404
    assert api_tokens.authenticate(raw) is not None


def test_the_page_needs_a_login(client):
    assert client.get("/compte/jetons-api").status_code == 302


# --------------------------------------------------------------------------- Bearer authentication


def _error(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["message"] and body["error"]["message_en"]
    return body["error"]


def test_no_token_is_401_with_www_authenticate(api):
    response = api.get(f"{PROBE}/read")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _error(response)["code"] == "unauthorized"


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer cci_" + "A" * 43, "Basic dXNlcjpwYXNz", "Bearer ", "cci_x"])
def test_bad_tokens_are_401(api, member, header):
    api_tokens.create_token(member, "real", "write")
    response = api.get(f"{PROBE}/read", headers={"Authorization": header})
    assert response.status_code == 401 and _error(response)["code"] == "unauthorized"
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_read_and_write_scopes(api, member):
    _, read = api_tokens.create_token(member, "reader", "read")
    write_token, write = api_tokens.create_token(member, "writer", "write")
    assert api.get(f"{PROBE}/read", headers=bearer(read)).get_json()["user"] == member.id
    refused = api.post(f"{PROBE}/write", headers=bearer(read))
    assert refused.status_code == 403 and _error(refused)["code"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]
    ok = api.post(f"{PROBE}/write", headers=bearer(write))
    assert ok.status_code == 200 and ok.get_json() == {"user": member.id, "token": write_token.id}
    assert api.get(f"{PROBE}/read", headers={"Authorization": f"bearer {write}"}).status_code == 200


def test_revoked_token_is_refused(api, member):
    token, raw = api_tokens.create_token(member, "CRM", "read")
    assert api.get(f"{PROBE}/read", headers=bearer(raw)).status_code == 200
    api_tokens.revoke(member, token.id)
    assert api.get(f"{PROBE}/read", headers=bearer(raw)).status_code == 401


def test_a_member_who_lost_membership_is_refused(api, member):
    _, raw = api_tokens.create_token(member, "CRM", "read")
    member.membership = MembershipStatus.PENDING
    _db.session.flush()
    assert api.get(f"{PROBE}/read", headers=bearer(raw)).status_code == 401
    member.membership = MembershipStatus.ACTIVE
    member.company_id = None
    _db.session.flush()
    assert api.get(f"{PROBE}/read", headers=bearer(raw)).status_code == 401


def test_staff_tokens_work(api, moderator):
    _, raw = api_tokens.create_token(moderator, "moderation", "write")
    assert api.post(f"{PROBE}/write", headers=bearer(raw)).status_code == 200


def test_a_session_cookie_does_not_authenticate_the_api(api, member):
    assert log_in(api, member.email).status_code == 302  # the web login works on this app
    assert api.get("/compte/").status_code == 200
    response = api.get(f"{PROBE}/read")
    assert response.status_code == 401


def test_api_responses_set_no_cookie(api, member):
    _, raw = api_tokens.create_token(member, "CRM", "read")
    for response in (api.get(f"{PROBE}/read", headers=bearer(raw)), api.get(f"{PROBE}/read"),
                     api.post(f"{PROBE}/write", headers=bearer(raw))):
        assert "Set-Cookie" not in response.headers, response.headers
    log_in(api, member.email)
    response = api.get(f"{PROBE}/read", headers=bearer(raw))
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


@pytest.fixture
def csrf_app(app, tmp_path_factory):
    return _probe_app(app, tmp_path_factory, WTF_CSRF_ENABLED=True)


@pytest.fixture
def limited_app(app, tmp_path_factory):
    """Rate limits on (built before the test's rows: building an app closes the test's session)."""
    return _probe_app(app, tmp_path_factory, RATELIMIT_ENABLED=True, API_RATELIMIT="3 per minute")


def test_api_post_needs_no_csrf_token(csrf_app, member):
    probe = csrf_app
    _, raw = api_tokens.create_token(member, "CRM", "write")
    assert probe.test_client().post(f"{PROBE}/write", headers=bearer(raw)).status_code == 200
    # the web forms still need theirs
    assert probe.test_client().post("/compte/jetons-api", data={"name": "x", "scope": "read"}).status_code in (302, 400)


# --------------------------------------------------------------------------- rate limits


def test_rate_limit_per_token(limited_app, member):
    client = limited_app.test_client()
    _, first = api_tokens.create_token(member, "first", "read")
    _, second = api_tokens.create_token(member, "second", "read")
    for _ in range(3):
        assert client.get(f"{PROBE}/read", headers=bearer(first)).status_code == 200
    refused = client.get(f"{PROBE}/read", headers=bearer(first))
    assert refused.status_code == 429
    assert _error(refused)["code"] == "rate_limited"
    assert refused.mimetype == "application/json"
    assert client.get(f"{PROBE}/read", headers=bearer(second)).status_code == 200  # its own allowance
