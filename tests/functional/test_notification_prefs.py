"""The notification preferences page (/compte/notifications/preferences) and the moderators' record of
notifications (/moderation/notifications)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import MailDelivery, Notification, NotificationFrequency, User
from marketplace.models.types import utcnow

from .. import factories

SETTINGS = "/compte/notifications/preferences"
RECORD = "/moderation/notifications"


def frequency_of(user) -> NotificationFrequency:
    db.session.expire_all()
    return db.session.get(User, user.id).notification_frequency


def note(user, message, minutes_ago=0, match=None, mail=MailDelivery.NONE, kind=None) -> Notification:
    created = utcnow() - timedelta(minutes=minutes_ago)
    row = Notification(user_id=user.id, message=message, link="/posts/1", created_at=created, kind=kind,
                       match_id=match.id if match is not None else None, mail=mail,
                       mailed_at=created if mail is MailDelivery.SENT else None)
    db.session.add(row)
    db.session.flush()
    return row


def text_of(response) -> str:
    return unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def messages_listed(response) -> list[str]:
    """The messages of the record's table, in order."""
    html = response.get_data(as_text=True)
    return [unescape(m) for m in re.findall(r'<td class="text-break">([^<]*)</td>', html)]


# --------------------------------------------------------------------------- preferences


def test_a_visitor_is_sent_to_the_login_page(client):
    for method in ("get", "post"):
        response = getattr(client, method)(SETTINGS)
        assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/connexion"


def test_the_page_explains_the_three_choices_and_shows_the_current_one(english, login, member):
    login(member)

    response = english.get(SETTINGS)

    assert response.status_code == 200
    text = text_of(response)
    for label in ("At once", "One daily digest", "No mail"):
        assert label in text
    assert "at most 10 a day" in text and "always in your notification centre" in text
    assert re.search(r'<input[^>]*checked[^>]*value="instant"|<input[^>]*value="instant"[^>]*checked',
                     response.get_data(as_text=True))


def test_the_notification_centre_and_the_profile_link_to_the_preferences(client, login, member):
    login(member)
    assert f'href="{SETTINGS}"' in client.get("/compte/notifications").get_data(as_text=True)
    assert f'href="{SETTINGS}"' in client.get("/compte/").get_data(as_text=True)


@pytest.mark.parametrize("value", ["daily", "none", "instant"])
def test_each_choice_is_saved(client, login, value):
    user = factories.MemberFactory(notification_frequency=NotificationFrequency.DAILY
                                   if value == "instant" else NotificationFrequency.INSTANT)
    login(user)

    response = client.post(SETTINGS, data={"frequency": value})

    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == SETTINGS
    assert frequency_of(user) is NotificationFrequency(value)
    page = client.get(SETTINGS).get_data(as_text=True)
    assert "alert-success" in page


@pytest.mark.parametrize("data", [{"frequency": "weekly"}, {"frequency": ""}, {}, {"frequency": "DAILY"},
                                  {"frequency": "x" * 5000}])
def test_a_bad_value_changes_nothing_and_says_why(english, login, data):
    user = factories.MemberFactory(notification_frequency=NotificationFrequency.DAILY)
    login(user)

    response = english.post(SETTINGS, data=data)

    assert response.status_code == 400
    text = text_of(response)
    assert ("Choose one of the options offered" in text
            or "Choose how you want to receive the mails of your notifications." in text)
    assert frequency_of(user) is NotificationFrequency.DAILY
    assert "x" * 100 not in text


def test_the_preference_decides_the_mails(client, login, member, outbox):
    from marketplace.services import notifications

    login(member)
    client.post(SETTINGS, data={"frequency": "none"})
    db.session.expire_all()
    user = db.session.get(User, member.id)

    row = notifications.notify(user, "Bonjour", "/posts/1", "company_suspension_lifted", company=user.company)
    db.session.commit()

    assert outbox == [] and row.mail is MailDelivery.OFF


# --------------------------------------------------------------------------- the record


@pytest.fixture
def lyon():
    return factories.CompanyFactory(legal_name="Entrepôts du Rhône")


@pytest.fixture
def paris():
    return factories.CompanyFactory(legal_name="Ateliers de Paris", departement="75", postcode="75011",
                                    city="Paris", insee_code="75111")


def test_the_record_is_for_staff_only(client, login, member):
    response = client.get(RECORD)
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/connexion"
    login(member)
    assert client.get(RECORD).status_code == 403
    assert client.get(f"{RECORD}?match=1").status_code == 403


