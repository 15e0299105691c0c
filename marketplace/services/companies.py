"""Companies: identity checks (SIRET, NAF, phone) and the location derived from the postcode."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.fr import siret as stdnum_siret

from ..errors import DomainError
from ..extensions import db
from ..models import Company
from . import company_sizes, geo, naf


class InvalidSiret(DomainError):
    pass


class InvalidPhone(DomainError):
    pass


class SiretTaken(DomainError):
    pass


@dataclass
class CompanyDetails:
    """What a person types about their company, before it is checked."""

    legal_name: str
    siret: str
    naf_code: str
    address: str
    postcode: str
    city: str
    phone: str
    size_band: str | None = None  # a code of ``models.CompanySizeBand``; empty or None: unknown


def normalize_siret(raw: str) -> str:
    """The 14 digits of a valid SIRET, or a clear error (length, characters, checksum)."""
    compact = stdnum_siret.compact(raw or "")
    if not compact:
        raise InvalidSiret(_l("Enter the SIRET of the company (14 digits)."))
    try:
        return stdnum_siret.validate(compact)
    except InvalidLength as exc:
        raise InvalidSiret(_l("A SIRET has 14 digits; you typed %(count)d.", count=len(compact))) from exc
    except InvalidChecksum as exc:
        raise InvalidSiret(_l("This SIRET is not valid (its check digit is wrong): check it on your Kbis.")) from exc
    except ValidationError as exc:
        raise InvalidSiret(_l("A SIRET contains digits only.")) from exc


_PHONE_SEPARATORS = re.compile(r"[\s.\-()/]")
_FRENCH_PHONE = re.compile(r"^0[1-9]\d{8}$")
_INTERNATIONAL_PHONE = re.compile(r"^\+[1-9]\d{7,14}$")


def normalize_phone(raw: str) -> str:
    """A French number as "01 23 45 67 89", an international one as "+<digits>"."""
    compact = _PHONE_SEPARATORS.sub("", (raw or "").replace("(0)", ""))  # "+33 (0)1 ..." is written, not dialled
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.startswith("+33") and len(compact) == 12:
        compact = "0" + compact[3:]
    if _FRENCH_PHONE.match(compact):
        return " ".join(compact[i:i + 2] for i in range(0, 10, 2))
    if _INTERNATIONAL_PHONE.match(compact):
        return compact
    raise InvalidPhone(_l("Enter a phone number such as 01 23 45 67 89 or +262 262 12 34 56."))


def create_company(details: CompanyDetails) -> Company:
    company = Company(verified=False)
    _apply(company, details)
    db.session.add(company)
    db.session.flush()
    return company


def update_company(company: Company, details: CompanyDetails) -> Company:
    _apply(company, details)
    db.session.flush()
    return company


def _apply(company: Company, details: CompanyDetails) -> None:
    """Check everything first so that a bad field leaves the company untouched."""
    siret = normalize_siret(details.siret)
    _ensure_siret_free(siret, company)
    naf_code = naf.get_naf(details.naf_code).code
    commune = geo.find_commune(details.postcode, details.city)
    phone = normalize_phone(details.phone)
    size_band = company_sizes.parse_size_band(details.size_band)
    company.legal_name = _required_text(details.legal_name, _l("legal name"), 200)
    company.address = _required_text(details.address, _l("address"), 250)
    company.siret, company.siren, company.naf_code, company.phone = siret, siret[:9], naf_code, phone
    company.size_band = size_band
    geo.locate(company, commune.location())


def _ensure_siret_free(siret: str, company: Company) -> None:
    other = db.session.scalar(db.select(Company).where(Company.siret == siret))
    if other is not None and other is not company:
        raise SiretTaken(_l("A company with this SIRET is already registered."))


def _required_text(value: str, label, max_length: int) -> str:
    cleaned = " ".join((value or "").split())
    if not cleaned:
        raise DomainError(_l("The %(field)s is required.", field=label))
    if len(cleaned) > max_length:
        raise DomainError(_l("The %(field)s is too long (%(max)d characters at most).", field=label, max=max_length))
    return cleaned
