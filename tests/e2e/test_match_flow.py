"""A match in a real browser: the moderator approves a suggestion from the match queue, both companies accept
the introduction from their match pages, and each then sees the other's contact details (never before)."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import Match, MatchStatus
from tests import factories

from .test_post_flow import assert_clean_console, log_in, log_out

pytestmark = [pytest.mark.e2e, pytest.mark.no_db]

OFFER_PHONE, NEED_PHONE = "04 78 12 34 56", "04 72 65 43 21"


@pytest.fixture
def suggestion(live_server):
    with live_server.app.app_context():
        offerer = factories.MemberFactory(email="offre@entrepot-e2e.example",
                                          company__legal_name="Entrepôts du Rhône E2E SAS",
                                          company__phone=OFFER_PHONE)
        seeker = factories.MemberFactory(email="besoin@atelier-e2e.example",
                                         company__legal_name="Atelier Besoin E2E SARL", company__phone=NEED_PHONE)
        moderator = factories.ModeratorFactory(email="rapprochements@cci-e2e.example", departements=["69"])
        match = factories.MatchFactory(
            offer__company=offerer.company, offer__title="Entrepôt sec de 300 m² à louer E2E",
            need__company=seeker.company, need__title="Cherche entrepôt pour 40 palettes E2E", score=0.82,
            reasons=[{"code": "same_category"}, {"code": "distance", "km": 12}])
        db.session.commit()
        found = {"moderator": moderator.email, "offerer": offerer.email, "seeker": seeker.email,
                 "match": match.id}
        db.session.remove()
    return found


def accept(browser, email: str, match_id: int, other_phone: str) -> None:
    log_in(browser, email)
    browser.visit("/matches/")
    browser.next_page(browser.find(f"a[href='/matches/{match_id}']").click)
    assert other_phone not in browser.find("main").text, "contact details shown before both accepted"
    browser.next_page(browser.find("#answer-box button[value='accept']").click)
    assert browser.flashes("success"), browser.flashes("danger")


def test_moderator_approves_and_both_companies_accept(browser, live_server, suggestion):
    match_id = suggestion["match"]
    log_in(browser, suggestion["moderator"])
    browser.visit("/moderation/matches")
    card = browser.find(f"#match-{match_id}")
    assert "Entrepôt sec de 300 m² à louer E2E" in card.text and "Cherche entrepôt pour 40 palettes E2E" in card.text
    assert "score" in card.text and "%" in card.text, "the score is shown"
    browser.screenshot("match-queue")
    browser.next_page(card.find_element("css selector", "form[action$='/approve'] button").click)
    assert browser.flashes("success"), browser.flashes("danger")
    assert_clean_console(browser)
    log_out(browser)

    accept(browser, suggestion["seeker"], match_id, OFFER_PHONE)
    assert OFFER_PHONE not in browser.find("main").text
    log_out(browser)

    accept(browser, suggestion["offerer"], match_id, NEED_PHONE)
    assert NEED_PHONE in browser.find("#contacts").text
    browser.screenshot("match-introduced")
    assert_clean_console(browser)
    log_out(browser)

    log_in(browser, suggestion["seeker"])
    browser.visit(f"/matches/{match_id}")
    assert OFFER_PHONE in browser.find("#contacts").text
    with live_server.app.app_context():
        status = db.session.get(Match, match_id).status
        db.session.remove()
    assert status is MatchStatus.INTRODUCED