def test_a_moderator_sees_the_notifications_of_the_territory_only(english, login, moderator, lyon, paris):
    here = factories.MemberFactory(company=lyon, full_name="Alice Martin")
    there = factories.MemberFactory(company=paris, full_name="Bob Durand")
    note(here, "Votre annonce est publiée", minutes_ago=5, mail=MailDelivery.SENT, kind="post_published")
    note(here, "Mise en relation approuvée", minutes_ago=1, mail=MailDelivery.CAPPED, kind="match_approved")
    note(there, "Secret parisien")
    note(moderator, "Pour le modérateur")
    login(moderator)

    response = english.get(RECORD)

    assert response.status_code == 200
    assert messages_listed(response) == ["Mise en relation approuvée", "Votre annonce est publiée"]
    text = text_of(response)
    assert "Alice Martin" in text and "Entrepôts du Rhône" in text and "Bob Durand" not in text
    assert "Match approved" in text and "Post published" in text
    assert "over the daily cap, waiting for the digest" in text and "mailed" in text
    assert "unread" in text and "2 notifications" in text


def test_an_administrator_without_territory_sees_everyone(client, login, admin, lyon, paris, moderator):
    note(factories.MemberFactory(company=lyon), "Lyon")
    note(factories.MemberFactory(company=paris), "Paris")
    note(moderator, "Équipe CCI")
    login(admin)

    assert sorted(messages_listed(client.get(RECORD))) == ["Lyon", "Paris", "Équipe CCI"]


def test_the_record_filters_by_match(client, login, moderator, lyon):
    match = factories.MatchFactory()
    other = factories.MatchFactory()
    user = factories.MemberFactory(company=lyon)
    note(user, "Sur la mise en relation", match=match, kind="match_approved")
    note(user, "Sur une autre", match=other)
    note(user, "Sans rapport")
    login(moderator)

    response = client.get(f"{RECORD}?match={match.id}")

    assert response.status_code == 200 and messages_listed(response) == ["Sur la mise en relation"]
    assert f'href="/moderation/notifications?match={match.id}"' in response.get_data(as_text=True)


def test_the_record_filters_by_company(client, login, moderator, lyon, paris):
    other_lyon = factories.CompanyFactory()
    note(factories.MemberFactory(company=lyon), "Pour Lyon")
    note(factories.MemberFactory(company=other_lyon), "Pour l'autre")
    login(moderator)

    response = client.get(f"{RECORD}?company={lyon.id}")
    assert response.status_code == 200 and messages_listed(response) == ["Pour Lyon"]
    assert client.get(f"{RECORD}?company={paris.id}").status_code == 403  # outside the territory
    assert client.get(f"{RECORD}?company=999999").status_code == 404


@pytest.mark.parametrize("query", ["company=abc", "match=-1", "match=0", "match=99999999999999999999",
                                   "company=１２"])
def test_a_bad_filter_says_so(english, login, moderator, query):
    login(moderator)

    response = english.get(f"{RECORD}?{query}")

    assert response.status_code == 400
    assert "Enter the number of a" in text_of(response)


def test_the_record_is_paginated(client, login, moderator, lyon):
    user = factories.MemberFactory(company=lyon)
    for n in range(55):
        note(user, f"Message {n}", minutes_ago=n)
    login(moderator)

    first = client.get(RECORD)
    second = client.get(f"{RECORD}?page=2")

    assert len(messages_listed(first)) == 50 and messages_listed(first)[0] == "Message 0"
    assert 'href="/moderation/notifications?page=2"' in first.get_data(as_text=True)
    assert messages_listed(second) == [f"Message {n}" for n in range(50, 55)]


def test_the_record_makes_the_same_number_of_queries_whatever_the_number_of_rows(client, login, moderator,
                                                                                  count_queries):
    def fill(n):
        for _ in range(n):
            user = factories.MemberFactory()  # each in a company of their own
            note(user, "Bonjour", match=factories.MatchFactory(), mail=MailDelivery.SENT, kind="match_approved")

    login(moderator)
    fill(2)
    client.get(RECORD)  # warm-up: the first request of a test client loads what later ones keep
    with count_queries() as few:
        assert client.get(RECORD).status_code == 200
    fill(20)
    with count_queries() as many:
        response = client.get(RECORD)
    assert len(messages_listed(response)) == 22
    assert len(many) == len(few), many


def test_the_partial_renders_given_rows(app, moderator, lyon):
    from flask import render_template_string
    from flask_login import login_user

    from marketplace.services import notifications

    match = factories.MatchFactory()
    row = note(factories.MemberFactory(company=lyon, full_name="Chloé"), "Présentation faite", match=match,
               mail=MailDelivery.DIGESTED, kind="match_introduced")
    with app.test_request_context("/"):
        login_user(moderator)
        rows = notifications.match_record(moderator, match.id)
        html = render_template_string('{% from "moderation/_notifications_table.html" import notifications_table %}'
                                      "{{ notifications_table(rows, show_match=false) }}", rows=rows)
    assert [r.notification.id for r in rows] == [row.id]
    assert "Chloé" in html and "Présentation faite" in html and 'data-mail="digested"' in html
    assert "?match=" not in html


def test_a_moderator_sees_no_record_of_a_match_outside_the_territory(app, moderator, paris):
    from marketplace.services import notifications

    match = factories.MatchFactory()
    note(factories.MemberFactory(company=paris), "Loin", match=match)
    assert notifications.match_record(moderator, match.id) == []
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 1
