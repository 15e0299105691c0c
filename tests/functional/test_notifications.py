"""The notifications page of an account (/compte/notifications): newest first, seen means read, mark all read."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Notification
from marketplace.models.types import utcnow

from .. import factories


def note(user, message, minutes_ago=0, link=None, read=False) -> Notification:
    created = utcnow() - timedelta(minutes=minutes_ago)
    row = Notification(user_id=user.id, message=message, link=link, created_at=created,
                       read_at=created if read else None)
    db.session.add(row)
    db.session.flush()
    return row


def unread_of(user) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Notification.message).where(Notification.user_id == user.id,
                                                                         Notification.read_at.is_(None))))


def messages_shown(response) -> list[str]:
    html = response.get_data(as_text=True)
    found = re.findall(r'<li class="list-group-item[^"]*">\s*<p class="mb-1">\s*(?:<span[^>]*>[^<]*</span>)?\s*'
                       r'(?:<a href="[^"]*">)?([^<]*)', html)
    return [message.strip() for message in found]


def test_a_visitor_is_sent_to_the_login_page(client):
    for method in ("get", "post"):
        response = getattr(client, method)("/compte/notifications")
        assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/connexion"


def test_the_page_lists_the_users_notifications_newest_first_and_marks_them_read(client, login, member):
    note(member, "Ancienne", minutes_ago=30, read=True)
    note(member, "Récente", minutes_ago=1, link="/posts/12")
    note(member, "Entre les deux", minutes_ago=10)
    note(factories.MemberFactory(), "Pas pour vous")
    login(member)

    response = client.get("/compte/notifications")

    assert response.status_code == 200
    assert messages_shown(response) == ["Récente", "Entre les deux", "Ancienne"]
    html = response.get_data(as_text=True)
    assert html.count("badge text-bg-primary") == 2  # the two that were unread are marked as new
    assert '<a href="/posts/12">Récente</a>' in html and "Pas pour vous" not in html
    assert unread_of(member) == []
    assert "badge text-bg-primary" not in client.get("/compte/notifications").get_data(as_text=True)


def test_a_link_that_leaves_the_site_is_not_a_link(client, login, member):
    note(member, "Piège", link="https://evil.example/")
    note(member, "Piège 2", link="//evil.example/")
    login(member)

    html = client.get("/compte/notifications").get_data(as_text=True)

    assert "evil.example" not in html and "Piège" in html


def test_only_the_page_shown_is_marked_read_and_the_button_marks_the_rest(client, login, member):
    for n in range(35):
        note(member, f"Message {n}", minutes_ago=n)
    login(member)

    html = client.get("/compte/notifications").get_data(as_text=True)

    assert len(unread_of(member)) == 5
    assert 'action="/compte/notifications"' in html and 'href="/compte/notifications?page=2"' in html
    response = client.post("/compte/notifications")
    assert response.status_code == 302
    assert unread_of(member) == []


def test_no_notification_says_so(client, login, moderator):
    login(moderator)
    client.post("/langue/en", data={})

    response = client.get("/compte/notifications")

    assert response.status_code == 200 and "You have no notification yet." in response.get_data(as_text=True)


def test_a_bad_page_number_still_shows_a_page(client, login, member):
    note(member, "Bonjour")
    login(member)

    for page in ("abc", "-1", "99999999999999999999", "40"):
        response = client.get(f"/compte/notifications?page={page}")
        assert response.status_code == 200 and messages_shown(response) == ["Bonjour"]
