"""The account pages of a company member: profile, company, password and account deletion."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from marketplace.extensions import db
from marketplace.models import AuditLog, Company, User, UserTerritory
from marketplace.services import audit, passwords

from .. import factories
from ..factories import TEST_PASSWORD
from .accounts_support import (
    ESCAPED_SCRIPT,
    SCRIPT,
    company_form,
    field_invalid,
    flashes,
    siret_for,
    snapshot,
    user_named,
)

NEW_PASSWORD = "a brand new passphrase 2026"


def reload(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


@pytest.mark.parametrize("path", ["/compte/", "/compte/entreprise", "/compte/membres", "/compte/mot-de-passe",
                                  "/compte/supprimer"])
def test_account_pages_need_a_logged_in_user(client, path):
    response = client.get(path)

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/connexion" and "next=" in location.query


@pytest.mark.parametrize("path", ["/compte/", "/compte/entreprise", "/compte/membres", "/compte/mot-de-passe",
                                  "/compte/supprimer"])
def test_account_pages_render_for_an_active_member(client, login, member, path):
    login(member)

    assert client.get(path).status_code == 200


# --------------------------------------------------------------------------- profile


def test_member_edits_his_name(client, login, member):
    login(member)

    response = client.post("/compte/", data={"person-full_name": "  Dominique   Lefèvre "})

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/compte/"
    assert reload(member).full_name == "Dominique Lefèvre"
    assert "alert-success" in flashes(client.get("/compte/"))


def test_empty_name_is_refused_and_nothing_changes(client, login, member):
    login(member)
    before = snapshot()

    response = client.post("/compte/", data={"person-full_name": "   "})

    assert response.status_code == 200
    assert field_invalid(response, "person-full_name")
    assert snapshot() == before


def test_name_with_html_is_kept_as_text_and_escaped(client, login, member):
    login(member)

    client.post("/compte/", data={"person-full_name": SCRIPT})
    page = client.get("/compte/")

    assert reload(member).full_name == SCRIPT
    assert ESCAPED_SCRIPT in page.data
    assert SCRIPT.encode() not in page.data


# --------------------------------------------------------------------------- company


def test_member_moves_the_company_and_its_location_follows_the_postcode(client, login, member):
    company = member.company
    login(member)

    response = client.post("/compte/entreprise", data=company_form(
        company, postcode="13001", city="Marseille", naf_code="5610a", legal_name="Nouveau Nom SAS",
        phone="+33 4 91 00 00 00"))

    assert response.status_code == 302, response.data[:3000]
    company = reload(company)
    assert (company.postcode, company.city, company.insee_code) == ("13001", "Marseille 1er Arrondissement", "13201")
    assert (company.departement, company.region) == ("13", "93")
    assert company.latitude == pytest.approx(43.29701, abs=1e-3)
    assert company.longitude == pytest.approx(5.37901, abs=1e-3)
    assert (company.naf_code, company.legal_name, company.phone) == ("56.10A", "Nouveau Nom SAS", "04 91 00 00 00")


def test_siret_cannot_be_changed_through_the_company_form(client, login, member):
    company = member.company
    siret, siren = company.siret, company.siren
    login(member)

    response = client.post("/compte/entreprise", data=company_form(company, siret=siret_for(31337),
                                                                   legal_name="Renamed SARL"))

    assert response.status_code == 302
    company = reload(company)
    assert (company.siret, company.siren) == (siret, siren)
    assert company.legal_name == "Renamed SARL"
    assert db.session.scalar(db.select(Company).where(Company.siret == siret_for(31337))) is None


def test_company_form_shows_the_siret_read_only(client, login, member):
    login(member)

    response = client.get("/compte/entreprise")

    assert b'id="siret-readonly"' in response.data and b"readonly" in response.data
    assert member.company.siret.encode() in response.data


def test_company_edit_with_a_city_outside_the_postcode_changes_nothing(client, login, member):
    login(member)
    before = snapshot()

    response = client.post("/compte/entreprise", data=company_form(member.company, postcode="13001", city="Lyon"))

    assert response.status_code == 200
    assert field_invalid(response, "city")
    assert snapshot() == before


def test_company_edit_with_an_unknown_postcode_says_so(client, english, login, member):
    login(member)
    before = snapshot()

    response = client.post("/compte/entreprise", data=company_form(member.company, postcode="99999"))

    assert response.status_code == 200
    assert field_invalid(response, "postcode")
    assert b"Unknown postcode: 99999. Check the 5 digits." in response.data
    assert snapshot() == before


def test_pending_member_cannot_edit_the_company(client, login, member):
    pending = factories.PendingMemberFactory(company=member.company)
    login(pending)
    before = snapshot()

    assert client.get("/compte/entreprise").status_code == 403
    response = client.post("/compte/entreprise", data=company_form(member.company, legal_name="Hijacked"))

    assert response.status_code == 403
    assert snapshot() == before
    assert b"/compte/entreprise" not in client.get("/compte/").data


def test_staff_without_a_company_gets_403_on_the_company_page(client, login, moderator):
    login(moderator)

    assert client.get("/compte/entreprise").status_code == 403
    assert client.get("/compte/membres").status_code == 404


def test_member_of_another_company_does_not_see_our_pending_requests(client, login, member):
    pending = factories.PendingMemberFactory()
    login(member)

    response = client.get("/compte/membres")

    assert pending.email.encode() not in response.data
    assert member.email.encode() in response.data


def test_pending_member_sees_no_decision_buttons(client, login, member):
    asking = factories.PendingMemberFactory(company=member.company)
    other = factories.PendingMemberFactory(company=member.company)
    login(asking)

    response = client.get("/compte/membres")

    assert response.status_code == 200
    assert f"/compte/membres/{other.id}/accepter".encode() not in response.data


# --------------------------------------------------------------------------- password change


def test_password_change_with_wrong_current_password_changes_nothing(client, english, login, member):
    login(member)
    before = snapshot()

    response = client.post("/compte/mot-de-passe", data={
        "current_password": "not the right password", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})

    assert response.status_code == 200
    assert field_invalid(response, "current_password")
    assert b"Your current password is wrong." in response.data
    assert snapshot() == before


def test_password_change_to_a_short_password_is_refused(client, english, login, member):
    login(member)
    before = snapshot()

    response = client.post("/compte/mot-de-passe", data={
        "current_password": TEST_PASSWORD, "password": "short", "password_confirm": "short"})

    assert response.status_code == 200
    assert field_invalid(response, "password")
    assert b"Your password must have at least 12 characters." in response.data
    assert snapshot() == before


def test_password_change_succeeds_and_asks_to_log_in_again(client, login, member):
    login(member)

    response = client.post("/compte/mot-de-passe", data={
        "current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/connexion"
    user = reload(member)
    assert passwords.verify_password(user.password_hash, NEW_PASSWORD)
    assert user.session_version == 2


# --------------------------------------------------------------------------- account deletion


def _delete(client, password=TEST_PASSWORD, confirm="SUPPRIMER"):
    return client.post("/compte/supprimer", data={"password": password, "confirm": confirm})


@pytest.mark.parametrize(("password", "confirm", "invalid_field"), [
    ("not the right password", "SUPPRIMER", "password"),
    ("", "SUPPRIMER", "password"),
    (TEST_PASSWORD, "", "confirm"),
    (TEST_PASSWORD, "oui", "confirm"),
    (TEST_PASSWORD, "SUPPRIMER MAINTENANT", "confirm"),
])
def test_account_deletion_needs_the_password_and_the_confirmation_word(client, login, member, password, confirm,
                                                                       invalid_field):
    login(member)
    before = snapshot()

    response = _delete(client, password, confirm)

    assert response.status_code == 200
    assert field_invalid(response, invalid_field)
    assert snapshot() == before
    assert client.get("/compte/").status_code == 200


@pytest.mark.parametrize("confirm", ["SUPPRIMER", "supprimer", " Supprimer ", "DELETE"])
def test_account_deletion_accepts_the_confirmation_word_in_any_case(client, login, member, confirm):
    login(member)

    assert _delete(client, confirm=confirm).status_code == 302
    assert user_named(member.email) is None


def test_account_deletion_removes_the_person_and_keeps_company_and_audit_log(client, login, member):
    member.full_name = full_name = "Dominique Effacée-Bientôt"
    company_id, user_id, email = member.company_id, member.id, member.email
    colleague = factories.MemberFactory(company=member.company)
    entry = audit.record(member, "test.action", member.company, reason="kept for the record")
    db.session.flush()
    entry_id = entry.id
    login(member)

    response = _delete(client)

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/"
    db.session.expire_all()
    assert db.session.get(User, user_id) is None
    assert user_named(email) is None
    assert db.session.get(Company, company_id) is not None
    assert user_named(colleague.email).company_id == company_id
    kept = db.session.get(AuditLog, entry_id)
    assert kept.actor_id is None and kept.actor is None
    assert kept.action == "test.action" and kept.reason == "kept for the record"
    rows = snapshot()
    assert full_name not in repr(rows)
    assert email not in repr({table: found for table, found in rows.items() if table != "audit_log"})
    assert client.get("/compte/").status_code == 302
    assert "alert-success" in flashes(client.get("/"))


def test_audit_entry_of_a_deleted_user_never_points_to_a_later_account(client, login, member):
    entry = audit.record(member, "test.action", member.company)
    db.session.flush()
    login(member)
    assert _delete(client).status_code == 302

    newcomer = factories.MemberFactory()  # SQLite gives a freed highest id to the next row
    db.session.flush()

    kept = reload(entry)
    assert kept.actor_id is None and kept.actor is None
    assert kept.actor_label != newcomer.email


def test_moderator_deleting_his_account_removes_his_territories(client, login, moderator):
    user_id = moderator.id
    login(moderator)

    assert _delete(client).status_code == 302

    assert db.session.scalars(db.select(UserTerritory).where(UserTerritory.user_id == user_id)).all() == []
