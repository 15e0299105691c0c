"""Flask commands: users create-moderator / create-admin, seed-demo."""

from __future__ import annotations

import re

import pytest
from stdnum.fr import siret as stdnum_siret

from marketplace import demo
from marketplace.extensions import db, limiter
from marketplace.models import AuditLog, Company, MembershipStatus, Role, User
from marketplace.services import naf, passwords
from tests import factories
from tests.conftest import TEST_PASSWORD, base_config, log_in


@pytest.fixture(autouse=True)
def english(app, monkeypatch):
    """Command messages are checked in English (outside a request the default language is used)."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")


def invoke(runner, *args):
    return runner.invoke(args=list(args))


def user(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email))


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


# --------------------------------------------------------------------------- users create-moderator


def test_create_moderator(runner):
    result = invoke(runner, "users", "create-moderator", "Mod.Rhone@Example.org", "-d", "69", "-d", "2A",
                    "--name", "Claire Moderatrice", "--password", TEST_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "mod.rhone@example.org" in result.output
    assert "2A, 69" in result.output
    assert TEST_PASSWORD not in result.output  # a chosen password is not echoed

    moderator = user("mod.rhone@example.org")
    assert moderator is not None
    assert moderator.role is Role.MODERATOR
    assert moderator.full_name == "Claire Moderatrice"
    assert moderator.is_confirmed
    assert moderator.company_id is None and moderator.membership is None
    assert moderator.departements == ["2A", "69"]
    assert passwords.verify_password(moderator.password_hash, TEST_PASSWORD)

    entries = db.session.scalars(db.select(AuditLog).where(AuditLog.target_id == moderator.id)).all()
    assert len(entries) == 1
    entry = entries[0]
    assert entry.action == "user.create_moderator"
    assert entry.target_type == "user"
    assert entry.actor_id is None and "command line" in entry.actor_label
    assert sorted(entry.details["departements"]) == ["2A", "69"]
    assert entry.created_at is not None


def test_created_moderator_can_log_in(runner, client):
    assert invoke(runner, "users", "create-moderator", "mod@example.org", "-d", "69",
                  "--password", TEST_PASSWORD).exit_code == 0
    assert log_in(client, "mod@example.org").status_code == 302


def test_create_moderator_needs_a_departement(runner):
    result = invoke(runner, "users", "create-moderator", "mod@example.org", "--password", TEST_PASSWORD)
    assert result.exit_code == 2  # click's usage error
    assert "Usage:" in result.output
    assert "--departement" in result.output
    assert user("mod@example.org") is None


@pytest.mark.parametrize("codes", [["99"], ["69", "99"], ["2C"], ["6"], ["<script>"]])
def test_create_moderator_with_unknown_departement(runner, codes):
    args = [arg for code in codes for arg in ("-d", code)]
    result = invoke(runner, "users", "create-moderator", "mod@example.org", *args, "--password", TEST_PASSWORD)
    assert result.exit_code == 1
    assert f"Error: Unknown département: {codes[-1]}." in result.output
    assert "Traceback" not in result.output
    assert user("mod@example.org") is None
    assert count(AuditLog) == 0


def test_create_moderator_with_duplicate_email(runner, member):
    email, member_id = member.email, member.id
    db.session.commit()  # the command rolls back on error: keep the member, as a real one would be
    result = invoke(runner, "users", "create-moderator", email.upper(), "-d", "69", "--password", TEST_PASSWORD)
    assert result.exit_code == 1
    assert "Error: An account already exists for this email address." in result.output
    existing = db.session.scalars(db.select(User).where(User.email == email)).all()
    assert [u.id for u in existing] == [member_id]
    assert existing[0].role is Role.MEMBER
    assert count(AuditLog) == 0


def test_create_moderator_with_a_weak_password(runner):
    result = invoke(runner, "users", "create-moderator", "mod@example.org", "-d", "69", "--password", "short")
    assert result.exit_code == 1
    assert "Error: Your password must have at least 12 characters." in result.output
    assert user("mod@example.org") is None


def test_create_moderator_generates_and_prints_a_password(runner):
    result = invoke(runner, "users", "create-moderator", "mod@example.org", "-d", "38")
    assert result.exit_code == 0, result.output
    match = re.search(r"Password: (\S+)", result.output)
    assert match, result.output
    generated = match[1]
    assert len(generated) >= 12
    assert passwords.verify_password(user("mod@example.org").password_hash, generated)


def test_generated_passwords_differ(runner):
    outputs = [invoke(runner, "users", "create-moderator", f"mod{i}@example.org", "-d", "38").output
               for i in range(2)]
    first, second = (re.search(r"Password: (\S+)", output)[1] for output in outputs)
    assert first != second


def test_create_moderator_with_a_bad_email(runner):
    result = invoke(runner, "users", "create-moderator", "   ", "-d", "69", "--password", TEST_PASSWORD)
    assert result.exit_code != 0
    assert count(User) == 0


# --------------------------------------------------------------------------- users create-admin


def test_create_admin_everywhere(runner):
    result = invoke(runner, "users", "create-admin", "chief@example.org", "--password", TEST_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "all départements" in result.output
    admin = user("chief@example.org")
    assert admin.role is Role.ADMIN
    assert admin.is_confirmed
    assert admin.departements == []
    entry = db.session.scalar(db.select(AuditLog).where(AuditLog.target_id == admin.id))
    assert entry.action == "user.create_admin"


def test_create_admin_with_territories(runner):
    result = invoke(runner, "users", "create-admin", "idf@example.org", "-d", "75", "-d", "93", "-d", "75",
                    "--password", TEST_PASSWORD)
    assert result.exit_code == 0, result.output
    assert user("idf@example.org").departements == ["75", "93"]


def test_create_admin_with_duplicate_email(runner):
    factories.AdminFactory(email="chief@example.org")
    db.session.commit()
    result = invoke(runner, "users", "create-admin", "chief@example.org", "--password", TEST_PASSWORD)
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_create_admin_generates_a_password(runner):
    result = invoke(runner, "users", "create-admin", "chief@example.org")
    assert result.exit_code == 0
    generated = re.search(r"Password: (\S+)", result.output)[1]
    assert passwords.verify_password(user("chief@example.org").password_hash, generated)


# --------------------------------------------------------------------------- seed-demo


DEMO_EMAILS = (demo.MEMBER_EMAIL, demo.MODERATOR_EMAIL, demo.ADMIN_EMAIL)


def assert_prints_demo_accounts(output: str, app) -> None:
    for email in DEMO_EMAILS:
        assert email in output
    assert app.config["DEMO_PASSWORD"] in output


def test_seed_demo(runner, app):
    result = invoke(runner, "seed-demo")
    assert result.exit_code == 0, result.output
    assert_prints_demo_accounts(result.output, app)

    companies = db.session.scalars(db.select(Company)).all()
    assert len(companies) == len(demo.COMPANIES) >= 15
    assert len({c.region for c in companies}) >= 5
    assert len({naf.get_naf(c.naf_code).section for c in companies}) >= 15
    assert all(stdnum_siret.is_valid(c.siret) for c in companies)
    assert len({c.siren for c in companies}) == len(companies)  # distinct companies, not branches
    assert all(c.latitude and c.longitude and c.departement and c.city for c in companies)
    assert {"2B", "974"} <= {c.departement for c in companies}  # Corsica and overseas too

    users = db.session.scalars(db.select(User)).all()
    assert users and all(u.email.endswith("@example.org") for u in users)
    assert all(u.is_confirmed for u in users)
    assert user(demo.MEMBER_EMAIL).is_active_member
    assert user(demo.MODERATOR_EMAIL).role is Role.MODERATOR
    assert user(demo.MODERATOR_EMAIL).departements == demo.MODERATOR_DEPARTEMENTS
    assert user(demo.ADMIN_EMAIL).role is Role.ADMIN and user(demo.ADMIN_EMAIL).departements == []
    pending = db.session.scalars(db.select(User).where(User.membership == MembershipStatus.PENDING)).all()
    assert len(pending) == 1  # a request to accept, to show the membership flow
    assert all(c.active_members for c in companies)


def test_seed_demo_suggests_matches_and_takes_the_best_three_further(runner, app):
    from marketplace.models import Match, MatchOutcome, MatchStatus

    result = invoke(runner, "seed-demo")
    assert result.exit_code == 0, result.output
    statuses = [m.status for m in db.session.scalars(db.select(Match).order_by(Match.score.desc(), Match.id))]
    assert len(statuses) >= 6 and statuses.count(MatchStatus.PROPOSED) == len(statuses) - 3
    assert {MatchStatus.APPROVED, MatchStatus.INTRODUCED} <= set(statuses)
    assert MatchStatus.CONCLUDED in statuses or statuses.count(MatchStatus.INTRODUCED) == 2
    if MatchStatus.CONCLUDED in statuses:
        assert db.session.scalar(db.select(db.func.count(MatchOutcome.id))) == 1
    assert "taken further" in result.output


def test_demo_accounts_can_log_in(runner, app, client):
    assert invoke(runner, "seed-demo").exit_code == 0
    for email in DEMO_EMAILS:
        response = log_in(client, email, app.config["DEMO_PASSWORD"])
        assert response.status_code == 302, email
        client.post("/deconnexion")


def test_seed_demo_if_empty_on_an_empty_database_loads(runner, app):
    result = invoke(runner, "seed-demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert count(Company) == len(demo.COMPANIES)
    assert_prints_demo_accounts(result.output, app)


def test_seed_demo_if_empty_on_a_non_empty_database_loads_nothing(runner, app, member):
    result = invoke(runner, "seed-demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "not loaded" in result.output
    assert count(Company) == 1
    assert count(User) == 1
    assert user(demo.MEMBER_EMAIL) is None
    assert_prints_demo_accounts(result.output, app)


def test_seed_demo_twice_gives_a_clear_error_and_changes_nothing(runner):
    assert invoke(runner, "seed-demo").exit_code == 0
    companies, users = count(Company), count(User)
    result = invoke(runner, "seed-demo")
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "--if-empty" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert (count(Company), count(User)) == (companies, users)


def test_seed_demo_refuses_in_production(tmp_path_factory, monkeypatch, member):
    from marketplace import create_app

    member_id = member.id
    db.session.commit()  # the production app's command ends by removing the session
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    production = create_app(base_config(tmp_path_factory, ENV="production", TESTING=False,
                                        SECRET_KEY="9f2c5d0e8b1a4c7f6e3d2b1a0c9f8e7d"))
    try:
        # the runner uses the current app context if there is one (the session app's): push the production one
        with production.app_context():
            result = production.test_cli_runner().invoke(args=["seed-demo"])
            assert result.exit_code == 1
            assert "production" in result.output
            assert "Traceback" not in result.output
            assert [u.id for u in db.session.scalars(db.select(User))] == [member_id]
            result = production.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
            assert result.exit_code == 1  # refused too: no demo accounts on a real platform
        assert count(Company) == 1
    finally:
        with production.app_context():
            db.engine.dispose()
