"""Registration, confirmation, membership requests, login, logout and password reset, through HTTP."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer

from marketplace.extensions import db
from marketplace.models import Company, MembershipStatus, Role
from marketplace.services import passwords

from .. import factories
from ..factories import TEST_PASSWORD
from .accounts_support import (
    establishment,
    field_invalid,
    flashes,
    link_in,
    persist,
    registration,
    siret_for,
    snapshot,
    user_named,
)

NEW_PASSWORD = "a brand new passphrase 2026"


def alert_texts(response, category: str) -> list[str]:
    html = response.get_data(as_text=True)
    return [re.sub(r"\s+", " ", text).strip()
            for text in re.findall(r'<div class="alert alert-%s">(.*?)</div>' % category, html, re.S)]


def log_in(client, email, password=TEST_PASSWORD, query="", **extra):
    return client.post(f"/connexion{query}", data={"email": email, "password": password, **extra})


def is_logged_in(client) -> bool:
    response = client.get("/compte/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


# --------------------------------------------------------------------------- registration


def test_register_creates_company_and_active_member_and_sends_one_confirmation_mail(client, outbox):
    siret = siret_for(4242)
    spaced_siret = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    data = registration(siret=spaced_siret, naf_code="1071c", email="Camille.Martin@Example.org",
                        city="lyon 2e arrondissement", phone="04.78.00.00.00")

    response = client.post("/inscription", data=data)

    assert response.status_code == 200, response.data[:2000]
    company = db.session.scalar(db.select(Company).where(Company.siret == siret))
    assert company is not None
    assert (company.siren, company.naf_code, company.postcode, company.city, company.insee_code) == (
        siret[:9], "10.71C", "69002", "Lyon 2e Arrondissement", "69382")
    assert (company.departement, company.region) == ("69", "84")
    assert company.latitude == pytest.approx(45.7529, abs=1e-3)
    assert company.longitude == pytest.approx(4.82685, abs=1e-3)
    assert company.phone == "04 78 00 00 00"
    assert company.verified is False
    user = user_named("camille.martin@example.org")
    assert user.company_id == company.id
    assert user.membership is MembershipStatus.ACTIVE and user.role is Role.MEMBER
    assert user.email_confirmed_at is None
    assert TEST_PASSWORD not in user.password_hash and passwords.verify_password(user.password_hash, TEST_PASSWORD)
    assert len(outbox) == 1
    assert outbox[0].recipients == ["camille.martin@example.org"]
    assert link_in(outbox[0]).startswith("/confirmer/")


def test_registered_account_cannot_log_in_until_the_link_is_followed(client, outbox):
    client.post("/inscription", data=registration())
    assert log_in(client, "camille.martin@example.org").status_code == 200
    assert not is_logged_in(client)

    response = client.get(link_in(outbox[0]))

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/connexion"
    assert user_named("camille.martin@example.org").email_confirmed_at is not None
    assert log_in(client, "camille.martin@example.org").status_code == 302
    assert is_logged_in(client)


def test_confirmation_link_can_be_followed_twice_without_harm(client, outbox):
    client.post("/inscription", data=registration())
    link = link_in(outbox[0])
    client.get(link)
    confirmed_at = user_named("camille.martin@example.org").email_confirmed_at

    response = client.get(link)

    assert response.status_code == 302
    assert user_named("camille.martin@example.org").email_confirmed_at == confirmed_at


def test_expired_confirmation_link_says_so_and_confirms_nothing(app, client, english, outbox, monkeypatch):
    client.post("/inscription", data=registration())
    monkeypatch.setitem(app.config, "EMAIL_CONFIRM_MAX_AGE", -1)

    response = client.get(link_in(outbox[0]), follow_redirects=True)

    assert response.status_code == 200
    assert response.request.path == "/confirmer"
    assert alert_texts(response, "danger") == ["This link has expired. Ask for a new one."]
    assert user_named("camille.martin@example.org").email_confirmed_at is None


def test_tampered_confirmation_link_is_rejected(client, english, outbox):
    client.post("/inscription", data=registration())
    token = link_in(outbox[0]).rsplit("/", 1)[1]
    middle = len(token) - 10
    tampered = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1:]

    response = client.get(f"/confirmer/{tampered}", follow_redirects=True)

    assert response.request.path == "/confirmer"
    assert alert_texts(response, "danger") == ["This link is invalid or has already been used."]
    assert user_named("camille.martin@example.org").email_confirmed_at is None


def test_confirmation_token_signed_with_another_key_is_rejected(client, english, outbox):
    client.post("/inscription", data=registration())
    user = user_named("camille.martin@example.org")
    forged = URLSafeTimedSerializer("not-the-secret-key", salt="marketplace.confirm-email").dumps(
        {"user": user.id, "email": user.email})

    response = client.get(f"/confirmer/{forged}", follow_redirects=True)

    assert "alert-danger" in flashes(response)
    assert user_named("camille.martin@example.org").email_confirmed_at is None


def test_confirmation_link_of_a_deleted_account_is_rejected(client, outbox):
    client.post("/inscription", data=registration())
    user = user_named("camille.martin@example.org")
    link = link_in(outbox[0])
    db.session.delete(user)
    db.session.flush()

    response = client.get(link, follow_redirects=True)

    assert response.status_code == 200
    assert "alert-danger" in flashes(response)


def test_register_with_an_email_already_used_changes_nothing(client, english, member, outbox):
    persist()
    before = snapshot()

    response = client.post("/inscription", data=registration(email=member.email.upper(), siret=siret_for(77)))

    assert response.status_code == 200
    assert alert_texts(response, "danger") == [
        "An account already exists for this email address. Log in or reset your password."]
    assert snapshot() == before
    assert outbox == []


def test_register_with_too_short_password_says_so_and_changes_nothing(client, english, outbox):
    before = snapshot()

    response = client.post("/inscription", data=registration(password="short", password_confirm="short"))

    assert response.status_code == 200
    assert field_invalid(response, "password")
    assert b"Your password must have at least 12 characters." in response.data
    assert snapshot() == before
    assert outbox == []


def test_register_with_mismatched_password_confirmation_changes_nothing(client, outbox):
    before = snapshot()

    response = client.post("/inscription", data=registration(password_confirm=TEST_PASSWORD + "x"))

    assert response.status_code == 200
    assert field_invalid(response, "password_confirm")
    assert snapshot() == before


def test_register_without_accepting_the_terms_changes_nothing(client, outbox):
    data = registration()
    del data["accept_terms"]
    before = snapshot()

    response = client.post("/inscription", data=data)

    assert response.status_code == 200
    assert field_invalid(response, "accept_terms")
    assert snapshot() == before and outbox == []


def test_logged_in_user_is_sent_home_from_the_register_page(client, login, member):
    login(member)
    response = client.get("/inscription")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/"


# --------------------------------------------------------------------------- joining an existing company


@pytest.mark.parametrize("same_siret", [True, False], ids=["same-siret", "other-establishment"])
def test_second_person_of_the_same_siren_joins_as_pending_and_members_are_told(client, outbox, member, same_siret):
    company = member.company
    colleague = factories.MemberFactory(company=company)
    factories.PendingMemberFactory(company=company)
    siret = company.siret if same_siret else establishment(company.siren, 2)
    companies_before = Company.count()

    response = client.post("/inscription", data=registration(
        email="newcomer@example.org", siret=siret, legal_name="Another Name", postcode="13001", city="Marseille"))

    assert response.status_code == 200, response.data[:2000]
    assert Company.count() == companies_before
    newcomer = user_named("newcomer@example.org")
    assert newcomer.company_id == company.id
    assert newcomer.membership is MembershipStatus.PENDING
    db.session.refresh(company)
    assert company.legal_name != "Another Name" and company.postcode == "69007"
    recipients = sorted(r for message in outbox for r in message.recipients)
    assert recipients == sorted(["newcomer@example.org", member.email, colleague.email])
    request_mails = [m for m in outbox if m.recipients != ["newcomer@example.org"]]
    assert all(link_in(m) == "/compte/membres" and "newcomer@example.org" in m.body for m in request_mails)


def test_member_accepts_a_pending_colleague(client, login, member, outbox):
    pending = factories.PendingMemberFactory(company=member.company)
    login(member)

    page = client.get("/compte/membres")
    assert f"/compte/membres/{pending.id}/accepter".encode() in page.data
    response = client.post(f"/compte/membres/{pending.id}/accepter")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/compte/membres"
    assert user_named(pending.email).membership is MembershipStatus.ACTIVE
    assert [m.recipients for m in outbox] == [[pending.email]]
    assert "alert-success" in flashes(client.get("/compte/membres"))


def test_member_refuses_a_pending_colleague_and_the_account_is_deleted(client, login, member, outbox):
    pending = factories.PendingMemberFactory(company=member.company)
    pending_email, company_id = pending.email, member.company_id
    login(member)

    response = client.post(f"/compte/membres/{pending.id}/refuser")

    assert response.status_code == 302
    assert user_named(pending_email) is None
    assert db.session.get(Company, company_id) is not None
    assert [m.recipients for m in outbox] == [[pending_email]]


def test_pending_member_cannot_accept_or_refuse_others(client, login, member, outbox):
    asking = factories.PendingMemberFactory(company=member.company)
    other = factories.PendingMemberFactory(company=member.company)
    login(asking)
    before = snapshot()

    accepted = client.post(f"/compte/membres/{other.id}/accepter")
    refused = client.post(f"/compte/membres/{other.id}/refuser")

    assert accepted.status_code == 403 and refused.status_code == 403
    assert snapshot() == before
    assert outbox == []


def test_member_of_another_company_cannot_accept_or_refuse(client, login, member, outbox):
    pending = factories.PendingMemberFactory()
    login(member)
    before = snapshot()

    assert client.post(f"/compte/membres/{pending.id}/accepter").status_code == 404
    assert client.post(f"/compte/membres/{pending.id}/refuser").status_code == 404
    assert snapshot() == before
    assert outbox == []


def test_membership_decision_on_an_active_member_or_oneself_is_404(client, login, member):
    colleague = factories.MemberFactory(company=member.company)
    login(member)
    before = snapshot()

    assert client.post(f"/compte/membres/{colleague.id}/refuser").status_code == 404
    assert client.post(f"/compte/membres/{member.id}/accepter").status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("action", ["accepter", "refuser"])
@pytest.mark.parametrize("member_id", ["0", "987654", "2147483648", "99999999999999999999", "-1", "abc", "1.5"])
def test_membership_decision_on_unknown_or_malformed_ids_is_404(client, login, member, action, member_id):
    login(member)
    before = snapshot()

    response = client.post(f"/compte/membres/{member_id}/{action}")

    assert response.status_code == 404
    assert snapshot() == before


def test_membership_decisions_need_a_logged_in_user(client, member):
    pending = factories.PendingMemberFactory(company=member.company)

    response = client.post(f"/compte/membres/{pending.id}/accepter")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/connexion"
    assert user_named(pending.email).membership is MembershipStatus.PENDING


def test_membership_decisions_are_post_only(client, login, member):
    pending = factories.PendingMemberFactory(company=member.company)
    login(member)

    assert client.get(f"/compte/membres/{pending.id}/accepter").status_code == 405
    assert user_named(pending.email).membership is MembershipStatus.PENDING


# --------------------------------------------------------------------------- login and logout


def test_login_with_wrong_password_or_unknown_email_gives_the_same_message(client, english, member):
    wrong_password = log_in(client, member.email, "not the right password")
    unknown_email = log_in(client, "nobody@example.org", TEST_PASSWORD)

    assert wrong_password.status_code == unknown_email.status_code == 200
    assert alert_texts(wrong_password, "danger") == alert_texts(unknown_email, "danger") == [
        "Wrong email address or password."]
    assert not is_logged_in(client)


def test_login_is_case_insensitive_on_the_email(client, member):
    assert log_in(client, member.email.upper()).status_code == 302
    assert is_logged_in(client)


def test_unconfirmed_account_cannot_log_in(client, english):
    user = factories.MemberFactory(email_confirmed_at=None)

    response = log_in(client, user.email)

    assert response.status_code == 200
    assert alert_texts(response, "danger") == [
        "Confirm your email address first: we sent you a link. You can ask for a new one."]
    assert not is_logged_in(client)


def test_unconfirmed_account_with_wrong_password_gets_the_generic_message(client, english):
    user = factories.MemberFactory(email_confirmed_at=None)

    response = log_in(client, user.email, "not the right password")

    assert alert_texts(response, "danger") == ["Wrong email address or password."]


def test_successful_login_records_the_time_and_welcomes(client, member):
    response = log_in(client, member.email)

    assert response.status_code == 302
    assert user_named(member.email).last_login_at is not None
    assert "alert-success" in flashes(client.get("/"))


def test_remember_me_sets_the_remember_cookie(client, member):
    response = log_in(client, member.email, remember="y")

    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert len(remember) == 1
    assert "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]


def test_without_remember_me_there_is_no_remember_cookie(client, member):
    response = log_in(client, member.email)

    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]


@pytest.mark.parametrize("remember", [True, False])
def test_only_the_remember_cookie_outlives_the_session_cookie(client, member, remember):
    log_in(client, member.email, **({"remember": "y"} if remember else {}))
    assert client.get_cookie("session", domain="localhost") is not None
    client.delete_cookie("session", domain="localhost")

    assert is_logged_in(client) is remember


def test_login_follows_a_relative_next(client, member):
    response = log_in(client, member.email, query="?next=/compte/membres%3Fx%3D1")

    assert response.status_code == 302
    assert response.headers["Location"] == "/compte/membres?x=1"


def test_login_follows_next_from_the_hidden_form_field(client, member):
    response = log_in(client, member.email, next="/compte/mot-de-passe")

    assert response.headers["Location"] == "/compte/mot-de-passe"


def test_login_page_keeps_next_in_its_form(client):
    response = client.get("/connexion?next=/compte/")

    assert re.search(rb'<input[^>]*name="next"[^>]*value="/compte/"', response.data)


@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "http://localhost.evil.example/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    " //evil.example",
])
@pytest.mark.parametrize("where", ["query", "form"])
def test_login_ignores_an_unsafe_next(client, member, target, where):
    if where == "query":
        response = client.post("/connexion", query_string={"next": target},
                               data={"email": member.email, "password": TEST_PASSWORD})
    else:
        response = log_in(client, member.email, next=target)

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost") and location.path == "/"
    assert location.scheme in ("", "http", "https")


def test_logged_in_user_visiting_login_goes_to_a_safe_next_only(client, login, member):
    login(member)

    assert client.get("/connexion?next=/compte/").headers["Location"] == "/compte/"
    assert urlsplit(client.get("/connexion?next=//evil.example").headers["Location"]).path == "/"


def test_logout_needs_post(client, login, member):
    login(member)

    response = client.get("/deconnexion")

    assert response.status_code == 405
    assert is_logged_in(client)


def test_logout_by_post_ends_the_session_and_forgets_remember_me(client, member):
    log_in(client, member.email, remember="y")

    response = client.post("/deconnexion")

    assert response.status_code == 302
    assert any(c.startswith("remember_token=;") for c in response.headers.getlist("Set-Cookie"))
    assert not is_logged_in(client)


def test_password_change_logs_out_the_other_sessions(app, client, login, member):
    other_browser = app.test_client()
    assert log_in(other_browser, member.email, remember="y").status_code == 302
    login(member)
    assert is_logged_in(other_browser)

    response = client.post("/compte/mot-de-passe", data={
        "current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})

    assert response.status_code == 302
    assert not is_logged_in(other_browser)
    assert not is_logged_in(client)
    assert log_in(client, member.email, TEST_PASSWORD).status_code == 200
    assert log_in(client, member.email, NEW_PASSWORD).status_code == 302


def test_session_of_a_deleted_user_is_anonymous(client, login, member):
    login(member)
    db.session.delete(member)
    db.session.flush()

    assert not is_logged_in(client)


# --------------------------------------------------------------------------- confirmation link sent again


def test_resend_confirmation_mails_unconfirmed_accounts_only_with_the_same_answer(client, english, member, outbox):
    unconfirmed = factories.MemberFactory(email_confirmed_at=None)
    answers = []
    for email in (unconfirmed.email, member.email, "nobody@example.org"):
        response = client.post("/confirmer", data={"email": email}, follow_redirects=True)
        answers.append(alert_texts(response, "info"))

    assert answers[0] == answers[1] == answers[2] != []
    assert [m.recipients for m in outbox] == [[unconfirmed.email]]
    assert client.get(link_in(outbox[0])).status_code == 302
    assert user_named(unconfirmed.email).is_confirmed


# --------------------------------------------------------------------------- password reset


def _ask_reset(client, email):
    return client.post("/mot-de-passe-oublie", data={"email": email}, follow_redirects=True)


def test_reset_request_for_an_unknown_email_says_the_same_and_sends_nothing(client, english, member, outbox):
    unknown = _ask_reset(client, "nobody@example.org")
    assert outbox == []
    known = _ask_reset(client, member.email)

    assert unknown.status_code == known.status_code == 200
    assert alert_texts(unknown, "info") == alert_texts(known, "info") != []
    assert len(outbox) == 1 and outbox[0].recipients == [member.email]
    assert link_in(outbox[0]).startswith("/mot-de-passe/")


def test_reset_link_works_once(client, member, outbox):
    _ask_reset(client, member.email)
    link = link_in(outbox[0])
    assert client.get(link).status_code == 200

    response = client.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/connexion"
    changed_hash = user_named(member.email).password_hash
    assert passwords.verify_password(changed_hash, NEW_PASSWORD)

    again = client.get(link)
    assert again.status_code == 302
    assert urlsplit(again.headers["Location"]).path == "/mot-de-passe-oublie"
    assert "alert-danger" in flashes(client.get("/mot-de-passe-oublie"))
    reused = client.post(link, data={"password": "yet another passphrase", "password_confirm": "yet another passphrase"})
    assert reused.status_code == 302
    assert user_named(member.email).password_hash == changed_hash
    assert log_in(client, member.email, NEW_PASSWORD).status_code == 302


def test_reset_with_too_short_password_is_refused_clearly(client, english, member, outbox):
    _ask_reset(client, member.email)
    link = link_in(outbox[0])
    before = snapshot()

    response = client.post(link, data={"password": "short", "password_confirm": "short"})

    assert response.status_code == 200
    assert field_invalid(response, "password")
    assert b"Your password must have at least 12 characters." in response.data
    assert snapshot() == before
    assert client.get(link).status_code == 200  # the link still works


def test_expired_reset_link_says_so(app, client, english, member, outbox, monkeypatch):
    _ask_reset(client, member.email)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    before = snapshot()

    response = client.post(link_in(outbox[0]), data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
                           follow_redirects=True)

    assert response.request.path == "/mot-de-passe-oublie"
    assert alert_texts(response, "danger") == ["This link has expired. Ask for a new one."]
    assert snapshot() == before


def test_confirmation_token_is_not_a_reset_token(app, client, member):
    """Same key, another purpose: the salt tells them apart."""
    token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="marketplace.confirm-email").dumps(
        {"user": member.id, "fingerprint": member.password_hash[-16:]})

    response = client.get(f"/mot-de-passe/{token}")

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/mot-de-passe-oublie"


def test_reset_logs_out_other_sessions_and_confirms_the_address(app, client, outbox):
    user = factories.MemberFactory(email_confirmed_at=None)
    _ask_reset(client, user.email)

    client.post(link_in(outbox[0]), data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})

    reloaded = user_named(user.email)
    assert reloaded.is_confirmed and reloaded.session_version == 2
    assert log_in(client, user.email, NEW_PASSWORD).status_code == 302


# --------------------------------------------------------------------------- pages, languages and errors


def test_pages_are_french_by_default(client):
    response = client.get("/")

    assert response.status_code == 200
    assert b'<html lang="fr">' in response.data


def test_pages_are_english_when_chosen(client, english):
    assert b'<html lang="en">' in client.get("/connexion").data


def test_404_is_json_when_json_is_asked_for(client):
    response = client.get("/does-not-exist", headers={"Accept": "application/json"})

    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["error"]["code"] == 404
    assert response.get_json()["error"]["message"]


def test_404_is_html_otherwise(client):
    for accept in (None, "text/html", "*/*", "text/html,application/json;q=0.9"):
        response = client.get("/does-not-exist", headers={"Accept": accept} if accept else {})

        assert response.status_code == 404
        assert response.mimetype == "text/html"
        assert b"<html" in response.data


def test_405_is_json_when_json_is_asked_for(client):
    response = client.get("/deconnexion", headers={"Accept": "application/json"})

    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == 405
    assert "POST" in response.headers["Allow"]
