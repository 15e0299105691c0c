"""Advisor intake: a moderator on the phone finds or registers a company and publishes its post at once."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditLog, Company, Post, PostKind, PostStatus
from marketplace.models.types import utcnow
from marketplace.services import posts as post_rules
from tests import factories

from .accounts_support import flashes, siret_for

INTAKE = "/moderation/intake"
NEW_COMPANY = "/moderation/intake/company"


def post_page(company) -> str:
    return f"/moderation/intake/{company.id}/post"


def persist() -> None:
    """Commit the setup: a view that rolls back on refused input must not undo it (the fixture still does)."""
    db.session.commit()


def snapshot() -> dict[str, list[tuple]]:
    db.session.expire_all()
    return {name: [tuple(row) for row in db.session.execute(sa.text(f"SELECT * FROM {name} ORDER BY id"))]
            for name in ("company", "post", "audit_log", "user_account")}


def text(response) -> str:
    return response.get_data(as_text=True)


def post_form(**overrides) -> dict:
    data = {
        "kind": "need", "category": "storage", "title": "Cherche chambre froide pour dix jours",
        "description": "Notre chambre froide est en panne : nous cherchons 10 m³ réfrigérés à moins de 30 km.",
        "quantity": "10,5", "unit": "m³", "location": "company", "postcode": "", "city": "", "radius_km": "30",
        "available_from": "", "available_until": "", "price": "free",
        "consent": "y", "consent_note": "  Mme Martin, gérante, au téléphone le 12 mars à 10 h 30 ",
    }
    data.update(overrides)
    return data


def company_form(**overrides) -> dict:
    data = {
        "legal_name": "Fromagerie de la Croix-Rousse", "siret": siret_for(7001), "naf_code": "47.29Z",
        "address": "12 boulevard de la Croix-Rousse", "postcode": "69004", "city": "Lyon 4e Arrondissement",
        "phone": "04 78 28 00 00", "contact_email": "Contact@Fromagerie.example.fr",
    }
    data.update(overrides)
    return data


@pytest.fixture
def lyon_company(db):
    return factories.CompanyFactory(legal_name="Boulangerie des Pentes SARL")


@pytest.fixture
def grenoble_company(db):
    return factories.CompanyFactory(legal_name="Boulangerie Dauphinoise", postcode="38000", city="Grenoble",
                                    insee_code="38185", departement="38", region="84")


def posts_of(company) -> list[Post]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Post).where(Post.company_id == company.id)).all()


def audit(action: str) -> list[AuditLog]:
    return db.session.scalars(sa.select(AuditLog).where(AuditLog.action == action)).all()


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize("method, path", [("get", INTAKE), ("get", NEW_COMPANY), ("post", NEW_COMPANY),
                                          ("get", "post_page"), ("post", "post_page")])
def test_a_visitor_is_sent_to_the_login_page(client, lyon_company, method, path):
    path = post_page(lyon_company) if path == "post_page" else path

    response = getattr(client, method)(path)

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/connexion"


@pytest.mark.parametrize("method, path", [("get", INTAKE), ("get", NEW_COMPANY), ("post", NEW_COMPANY),
                                          ("get", "post_page"), ("post", "post_page")])
def test_a_company_member_is_forbidden(client, login, lyon_company, method, path):
    member = factories.MemberFactory(company=lyon_company)
    login(member)
    path = post_page(lyon_company) if path == "post_page" else path
    before = snapshot()

    response = getattr(client, method)(path, data=post_form() if path != NEW_COMPANY else company_form())

    assert response.status_code == 403
    assert snapshot() == before


def test_a_moderator_of_another_territory_cannot_enter_a_post(client, login, moderator, grenoble_company):
    login(moderator)  # in charge of 69
    before = snapshot()

    assert client.get(post_page(grenoble_company)).status_code == 403
    assert client.post(post_page(grenoble_company), data=post_form()).status_code == 403
    assert snapshot() == before


def test_an_unknown_company_is_not_found(client, login, moderator):
    login(moderator)

    assert client.get("/moderation/intake/999999/post").status_code == 404
    assert client.get("/moderation/intake/99999999999999/post").status_code == 404


def test_an_administrator_without_territory_acts_everywhere(client, login, admin, grenoble_company):
    login(admin)

    response = client.post(post_page(grenoble_company), data=post_form())

    assert response.status_code == 302
    assert len(posts_of(grenoble_company)) == 1


# --------------------------------------------------------------------------- finding the company


def test_the_search_finds_a_company_by_siret_siren_or_name(client, login, moderator, lyon_company):
    login(moderator)
    spaced_siret = " ".join(re.findall(r".{1,3}", lyon_company.siret))

    for query in (lyon_company.siret, lyon_company.siret[:9], spaced_siret, "pentes", "Boulangerie des"):
        html = text(client.get(INTAKE, query_string={"q": query}))
        assert "Boulangerie des Pentes SARL" in html, query
        assert f'href="{post_page(lyon_company)}"' in html, query


def test_the_search_does_not_offer_companies_of_another_territory(client, login, moderator, lyon_company,
                                                                   grenoble_company, english):
    login(moderator)

    html = text(client.get(INTAKE, query_string={"q": "Boulangerie"}))
    assert "Boulangerie des Pentes SARL" in html
    assert "Boulangerie Dauphinoise" not in html and post_page(grenoble_company) not in html

    html = text(client.get(INTAKE, query_string={"q": grenoble_company.siret}))
    assert "No company of your territory matches this search." in html


def test_the_search_results_are_limited(client, login, moderator, english):
    for number in range(25):
        factories.CompanyFactory(legal_name=f"Garage Solidaire {number:02d}")
    login(moderator)

    html = text(client.get(INTAKE, query_string={"q": "garage solidaire"}))

    assert len(re.findall(r'href="/moderation/intake/\d+/post"', html)) == 20
    assert "Only the first 20 companies are shown: refine the search." in html


@pytest.mark.parametrize("query", ["%", "_", "\\", "' OR 1=1 --", "x" * 500, "<script>alert(1)</script>", "a\x00b"])
def test_odd_searches_find_nothing_and_break_nothing(client, login, moderator, lyon_company, query):
    login(moderator)

    response = client.get(INTAKE, query_string={"q": query})

    assert response.status_code == 200
    assert "Boulangerie des Pentes SARL" not in text(response)
    assert "<script>alert(1)</script>" not in text(response)


def test_the_intake_page_offers_to_register_the_company(client, login, moderator, english):
    login(moderator)

    html = text(client.get(INTAKE))

    assert f'href="{NEW_COMPANY}"' in html
    assert 'name="q"' in html


def test_a_siret_not_found_is_carried_to_the_registration_form(client, login, moderator, english):
    login(moderator)
    siret = siret_for(7002)

    html = text(client.get(INTAKE, query_string={"q": siret}))

    assert f'href="{NEW_COMPANY}?siret={siret}"' in html
    form = text(client.get(NEW_COMPANY, query_string={"siret": siret}))
    assert re.search(r'<input[^>]*id="siret"[^>]*value="%s"' % siret, form)


# --------------------------------------------------------------------------- a post for an existing company


def test_a_moderator_publishes_the_post_of_a_company_that_called(client, login, moderator, lyon_company, english):
    login(moderator)
    before = utcnow()

    response = client.post(post_page(lyon_company), data=post_form(), follow_redirects=True)

    assert response.status_code == 200
    assert "The post “Cherche chambre froide pour dix jours” of Boulangerie des Pentes SARL is published." \
        in text(response)
    [post] = posts_of(lyon_company)
    assert post.status is PostStatus.PUBLISHED and post_rules.is_visible(post)
    assert post.entered_by_cci is True
    assert post.consent_note == "Mme Martin, gérante, au téléphone le 12 mars à 10 h 30"
    assert post.author_id == moderator.id and post.moderated_by_id == moderator.id
    assert post.published_at >= before and post.moderated_at >= before
    assert post.kind is PostKind.NEED and post.quantity == 10.5 and post.unit == "m³" and post.radius_km == 30
    assert post.is_free is True
    assert (post.postcode, post.city) == (lyon_company.postcode, lyon_company.city)
    [entry] = audit("post.intake")
    assert entry.actor_id == moderator.id and entry.target_id == post.id
    assert entry.details["consent"] == post.consent_note


def test_the_post_can_be_located_elsewhere(client, login, moderator, lyon_company):
    login(moderator)

    client.post(post_page(lyon_company), data=post_form(location="other", postcode="69380", city="Chasselay"))

    [post] = posts_of(lyon_company)
    assert (post.postcode, post.city) == ("69380", "Chasselay")


def test_the_post_form_renders_with_the_consent_fields(client, login, moderator, lyon_company, english):
    login(moderator)

    html = text(client.get(post_page(lyon_company)))

    assert "Enter a post for Boulangerie des Pentes SARL" in html
    assert 'name="consent"' in html and 'name="consent_note"' in html
    assert 'name="photos"' not in html and 'name="save_draft"' not in html
    assert lyon_company.siret in html


# --------------------------------------------------------------------------- the consent is required


@pytest.mark.parametrize("overrides, message", [
    ({"consent": None}, "Tick the box once the company has agreed to the publication."),
    ({"consent_note": "   "}, "Write who agreed to the publication, and when."),
    ({"consent": None, "consent_note": ""}, "Write who agreed to the publication, and when."),
])
def test_without_the_consent_nothing_is_published(client, login, moderator, lyon_company, english, overrides,
                                                  message):
    persist()
    login(moderator)
    before = snapshot()
    data = {key: value for key, value in post_form(**overrides).items() if value is not None}

    response = client.post(post_page(lyon_company), data=data)

    assert response.status_code == 200
    assert message in text(response)
    assert snapshot() == before


# --------------------------------------------------------------------------- bad input changes nothing


@pytest.mark.parametrize("overrides, field_id, message", [
    ({"title": "  "}, "title", "Give the post a title."),
    ({"category": "furniture"}, "category", "Choose a category."),
    ({"kind": "gift"}, "kind", "Choose whether this is an offer or a need."),
    ({"quantity": "-3"}, "quantity", "Enter the quantity as a positive number"),
    ({"radius_km": "5000"}, "radius_km", "The radius must be a whole number of km between 1 and 1000."),
    ({"available_from": "2030-02-10", "available_until": "2030-02-01"}, "available_until",
     "The end date must come after the start date."),
    ({"location": "other", "postcode": "99999", "city": "Nulle-Part"}, "postcode", "Unknown postcode: 99999."),
    ({"location": "other", "postcode": "69380", "city": "Grenoble"}, "city", "Grenoble is not served by postcode"),
    ({"consent_note": "x" * 1001}, "consent_note", "1000"),
])
def test_a_bad_post_field_changes_nothing(client, login, moderator, lyon_company, english, overrides, field_id,
                                          message):
    persist()
    login(moderator)
    before = snapshot()

    response = client.post(post_page(lyon_company), data=post_form(**overrides))

    assert response.status_code == 200
    assert message in text(response)
    assert snapshot() == before


def test_a_suspended_company_cannot_publish(client, login, moderator, english):
    company = factories.CompanyFactory(suspended_at=utcnow() - timedelta(days=1), suspension_reason="spam")
    persist()
    login(moderator)
    before = snapshot()

    response = client.post(post_page(company), data=post_form())

    assert response.status_code == 200
    assert "This company is suspended" in text(response)
    assert "alert-danger" in flashes(response)
    assert snapshot() == before


# --------------------------------------------------------------------------- registering the company first


def test_a_moderator_registers_a_company_then_enters_its_post(client, login, moderator, english):
    login(moderator)

    response = client.post(NEW_COMPANY, data=company_form())

    company = db.session.scalar(sa.select(Company).where(Company.siret == siret_for(7001)))
    assert company is not None
    assert response.status_code == 302 and response.headers["Location"].endswith(post_page(company))
    assert company.legal_name == "Fromagerie de la Croix-Rousse" and company.departement == "69"
    assert company.contact_email == "contact@fromagerie.example.fr"
    assert company.members == [] and company.verified is False
    [entry] = audit("company.intake")
    assert entry.actor_id == moderator.id and entry.target_type == "company" and entry.target_id == company.id

    page = client.get(response.headers["Location"])
    assert "The company Fromagerie de la Croix-Rousse is registered. Now enter its post." in text(page)

    client.post(post_page(company), data=post_form(kind="offer", radius_km=""))
    [post] = posts_of(company)
    assert post.entered_by_cci and post.status is PostStatus.PUBLISHED and post.kind is PostKind.OFFER


def test_the_contact_email_is_optional(client, login, moderator):
    login(moderator)

    client.post(NEW_COMPANY, data=company_form(contact_email=""))

    company = db.session.scalar(sa.select(Company).where(Company.siret == siret_for(7001)))
    assert company is not None and company.contact_email is None


def test_a_company_outside_the_territory_is_refused_with_a_clear_message(client, login, moderator, english):
    persist()
    login(moderator)  # in charge of 69
    before = snapshot()

    response = client.post(NEW_COMPANY, data=company_form(postcode="38000", city="Grenoble"))

    assert response.status_code == 200
    assert "This company is in the département 38 (Isère), outside your territory" in text(response)
    assert snapshot() == before


@pytest.mark.parametrize("overrides, message", [
    ({"siret": "12345678901234"}, "This SIRET is not valid"),
    ({"siret": "1234"}, "A SIRET has 14 digits; you typed 4."),
    ({"postcode": "99999", "city": "Nulle-Part"}, "Unknown postcode: 99999."),
    ({"legal_name": "   "}, "Enter the legal name of the company."),
    ({"naf_code": "99.99Z"}, "Unknown NAF code: 99.99Z."),
    ({"phone": "12"}, "Enter a phone number such as"),
    ({"contact_email": "not an email"}, "Enter a valid email address"),
])
def test_a_bad_company_field_changes_nothing(client, login, moderator, english, overrides, message):
    persist()
    login(moderator)
    before = snapshot()

    response = client.post(NEW_COMPANY, data=company_form(**overrides))

    assert response.status_code == 200
    assert message in text(response)
    assert snapshot() == before


def test_a_siret_already_registered_is_refused(client, login, moderator, lyon_company, english):
    persist()
    login(moderator)
    before = snapshot()

    response = client.post(NEW_COMPANY, data=company_form(siret=lyon_company.siret))

    assert response.status_code == 200
    assert "A company with this SIRET is already registered." in text(response)
    assert snapshot() == before


# --------------------------------------------------------------------------- pages


@pytest.mark.parametrize("path", [INTAKE + "?q=boulangerie", NEW_COMPANY, "post_page"])
def test_intake_pages_have_no_inline_script_or_style(client, login, moderator, lyon_company, path):
    login(moderator)
    path = post_page(lyon_company) if path == "post_page" else path

    html = text(client.get(path))

    assert " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
