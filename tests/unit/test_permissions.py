"""marketplace.permissions, rule by rule, for every kind of person."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin, login_user
from werkzeug.exceptions import Forbidden

from marketplace import permissions as p
from marketplace.extensions import db
from marketplace.models import MembershipStatus, UserTerritory
from tests import factories

ALL_COMPANY_RULES = (p.can_act_for_company, p.can_edit_company, p.can_manage_members, p.can_see_contact_details)


@pytest.fixture
def company():
    return factories.CompanyFactory(departement="69", postcode="69007")


@pytest.fixture
def corsican_company():
    return factories.CompanyFactory(departement="2A", postcode="20000", city="Ajaccio", insee_code="2A004",
                                    region="94", latitude=41.9267, longitude=8.7369)


@pytest.fixture
def anonymous():
    return AnonymousUserMixin()


# --------------------------------------------------------------------------- anonymous


def test_anonymous_may_do_nothing(anonymous, company):
    for rule in ALL_COMPANY_RULES:
        assert rule(anonymous, company) is False, rule.__name__
    assert p.is_admin(anonymous) is False
    assert p.is_moderator(anonymous) is False
    assert p.is_staff(anonymous) is False
    assert p.can_manage_staff(anonymous) is False
    assert p.covers_departement(anonymous, "69") is False


def test_none_is_treated_as_anonymous(company):
    for rule in ALL_COMPANY_RULES:
        assert rule(None, company) is False, rule.__name__
    assert p.is_moderator(None) is False


# --------------------------------------------------------------------------- company members


def test_active_member_acts_for_own_company(company):
    member = factories.MemberFactory(company=company)
    assert p.can_act_for_company(member, company) is True
    assert p.can_edit_company(member, company) is True
    assert p.can_manage_members(member, company) is True
    assert p.can_see_contact_details(member, company) is True


def test_active_member_is_not_staff(company):
    member = factories.MemberFactory(company=company)
    assert p.is_admin(member) is False
    assert p.is_moderator(member) is False
    assert p.is_staff(member) is False
    assert p.can_manage_staff(member) is False
    assert p.covers_departement(member, company.departement) is False


def test_pending_member_may_do_nothing_yet(company):
    factories.MemberFactory(company=company)  # the colleague who will accept
    pending = factories.PendingMemberFactory(company=company)
    for rule in ALL_COMPANY_RULES:
        assert rule(pending, company) is False, rule.__name__


def test_pending_member_gains_rights_once_accepted(company):
    pending = factories.PendingMemberFactory(company=company)
    assert p.can_act_for_company(pending, company) is False
    pending.membership = MembershipStatus.ACTIVE
    assert p.can_act_for_company(pending, company) is True


def test_member_of_another_company_may_do_nothing_there(company):
    stranger = factories.MemberFactory()  # its own company, same département
    assert stranger.company_id != company.id
    assert stranger.company.departement == company.departement
    for rule in ALL_COMPANY_RULES:
        assert rule(stranger, company) is False, rule.__name__
    assert p.can_act_for_company(stranger, stranger.company) is True


# --------------------------------------------------------------------------- moderators


def test_moderator_in_departement(company):
    moderator = factories.ModeratorFactory(departements=["69"])
    assert p.is_moderator(moderator) is True
    assert p.is_staff(moderator) is True
    assert p.is_admin(moderator) is False
    assert p.can_manage_staff(moderator) is False
    assert p.covers_departement(moderator, "69") is True
    assert p.can_edit_company(moderator, company) is True
    assert p.can_see_contact_details(moderator, company) is True
    # moderators never act in a company's name, nor decide who joins it
    assert p.can_act_for_company(moderator, company) is False
    assert p.can_manage_members(moderator, company) is False


def test_moderator_outside_departement(company):
    moderator = factories.ModeratorFactory(departements=["38", "42"])
    assert p.is_moderator(moderator) is True
    assert p.covers_departement(moderator, "69") is False
    for rule in ALL_COMPANY_RULES:
        assert rule(moderator, company) is False, rule.__name__


def test_moderator_with_several_departements():
    moderator = factories.ModeratorFactory(departements=["01", "38", "69"])
    assert [p.covers_departement(moderator, code) for code in ("01", "38", "69", "42", "1", "")] == \
        [True, True, True, False, False, False]


def test_corsican_departements_are_distinct(corsican_company, company):
    moderator = factories.ModeratorFactory(departements=["2A"])
    assert p.covers_departement(moderator, "2A") is True
    assert p.covers_departement(moderator, "2B") is False
    assert p.covers_departement(moderator, "20") is False  # the pre-1976 code is not a territory
    assert p.can_edit_company(moderator, corsican_company) is True
    assert p.can_see_contact_details(moderator, corsican_company) is True
    assert p.can_edit_company(moderator, company) is False


def test_haute_corse_moderator_does_not_cover_corse_du_sud(corsican_company):
    moderator = factories.ModeratorFactory(departements=["2B"])
    assert p.can_edit_company(moderator, corsican_company) is False
    assert p.can_see_contact_details(moderator, corsican_company) is False


# --------------------------------------------------------------------------- administrators


def test_admin_without_territory_covers_everywhere(company, corsican_company):
    admin = factories.AdminFactory()
    assert admin.territories == []
    assert p.is_admin(admin) is True
    assert p.is_moderator(admin) is True  # administrators can do what moderators do
    assert p.can_manage_staff(admin) is True
    for code in ("01", "69", "2A", "2B", "974", "976"):
        assert p.covers_departement(admin, code) is True, code
    for target in (company, corsican_company):
        assert p.can_edit_company(admin, target) is True
        assert p.can_see_contact_details(admin, target) is True
        assert p.can_act_for_company(admin, target) is False
        assert p.can_manage_members(admin, target) is False


def test_admin_with_territories_is_limited_to_them(company, corsican_company):
    admin = factories.AdminFactory()
    admin.territories = [UserTerritory(departement="2A"), UserTerritory(departement="75")]
    db.session.flush()
    assert p.is_admin(admin) is True
    assert p.can_manage_staff(admin) is True  # managing staff does not depend on territory
    assert p.covers_departement(admin, "2A") is True
    assert p.covers_departement(admin, "75") is True
    assert p.covers_departement(admin, "69") is False
    assert p.can_edit_company(admin, corsican_company) is True
    assert p.can_edit_company(admin, company) is False
    assert p.can_see_contact_details(admin, company) is False


# --------------------------------------------------------------------------- the decorator


def _guarded():
    @p.require(p.is_admin)
    def view(value):
        return f"ok {value}"

    return view


def test_require_lets_through_when_the_check_holds(app):
    admin = factories.AdminFactory()
    view = _guarded()
    with app.test_request_context("/"):
        login_user(admin)
        assert view("x") == "ok x"


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator"])
def test_require_gives_403_otherwise(app, who):
    users = {"member": factories.MemberFactory, "moderator": factories.ModeratorFactory}
    view = _guarded()
    with app.test_request_context("/"):
        if who != "anonymous":
            login_user(users[who]())
        with pytest.raises(Forbidden):
            view("x")


def test_require_keeps_the_view_name():
    def my_view():
        return "x"

    assert p.require(p.is_admin)(my_view).__name__ == "my_view"
