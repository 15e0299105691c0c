"""Shared helpers for the account tests (test_auth, test_account, test_bad_input); no tests here.

The test modules import the helpers they use by name."""

from __future__ import annotations

import re

import sqlalchemy as sa
from stdnum import luhn

from marketplace.extensions import db
from marketplace.models import Company, User

from ..factories import TEST_PASSWORD

SCRIPT = "<script>alert(1)</script>"
ESCAPED_SCRIPT = b"&lt;script&gt;alert(1)&lt;/script&gt;"


def siret_for(number: int, prefix: str = "8") -> str:
    """A Luhn-valid SIRET outside the factories' range (they start with 9)."""
    siren = f"{prefix}{number:07d}"
    siren += luhn.calc_check_digit(siren)
    return establishment(siren, 1)


def establishment(siren: str, number: int) -> str:
    """Another valid SIRET of the same SIREN."""
    nic = f"{number:04d}"
    return siren + nic + luhn.calc_check_digit(siren + nic)


def registration(**overrides) -> dict:
    data = {
        "full_name": "Camille Martin",
        "email": "camille.martin@example.org",
        "password": TEST_PASSWORD,
        "password_confirm": TEST_PASSWORD,
        "accept_terms": "y",
        "legal_name": "Boulangerie du Parc SARL",
        "siret": siret_for(4242),
        "naf_code": "10.71C",
        "address": "3 rue Mercière",
        "postcode": "69002",
        "city": "Lyon 2e Arrondissement",
        "phone": "04 78 00 00 00",
    }
    data.update(overrides)
    return data


def company_form(company: Company, **overrides) -> dict:
    data = {
        "legal_name": company.legal_name,
        "siret": company.siret,
        "naf_code": company.naf_code,
        "address": company.address,
        "postcode": company.postcode,
        "city": company.city,
        "phone": company.phone,
    }
    data.update(overrides)
    return data


def link_in(message) -> str:
    """The path of the first link of a mail (the test client wants no scheme and host)."""
    match = re.search(r"https?://[^/\s]+(/\S*)", message.body)
    assert match, message.body
    return match.group(1)


def persist() -> None:
    """Commit what the factories flushed, as it would be in a real database: a view that rolls back
    (on any refused input) must not undo the test's setup. The ``db`` fixture still rolls it all back."""
    db.session.commit()


def snapshot() -> dict[str, list[tuple]]:
    """Every row of the account tables, read straight from the database."""
    db.session.expire_all()
    tables = ["company", "user_account", "user_territory", "audit_log"]
    return {name: [tuple(row) for row in db.session.execute(sa.text(f"SELECT * FROM {name} ORDER BY 1, 2"))]
            for name in tables}


def user_named(email: str) -> User | None:
    db.session.expire_all()
    return User.by_email(email)


def flashes(response) -> list[str]:
    """The alert categories shown on a page (``alert-danger``, ``alert-success``...)."""
    return re.findall(r'class="alert (alert-[a-z]+)', response.get_data(as_text=True))


def field_invalid(response, field_id: str) -> bool:
    """Whether the input ``field_id`` is marked invalid (class and aria-invalid)."""
    html = response.get_data(as_text=True)
    tag = re.search(r'<(?:input|select|textarea)[^>]*\bid="%s"[^>]*>' % re.escape(field_id), html)
    return bool(tag) and "is-invalid" in tag.group(0) and 'aria-invalid="true"' in tag.group(0)
