"""services.directory: declaring, withdrawing, validating, hiding, and the listing with its filters."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.errors import Forbidden
from marketplace.extensions import db
from marketplace.models import AuditLog, CompanyOpening
from marketplace.models.types import utcnow
from marketplace.services import directory
from marketplace.services.directory import DirectoryError, DirectoryFilters
from tests import factories

DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def english(app, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")


@pytest.fixture
def today():
    return directory.today()


def listed(filters: DirectoryFilters | None = None, on=None) -> list[str]:
    page = directory.directory_page(filters or DirectoryFilters(), None, per_page=100, on=on)
    return [opening.company.legal_name for opening in page.items]


def opening_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(CompanyOpening.id)))


def company(name: str, **fields):
    return factories.CompanyFactory(legal_name=name, **fields)


# --------------------------------------------------------------------------- declare, update, withdraw


def test_a_member_declares_updates_and_withdraws(member, today):
    opening = directory.declare(member, member.company, " lun-ven 8h-12h ", ["delivery", "phone_orders"],
                                "Livraison gratuite", today + 10 * DAY)
    assert (opening.hours, opening.note, opening.valid_until) == ("lun-ven 8h-12h", "Livraison gratuite",
                                                                  today + 10 * DAY)
    assert opening.services == ["delivery", "phone_orders"]
    assert listed() == [member.company.legal_name]

    again = directory.declare(member, member.company, "sam 9h-12h", [], "", today + 20 * DAY)
    assert again.id == opening.id and opening_count() == 1
    assert again.services == [] and again.hours == "sam 9h-12h"

    directory.withdraw(member, member.company)
    assert listed() == []
    assert opening_count() == 1  # the row stays, closed

    directory.declare(member, member.company, "sam 9h-12h", ["appointments"], "", today)
    assert listed() == [member.company.legal_name]


def test_withdrawing_what_is_not_listed_is_refused(member):
    with pytest.raises(DirectoryError):
        directory.withdraw(member, member.company)


@pytest.mark.parametrize("who", ["other_company", "pending", "moderator", "admin"])
def test_only_active_members_of_the_company_declare(who, member, today):
    user = {
        "other_company": lambda: factories.MemberFactory(),
        "pending": lambda: factories.PendingMemberFactory(company=member.company),
        "moderator": lambda: factories.ModeratorFactory(departements=["69"]),
        "admin": lambda: factories.AdminFactory(),
    }[who]()
    with pytest.raises(Forbidden):
        directory.declare(user, member.company, "lun 8h", [], "", today + DAY)
    assert opening_count() == 0
    factories.OpeningFactory(company=member.company)
    with pytest.raises(Forbidden):
        directory.withdraw(user, member.company)


def test_a_suspended_company_cannot_declare(member, today):
    member.company.suspended_at = utcnow()
    with pytest.raises(DirectoryError):
        directory.declare(member, member.company, "lun 8h", [], "", today + DAY)
    assert opening_count() == 0


@pytest.mark.parametrize(("hours", "services", "note", "days", "field"), [
    ("", [], "", 5, "hours"),
    ("x" * 301, [], "", 5, "hours"),
    ("lun 8h", [], "n" * 281, 5, "note"),
    ("lun 8h", ["teleportation"], "", 5, "services"),
    ("lun 8h", [], "", -1, "valid_until"),
    ("lun 8h", [], "", 91, "valid_until"),
    ("lun 8h", [], "", None, "valid_until"),
    ("lun\x00 8h", [], "", 5, "hours"),
])
def test_bad_input_is_refused_and_changes_nothing(member, today, hours, services, note, days, field):
    opening = factories.OpeningFactory(company=member.company, hours="avant", valid_until=today + 3 * DAY)
    valid_until = None if days is None else today + days * DAY
    with pytest.raises(DirectoryError) as caught:
        directory.declare(member, member.company, hours, services, note, valid_until)
    assert caught.value.field == field
    db.session.refresh(opening)
    assert (opening.hours, opening.valid_until) == ("avant", today + 3 * DAY)


def test_the_limits_themselves_are_accepted(member, today):
    opening = directory.declare(member, member.company, "h" * 300, ["click_and_collect"], "n" * 280,
                                today + 90 * DAY)
    assert opening.valid_until == today + 90 * DAY


# --------------------------------------------------------------------------- expiry


def test_an_entry_stays_listed_on_its_last_day_and_drops_out_the_day_after(today):
    factories.OpeningFactory(company=company("Dernier Jour"), valid_until=today)
    factories.OpeningFactory(company=company("Hier"), valid_until=today - DAY)
    assert listed() == ["Dernier Jour"]
    assert listed(on=today + DAY) == []


def test_withdrawn_and_suspended_are_not_listed():
    factories.OpeningFactory(company=company("Retirée"), is_open=False)
    factories.OpeningFactory(company=company("Suspendue", suspended_at=utcnow()))
    factories.OpeningFactory(company=company("Ouverte"))
    assert listed() == ["Ouverte"]


# --------------------------------------------------------------------------- hide, unhide


def test_a_moderator_hides_and_shows_again_with_the_audit_log(moderator):
    opening = factories.OpeningFactory(company=company("Cachée"))
    directory.hide(moderator, opening, "Informations trompeuses")
    assert listed() == []
    assert opening.hidden_by == moderator and opening.hidden_reason == "Informations trompeuses"
    assert directory.hidden_entries(moderator) == [opening]
    directory.unhide(moderator, opening)
    assert listed() == ["Cachée"]
    actions = db.session.execute(sa.select(AuditLog.action, AuditLog.target_type, AuditLog.target_id, AuditLog.reason)
                                 .order_by(AuditLog.id)).all()
    assert [tuple(row) for row in actions] == [
        ("directory.hide", "company", opening.company_id, "Informations trompeuses"),
        ("directory.unhide", "company", opening.company_id, None),
    ]


def test_a_hidden_entry_stays_hidden_when_the_company_updates_it(moderator, today):
    member = factories.MemberFactory()
    opening = factories.OpeningFactory(company=member.company)
    directory.hide(moderator, opening, "Doublon")
    directory.declare(member, member.company, "lun 8h", [], "", today + DAY)
    assert listed() == []


def test_hiding_needs_a_reason_and_a_territory(moderator):
    opening = factories.OpeningFactory(company=company("Lyon"))
    with pytest.raises(DirectoryError):
        directory.hide(moderator, opening, "  ")
    elsewhere = factories.ModeratorFactory(departements=["75"])
    with pytest.raises(Forbidden):
        directory.hide(elsewhere, opening, "raison")
    with pytest.raises(Forbidden):
        directory.get_for_moderation(elsewhere, opening.id)
    assert directory.hidden_entries(elsewhere) == []
    assert opening.hidden_at is None and listed() == ["Lyon"]


def test_hiding_twice_or_showing_a_visible_entry_is_refused(moderator):
    opening = factories.OpeningFactory()
    with pytest.raises(DirectoryError):
        directory.unhide(moderator, opening)
    directory.hide(moderator, opening, "raison")
    with pytest.raises(DirectoryError):
        directory.hide(moderator, opening, "raison")


# --------------------------------------------------------------------------- filters and search


@pytest.fixture
def three(db):
    """A bakery in Lyon 5e, a restaurant in Saint-Étienne, a transport firm in Lyon 7e."""
    factories.OpeningFactory(company=company("Boulangerie du Vieux Quartier", naf_code="10.71C", postcode="69005",
                                             city="Lyon 5e Arrondissement", insee_code="69385"),
                             click_and_collect=True, delivery=False)
    factories.OpeningFactory(company=company("Crêperie Éole", naf_code="56.10A", postcode="42000",
                                             city="Saint-Étienne", insee_code="42218", departement="42"),
                             click_and_collect=False, delivery=True)
    factories.OpeningFactory(company=company("Frigotrans Rhône SAS", naf_code="49.41A"),
                             click_and_collect=False, phone_orders=True)


@pytest.mark.parametrize(("filters", "expected"), [
    (DirectoryFilters(section="C"), ["Boulangerie du Vieux Quartier"]),
    (DirectoryFilters(section="I"), ["Crêperie Éole"]),
    (DirectoryFilters(section="H"), ["Frigotrans Rhône SAS"]),
    (DirectoryFilters(service="delivery"), ["Crêperie Éole"]),
    (DirectoryFilters(service="phone_orders"), ["Frigotrans Rhône SAS"]),
    (DirectoryFilters(commune="42218"), ["Crêperie Éole"]),
    (DirectoryFilters(commune="69005"), ["Boulangerie du Vieux Quartier"]),
    (DirectoryFilters(commune="saint etienne"), ["Crêperie Éole"]),
    (DirectoryFilters(commune="SAINT-ÉTIENNE"), ["Crêperie Éole"]),
    (DirectoryFilters(commune="Lyon"), ["Boulangerie du Vieux Quartier", "Frigotrans Rhône SAS"]),
    (DirectoryFilters(commune="Ly"), []),
    (DirectoryFilters(q="creperie"), ["Crêperie Éole"]),
    (DirectoryFilters(q="EOLE"), ["Crêperie Éole"]),
    (DirectoryFilters(q="rhone"), ["Frigotrans Rhône SAS"]),
    (DirectoryFilters(q="boulangerie"), ["Boulangerie du Vieux Quartier"]),
    (DirectoryFilters(q="pâtisserie"), ["Boulangerie du Vieux Quartier"]),  # its sector's label
    (DirectoryFilters(q="restauration"), ["Crêperie Éole"]),  # "Restauration traditionnelle"
    (DirectoryFilters(q="TRANSPORTS routiers"), ["Frigotrans Rhône SAS"]),
    (DirectoryFilters(q="100%_"), []),  # LIKE wildcards are plain characters
    (DirectoryFilters(section="C", service="delivery"), []),
])
def test_filters(three, filters, expected):
    assert listed(filters) == expected


def test_parse_filters_ignores_what_it_does_not_understand():
    parsed = directory.parse_filters({"section": "zz", "service": "teleport", "q": "x" * 101,
                                      "commune": " Saint   Étienne "})
    assert parsed.filters == DirectoryFilters(commune="Saint Étienne")
    assert len(parsed.notices) == 3
    assert directory.parse_filters({"section": "c", "service": "delivery"}).filters == DirectoryFilters(
        section="C", service="delivery")


def test_the_listing_is_paginated(db):
    for number in range(5):
        factories.OpeningFactory(company=company(f"Entreprise {number}"))
    page = directory.directory_page(DirectoryFilters(), 2, per_page=2)
    assert (page.total, page.number, [o.company.legal_name for o in page.items]) == (
        5, 2, ["Entreprise 2", "Entreprise 3"])


def test_fold_matches_sql_fold(db):
    factories.OpeningFactory(company=company("ÉCOLE D'ŒNOLOGIE Ça-Va"))
    value = db.session.scalar(sa.select(directory.sql_fold(sa.literal("ÉCOLE D'ŒNOLOGIE Ça-Va"))))
    assert value == directory.fold("ÉCOLE D'ŒNOLOGIE Ça-Va") == "ecole d oenologie ca va"
