"""A company registers, confirms its email, logs in and edits its profiles, in a real browser."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from marketplace import PROJECT_ROOT
from marketplace.extensions import db
from marketplace.models import User
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.no_db]

PASSWORD = "un chat gris dort sur le radiateur"


def french_catalogue_compiled() -> bool:
    return (PROJECT_ROOT / "marketplace" / "translations" / "fr" / "LC_MESSAGES" / "messages.mo").exists()


def assert_clean_console(browser) -> None:
    assert browser.csp_violations() == [], "Content Security Policy violations in the browser console"


def test_register_confirm_login_edit_profile(browser, live_server):
    email = "claire.martin@atelier-e2e.example"

    # Home page, in French by default.
    browser.visit("/")
    assert browser.lang == "fr"
    assert browser.find("#hero-title").is_displayed()
    french_title = browser.find("#hero-title").text
    assert browser.find("link[href*='/bootstrap/static/']"), "Bootstrap is not served locally"

    # Registration.
    browser.visit("/inscription")
    assert browser.find("form input[name='csrf_token']").get_attribute("value"), "no CSRF token in the form"
    browser.fill("full_name", "Claire Martin")
    browser.fill("email", email)
    browser.fill("password", PASSWORD)
    browser.fill("password_confirm", PASSWORD)
    browser.fill("legal_name", "Atelier E2E SARL")
    browser.fill("siret", factories.make_siret(4242))
    Select(browser.find("#naf_code")).select_by_value("52.10B")
    browser.fill("address", "12 rue de Marseille")
    browser.fill("postcode", "69007")
    browser.find("#address").click()  # leaving the postcode asks the server for its communes (app.js)
    browser.wait_until(lambda d: browser.find_all("#communes-list option"), "no commune suggested for 69007")
    browser.fill("city", "Lyon")
    browser.fill("phone", "04 72 00 00 00")
    browser.find("#accept_terms").click()
    browser.next_page(browser.find("main form button[type='submit']").click)

    assert browser.path == "/inscription"
    assert not browser.find_all("#form-errors"), browser.find("#form-errors").text
    assert email in browser.find("main").text  # "check your mailbox" page
    assert browser.find("main a[href='/confirmer']")

    # Confirmation link from the mail; logging in before it is refused.
    mail = live_server.wait_for_mail(email)
    link = live_server.link_in(mail, "/confirmer/")
    browser.next_page(lambda: browser.driver.get(link))
    assert browser.path.startswith("/connexion")
    assert browser.flashes("success"), "no confirmation message"

    # Login.
    browser.fill("email", email)
    browser.fill("password", PASSWORD)
    browser.next_page(browser.find("main form button[type='submit']").click)
    assert browser.path == "/"
    assert browser.flashes("success") and "Claire Martin" in browser.flashes("success")[0]
    assert browser.find("header form[action='/deconnexion'] button")

    # Profile: change the name.
    browser.visit("/compte/")
    assert browser.find("#person-full_name").get_attribute("value") == "Claire Martin"
    browser.fill("person-full_name", "Claire Martin-Dupont")
    browser.next_page(browser.find("main form button[type='submit']").click)
    assert browser.path == "/compte/"
    assert len(browser.flashes("success")) == 1
    assert browser.find("#person-full_name").get_attribute("value") == "Claire Martin-Dupont"

    # Company: change the phone.
    browser.visit("/compte/entreprise")
    assert browser.find("#siret-readonly").get_attribute("readonly") is not None
    assert browser.find("#city").get_attribute("value") == "Lyon 7e Arrondissement"
    browser.fill("phone", "0478123456")
    browser.next_page(browser.find("main form button[type='submit']").click)
    assert not browser.find_all("#form-errors"), browser.find("#form-errors").text
    assert browser.path == "/compte/entreprise"
    assert len(browser.flashes("success")) == 1
    browser.screenshot("company-saved")
    browser.visit("/compte/entreprise")
    assert browser.find("#phone").get_attribute("value") == "04 78 12 34 56"

    with live_server.app.app_context():
        user = User.by_email(email)
        assert user.is_confirmed
        assert user.full_name == "Claire Martin-Dupont"
        assert user.company.phone == "04 78 12 34 56"
        assert user.company.siret == factories.make_siret(4242)
        assert user.company.naf_code == "52.10B"
        db.session.remove()

    # English through the header switcher; the choice sticks to the session.
    browser.next_page(browser.find("header form[action^='/langue/en'] button").click)
    assert browser.path == "/compte/entreprise"
    assert browser.lang == "en"
    assert browser.find("header form[action^='/langue/en'] button").get_attribute("aria-current") == "true"
    browser.visit("/")
    assert browser.lang == "en"
    if french_catalogue_compiled():  # the source strings are English; French needs the compiled catalogue
        assert browser.find("#hero-title").text != french_title, "the same title in French and in English"
    browser.next_page(browser.find("header form[action^='/langue/fr'] button").click)
    assert browser.lang == "fr"

    browser.screenshot("final")
    assert_clean_console(browser)


def test_login_with_the_keyboard_only(browser, live_server):
    with live_server.app.app_context():
        factories.MemberFactory(email="clavier@atelier-e2e.example", full_name="Karim Clavier")
        db.session.commit()
        db.session.remove()

    browser.visit("/connexion")

    def press(*keys) -> None:
        ActionChains(browser.driver).send_keys(*keys).perform()

    def focused():
        return browser.driver.switch_to.active_element

    press(Keys.TAB)
    assert focused().get_attribute("href") == f"{live_server.url}/connexion#content", focused().get_attribute("outerHTML")
    assert "skip-link" in focused().get_attribute("class")
    assert focused().is_displayed(), "the skip link does not show when focused"

    press(Keys.ENTER)  # skip to the content: the next TAB reaches the form
    assert focused().get_attribute("id") == "content"
    press(Keys.TAB)
    assert focused().get_attribute("id") == "email"
    press("clavier@atelier-e2e.example", Keys.TAB)
    assert focused().get_attribute("id") == "password"
    press(factories.TEST_PASSWORD)
    browser.next_page(lambda: press(Keys.ENTER))

    assert browser.path == "/"
    assert browser.flashes("success") and "Karim Clavier" in browser.flashes("success")[0]
    assert_clean_console(browser)
