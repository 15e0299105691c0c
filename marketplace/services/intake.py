"""Advisor intake: a CCI moderator taking a phone call finds (or registers) the company of his territory, then
publishes its post at once, with the record of the company's consent."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import permissions
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..models import Company, Post, User
from . import accounts, audit, companies, geo, moderation, posts

SEARCH_LIMIT = 20
QUERY_MAX = 100
CONSENT_NOTE_MAX = 1000
_SIRET_SEPARATORS = re.compile(r"[\s.\-]")


class OutsideTerritory(DomainError):
    """The company belongs to a département the moderator is not in charge of."""


def search_companies(moderator: User, query: str | None, limit: int = SEARCH_LIMIT) -> tuple[list[Company], bool]:
    """Companies of the moderator's territory whose SIRET/SIREN starts with the digits typed, or whose name
    contains the text typed; at most ``limit``, and whether there were more."""
    text = " ".join((query or "").split())[:QUERY_MAX]
    if not text or not permissions.is_moderator(moderator):
        return [], False
    digits = _SIRET_SEPARATORS.sub("", text)
    matches = Company.siret.startswith(digits) if digits.isdigit() \
        else Company.legal_name.ilike(f"%{_escape_like(text)}%", escape="\\")
    found = db.session.scalars(sa.select(Company).where(moderation.territory_condition(moderator), matches)
                               .order_by(Company.legal_name, Company.id).limit(limit + 1)).all()
    return list(found[:limit]), len(found) > limit


def siret_typed(query: str | None) -> str | None:
    """The 14 digits of a query that is a SIRET, to carry it to the registration form."""
    digits = _SIRET_SEPARATORS.sub("", query or "")
    return digits if len(digits) == 14 and digits.isascii() and digits.isdigit() else None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def company_for_intake(moderator: User, company_id: int) -> Company:
    """The company a moderator enters a post for: NotFound, or Forbidden outside his territory."""
    company = db.session.get(Company, company_id)
    if company is None:
        raise NotFound(_l("This company does not exist."))
    if not permissions.covers_departement(moderator, company.departement):
        raise Forbidden(_l("This company is outside your territory."))
    return company


def register_company(moderator: User, details: companies.CompanyDetails, contact_email: str | None = None) -> Company:
    """A company without any user account, registered by a moderator of its département (audited)."""
    if not permissions.is_moderator(moderator):
        raise Forbidden(_l("Only the CCI staff can register a company."))
    commune = geo.find_commune(details.postcode, details.city)
    if not permissions.covers_departement(moderator, commune.departement):
        raise OutsideTerritory(_l(
            "This company is in the département %(code)s (%(name)s), outside your territory: the CCI in charge of "
            "it enters its posts.", code=commune.departement, name=commune.departement_name))
    email = accounts.valid_email(contact_email) if (contact_email or "").strip() else None
    company = companies.create_company(details)
    company.contact_email = email
    audit.record(moderator, "company.intake", company, siret=company.siret, departement=company.departement)
    return company


class MissingConsent(posts.InvalidPost):
    """The company's agreement to the publication was not recorded."""


def publish_for_company(moderator: User, company: Company, data: posts.PostData, consent_given: bool,
                        consent_note: str | None) -> Post:
    """The post of a company that called, published at once: the consent must be recorded (who agreed, when)."""
    note = " ".join((consent_note or "").split())
    if not consent_given:
        raise MissingConsent(_l("Tick the box once the company has agreed to the publication."), "consent")
    if not note:
        raise MissingConsent(_l("Write who agreed to the publication, and when."), "consent_note")
    if len(note) > CONSENT_NOTE_MAX:
        raise MissingConsent(_l("%(max)d characters at most.", max=CONSENT_NOTE_MAX), "consent_note")
    return posts.create_post(moderator, company, data, entered_by_cci=True, consent_note=note)
