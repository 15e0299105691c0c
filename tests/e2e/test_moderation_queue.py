"""The moderation queue in a real browser: "select all" (static/js/moderation.js) and a bulk rejection with a
standard reply, under the Content Security Policy."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import Select

from marketplace.extensions import db
from marketplace.models import Post, PostStatus
from tests import factories

from .test_post_flow import assert_clean_console, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.no_db]


@pytest.fixture
def queue(live_server):
    with live_server.app.app_context():
        company = factories.CompanyFactory(legal_name="Palettes du Rhône E2E SAS")
        factories.MemberFactory(company=company, email="owner@palettes-e2e.example")
        moderator = factories.ModeratorFactory(email="queue.rhone@cci-e2e.example", departements=["69"])
        posts = [factories.PendingPostFactory(company=company, title=f"Palettes Europe à donner, lot {n} E2E")
                 for n in range(3)]
        db.session.commit()
        found = {"moderator": moderator.email, "posts": [p.id for p in posts]}
        db.session.remove()
    return found


def test_select_all_then_reject_the_selection_with_a_standard_reply(browser, live_server, queue):
    log_in(browser, queue["moderator"])
    browser.visit("/moderation/")
    boxes = [browser.find(f"#select-{post_id}") for post_id in queue["posts"]]
    master = browser.find("#select-all")

    assert master.is_displayed(), "the script shows the select-all box"
    master.click()
    assert all(box.is_selected() for box in boxes)
    boxes[0].click()
    assert not master.is_selected()
    assert browser.driver.execute_script("return arguments[0].indeterminate;", master)
    master.click()
    assert all(box.is_selected() for box in boxes)
    browser.screenshot("moderation-queue")

    Select(browser.find("#bulk-reason_code")).select_by_value("duplicate")
    browser.next_page(browser.find("#bulk-form button[value='reject']").click)

    assert browser.flashes("success"), browser.flashes("danger")
    assert_clean_console(browser)
    with live_server.app.app_context():
        statuses = {db.session.get(Post, post_id).status for post_id in queue["posts"]}
        db.session.remove()
    assert statuses == {PostStatus.REJECTED}
