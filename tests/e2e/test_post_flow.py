"""A company posts a need, a moderator of its département approves it, a visitor finds it in the catalogue, in a
real browser (the fixtures of conftest.py: live server, headless Chromium, captured mails)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from marketplace.extensions import db
from marketplace.models import Post, PostKind, PostStatus
from marketplace.models.types import utcnow
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.no_db]

TITLE = "Recherche chambre froide de 30 m² pendant nos travaux"
DESCRIPTION = ("Notre laboratoire de traiteur est en travaux pendant dix jours. Nous cherchons une chambre froide "
               "positive (0/+4 °C) d'environ 30 m² près de la Croix-Rousse pour nos plats et nos matières "
               "premières, avec un accès matin et soir.")
COMPANY_PHONE = "04 78 99 88 77"
COMPANY_ADDRESS = "9 montée de la Grande-Côte"


def assert_clean_console(browser) -> None:
    assert browser.csp_violations() == [], "Content Security Policy violations in the browser console"


def log_in(browser, email: str) -> None:
    browser.visit("/connexion")
    browser.fill("email", email)
    browser.fill("password", factories.TEST_PASSWORD)
    browser.next_page(browser.find("main form button[type='submit']").click)
    assert browser.flashes("success"), f"{email} could not log in"


def log_out(browser) -> None:
    browser.next_page(browser.find("header form[action='/deconnexion'] button").click)
    assert not browser.find_all("header form[action='/deconnexion']")


def set_date(browser, field_id: str, day) -> None:
    """A date input takes what the browser's locale expects when typed: set its value as the browser sends it."""
    browser.driver.execute_script("arguments[0].value = arguments[1];", browser.find(f"#{field_id}"),
                                  day.isoformat())


@pytest.fixture
def people(live_server):
    with live_server.app.app_context():
        company = factories.CompanyFactory(legal_name="Traiteur des Pentes E2E SARL", phone=COMPANY_PHONE,
                                           address=COMPANY_ADDRESS, postcode="69001",
                                           city="Lyon 1er Arrondissement", insee_code="69381")
        member = factories.MemberFactory(company=company, email="ines@traiteur-e2e.example",
                                         full_name="Inès Traiteur")
        moderator = factories.ModeratorFactory(email="conseil.rhone@cci-e2e.example", full_name="Conseil Rhône",
                                               departements=["69"])
        # an offer of the same company, already published: the "needs" filter must leave it out
        offer = factories.PostFactory(company=company, kind=PostKind.OFFER,
                                      title="Camion frigorifique disponible le week-end E2E")
        db.session.commit()
        found = {"member": member.email, "moderator": moderator.email, "company_id": company.id,
                 "offer_id": offer.id}
        db.session.remove()
    return found


def test_a_need_is_posted_approved_and_found(browser, live_server, people):
    today = utcnow().date()

    # 1. A member of the company posts a need.
    log_in(browser, people["member"])
    browser.visit("/posts/new")
    browser.find("input[name='kind'][value='need']").click()
    Select(browser.find("#category")).select_by_value("storage")
    browser.fill("title", TITLE)
    browser.fill("description", DESCRIPTION)
    browser.fill("quantity", "30")
    browser.fill("unit", "m²")
    assert browser.find("#radius_km").is_displayed(), "the radius shows once the post is a need"
    browser.fill("radius_km", "25")
    set_date(browser, "available_from", today + timedelta(days=2))
    set_date(browser, "available_until", today + timedelta(days=12))
    browser.find("input[name='price'][value='paid']").click()
    browser.next_page(browser.find("button[name='submit_post']").click)

    assert not browser.find_all("#form-errors"), browser.find("#form-errors").text
    assert browser.path.startswith("/posts/"), browser.path
    post_id = int(browser.path.split("/")[2])
    assert browser.find("#post-title").text == TITLE
    assert browser.find("#post-status"), "the owner is told the post awaits moderation"

    with live_server.app.app_context():
        post = db.session.get(Post, post_id)
        assert (post.status, post.kind, post.company_id) == (PostStatus.PENDING, PostKind.NEED,
                                                             people["company_id"])
        assert (post.quantity, post.unit, post.radius_km, post.is_free) == (30, "m²", 25, False)
        assert post.available_until == today + timedelta(days=12)
        db.session.remove()

    # It waits in "my posts".
    browser.visit("/my-posts")
    row = browser.find(f"tr#post-{post_id}")
    assert TITLE in row.text
    assert row.find_element(By.CSS_SELECTOR, ".badge.text-bg-info"), "no 'pending' badge"
    assert browser.find("a[data-status='pending'] .badge").text == "1"
    log_out(browser)

    # 2. A moderator of the département approves it from the queue.
    log_in(browser, people["moderator"])
    browser.visit("/moderation/")
    approve = f"form[action='/moderation/posts/{post_id}/approve'] button[type='submit']"
    assert TITLE in browser.find("main").text
    browser.next_page(browser.find(approve).click)
    assert browser.path.startswith("/moderation/")
    assert browser.flashes("success") and TITLE in browser.flashes("success")[0]
    assert not browser.find_all(approve)
    mail = live_server.wait_for_mail(people["member"])  # the company is told
    assert TITLE in mail.body
    log_out(browser)

    # 3. A visitor, in a fresh session, filters the catalogue on needs and opens the post.
    browser.driver.delete_all_cookies()
    browser.visit("/posts")
    assert browser.find(f"#post-{people['offer_id']}-title"), "the offer is in the unfiltered catalogue"
    Select(browser.find("#filter-kind")).select_by_value("need")
    browser.next_page(browser.find("form[aria-labelledby='filters-title'] button[type='submit']").click)
    assert "kind=need" in browser.path
    assert not browser.find_all(f"#post-{people['offer_id']}-title"), "an offer among the needs"
    link = browser.find(f"#post-{post_id}-title a")
    assert link.text == TITLE
    browser.next_page(link.click)

    assert browser.path == f"/posts/{post_id}"
    assert browser.find("#post-title").text == TITLE
    assert not browser.find_all("#post-status"), "a published post shows no status warning"
    page = browser.find("main").text
    assert "Traiteur des Pentes E2E SARL" in page and DESCRIPTION[:40] in page
    for secret in (COMPANY_PHONE, COMPANY_ADDRESS, people["member"]):
        assert secret not in browser.driver.page_source, f"{secret} shown to a visitor"

    browser.screenshot("visitor-post")
    assert_clean_console(browser)
