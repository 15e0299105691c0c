"""Mail language, email normalization, equal-time login failures, foreign keys on SQLite."""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditLog, Company, MembershipStatus, Notification, User
from marketplace.services import accounts, passwords

from .. import factories
from .accounts_support import persist, registration, siret_for


def test_registration_remembers_the_language_of_the_page(client):
    client.post("/langue/en", data={})
    client.post("/inscription", data=registration(email="anne@example.org"))
    assert User.by_email("anne@example.org").locale == "en"


def test_switching_language_when_logged_in_is_remembered_for_mails(client, member, login):
    persist()
    login(member)
    client.post("/langue/en", data={})
    db.session.expire_all()
    assert db.session.get(User, member.id).locale == "en"


def test_membership_request_mail_is_in_the_language_of_the_member_who_receives_it(client, outbox):
    company = factories.CompanyFactory(siret=siret_for(777))
    factories.MemberFactory(company=company, email="boss@example.org", locale="en")
    persist()
    response = client.post("/inscription", data=registration(email="newcomer@example.org", siret=siret_for(777)))
    assert response.status_code == 200
    to_member = [m for m in outbox if m.recipients == ["boss@example.org"]]
    to_newcomer = [m for m in outbox if m.recipients == ["newcomer@example.org"]]
    assert len(to_member) == 1 and "asks to join" in to_member[0].body
    assert len(to_newcomer) == 1 and "Bonjour" in to_newcomer[0].body
    assert User.by_email("newcomer@example.org").membership == MembershipStatus.PENDING


def test_email_lookup_ignores_unicode_normalization_form():
    decomposed = unicodedata.normalize("NFD", "José.Martín@example.org")
    user = factories.MemberFactory(email=accounts.valid_email("josé.martín@example.org"))
    assert User.by_email(decomposed) is user


def test_unknown_email_costs_a_password_check_like_a_known_one(monkeypatch, member):
    checked = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda h, p: checked.append(h) or real(h, p))
    for email in ("nobody@example.org", member.email):
        try:
            accounts.authenticate(email, "wrong password here")
        except accounts.InvalidCredentials:
            pass
    assert checked == [passwords.dummy_hash(), member.password_hash]


def test_deleting_a_company_deletes_its_accounts_in_the_database(member):
    """ON DELETE CASCADE must hold on SQLite too (foreign keys are switched on for each connection)."""
    company_id = member.company_id
    db.session.execute(sa.delete(Company).where(Company.id == company_id))
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.company_id == company_id)) == 0


def test_a_row_pointing_at_a_missing_company_is_refused():
    try:
        with db.session.begin_nested():
            db.session.execute(sa.text(
                "INSERT INTO user_account (email, password_hash, full_name, role, company_id, membership, "
                "created_at, session_version, locale) VALUES ('x@example.org', 'h', 'X', 'member', 999999, "
                "'active', CURRENT_TIMESTAMP, 1, 'fr')"))
    except sa.exc.IntegrityError:
        return
    raise AssertionError("a foreign key to a missing company was accepted")


def test_registering_for_a_company_without_members_waits_for_a_moderator(client, outbox, login):
    """A public SIRET is not enough to speak for a company entered by the CCI: its moderators decide."""
    company = factories.CompanyFactory(siret=siret_for(888), departement="69")  # entered by intake: no member
    moderator = factories.ModeratorFactory(departements=["69"], email="mod69@example.org")
    factories.ModeratorFactory(departements=["75"], email="mod75@example.org")
    persist()
    response = client.post("/inscription", data=registration(email="first@example.org", siret=siret_for(888)))
    assert response.status_code == 200
    newcomer = User.by_email("first@example.org")
    assert newcomer.membership == MembershipStatus.PENDING
    assert [m.recipients for m in outbox if m.recipients != ["first@example.org"]] == [["mod69@example.org"]]
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(Notification.user_id == moderator.id)) == 1

    login(moderator)
    response = client.post(f"/moderation/companies/{company.id}/members/{newcomer.id}/accept")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, newcomer.id).membership == MembershipStatus.ACTIVE
    entry = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "company.accept_member")).one()
    assert entry.actor_id == moderator.id and entry.details["member"] == "first@example.org"


def test_a_moderator_of_another_territory_cannot_answer_a_membership_request(client, login):
    company = factories.CompanyFactory(departement="69")
    pending = factories.PendingMemberFactory(company=company)
    outsider = factories.ModeratorFactory(departements=["75"])
    persist()
    login(outsider)
    response = client.post(f"/moderation/companies/{company.id}/members/{pending.id}/accept")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(User, pending.id).membership == MembershipStatus.PENDING


def test_a_moderator_declines_a_membership_request(client, login, outbox):
    company = factories.CompanyFactory(departement="69")
    pending = factories.PendingMemberFactory(company=company, email="asker@example.org")
    moderator = factories.ModeratorFactory(departements=["69"])
    persist()
    login(moderator)
    client.post(f"/moderation/companies/{company.id}/members/{pending.id}/refuse")
    db.session.expire_all()
    assert User.by_email("asker@example.org") is None
    assert [m.recipients for m in outbox] == [["asker@example.org"]]
