"""The mails of notifications: each person's preference, the daily cap, the daily digest, and the record."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.models import MailDelivery, Notification, NotificationFrequency
from marketplace.models.types import utcnow
from marketplace.services import notifications

from .. import factories

TEMPLATE = "company_suspension_lifted"  # any notification mail will do: this one needs only user and company


def tell(user, message="Votre annonce a trouvé preneur", link="/posts/1", **extra):
    return notifications.notify(user, message, link, TEMPLATE, mail_subject=_l("My account"),
                                company=user.company, **extra)


def commit():
    db.session.commit()


def person(frequency=NotificationFrequency.INSTANT, **extra):
    return factories.MemberFactory(notification_frequency=frequency, **extra)


def rows_of(user) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


# --------------------------------------------------------------------------- preferences


def test_instant_sends_the_mail_after_the_commit_and_records_it(outbox):
    user = person(locale="en")

    note = tell(user, kind="match_approved")
    assert outbox == []  # not before the commit
    commit()

    assert [m.recipients for m in outbox] == [[user.email]]
    assert outbox[0].subject == "My account"  # in the recipient's language
    assert note.mail is MailDelivery.SENT and note.mail_subject == "My account" and note.mailed_at is not None
    assert note.kind == "match_approved"


def test_the_subject_is_recorded_in_the_recipients_language(outbox):
    user = person()  # French, the default
    note = tell(user)
    commit()
    assert note.mail_subject == "Mon compte" and outbox[0].subject == "Mon compte"


def test_daily_keeps_the_mail_for_the_digest(outbox):
    user = person(NotificationFrequency.DAILY)
    note = tell(user)
    commit()
    assert outbox == [] and note.mail is MailDelivery.DIGEST and note.mailed_at is None
    assert note.mail_subject == "Mon compte"


def test_none_sends_no_mail_but_keeps_the_notification(outbox):
    user = person(NotificationFrequency.NONE)
    note = tell(user)
    commit()
    assert outbox == [] and note.mail is MailDelivery.OFF and rows_of(user)[0].message == note.message


def test_a_notification_without_mail_says_so(outbox):
    user = person()
    note = notifications.notify(user, "Juste dans l'application", "/posts/1")
    commit()
    assert outbox == [] and note.mail is MailDelivery.NONE and note.mail_subject is None


def test_each_member_of_a_company_gets_their_own_choice(outbox):
    company = factories.CompanyFactory()
    instant = person(company=company)
    daily = person(NotificationFrequency.DAILY, company=company)
    off = person(NotificationFrequency.NONE, company=company)

    notifications.notify_company(company, "Nouvelle mise en relation", "/posts/1", TEMPLATE, kind="match_approved",
                                 match_id=None)
    commit()

    assert [m.recipients for m in outbox] == [[instant.email]]
    assert [rows_of(u)[0].mail for u in (instant, daily, off)] == [MailDelivery.SENT, MailDelivery.DIGEST,
                                                                    MailDelivery.OFF]


@pytest.mark.parametrize("value", ["instant", "daily", "none", NotificationFrequency.DAILY])
def test_the_preference_can_be_changed(value):
    user = person()
    assert notifications.set_frequency(user, value) is NotificationFrequency(value)
    assert user.notification_frequency is NotificationFrequency(value)


@pytest.mark.parametrize("value", ["", None, "weekly", "INSTANT", "instant ", 3])
def test_a_bad_preference_changes_nothing(value):
    user = person(NotificationFrequency.DAILY)
    with pytest.raises(DomainError):
        notifications.set_frequency(user, value)
    assert user.notification_frequency is NotificationFrequency.DAILY


# --------------------------------------------------------------------------- the daily cap


def test_the_eleventh_mail_in_a_day_is_capped_and_goes_into_the_digest(app, outbox):
    assert app.config["NOTIFY_MAIL_DAILY_CAP"] == 10
    user = person()
    for n in range(10):
        tell(user, f"Message {n}")
        commit()
    assert len(outbox) == 10

    eleventh = tell(user, "Message 10")
    commit()

    assert len(outbox) == 10 and eleventh.mail is MailDelivery.CAPPED and eleventh.mailed_at is None
    assert notifications.send_digests() == 1
    commit()
    assert len(outbox) == 11 and outbox[-1].recipients == [user.email]
    assert "Message 10" in outbox[-1].body and "Message 9" not in outbox[-1].body
    assert eleventh.mail is MailDelivery.DIGESTED


def test_the_cap_counts_the_mails_of_the_same_transaction():
    user = person()
    notes = [tell(user, f"Message {n}") for n in range(12)]  # one request telling one person many things
    assert [n.mail for n in notes] == [MailDelivery.SENT] * 10 + [MailDelivery.CAPPED] * 2


def test_the_cap_is_per_person_and_per_24_hours(app):
    user, other = person(), person()
    old = utcnow() - timedelta(hours=25)
    for n in range(10):
        db.session.add(Notification(user_id=user.id, message=f"Hier {n}", mail=MailDelivery.SENT, mailed_at=old))
    for n in range(9):
        db.session.add(Notification(user_id=user.id, message=f"Aujourd'hui {n}", mail=MailDelivery.SENT,
                                    mailed_at=utcnow() - timedelta(hours=23)))
    db.session.add(Notification(user_id=user.id, message="Résumé", mail=MailDelivery.DIGESTED, mailed_at=utcnow()))
    db.session.flush()

    assert tell(user).mail is MailDelivery.SENT  # the 10th of the last 24 h (digests and older ones not counted)
    assert tell(user).mail is MailDelivery.CAPPED
    assert tell(other).mail is MailDelivery.SENT


def test_the_cap_is_configurable(app):
    user = person()
    saved = app.config["NOTIFY_MAIL_DAILY_CAP"]
    try:
        app.config["NOTIFY_MAIL_DAILY_CAP"] = 1
        assert [tell(user).mail for _ in range(2)] == [MailDelivery.SENT, MailDelivery.CAPPED]
        app.config["NOTIFY_MAIL_DAILY_CAP"] = None  # no cap
        assert tell(user).mail is MailDelivery.SENT
    finally:
        app.config["NOTIFY_MAIL_DAILY_CAP"] = saved


# --------------------------------------------------------------------------- the daily digest


def test_the_digest_sends_one_mail_per_person_listing_their_notifications(outbox):
    daily = person(NotificationFrequency.DAILY, locale="en")
    other = person(NotificationFrequency.DAILY)
    instant = person()
    tell(daily, "Première nouvelle", "/posts/1")
    tell(daily, "Deuxième nouvelle", "https://evil.example/")
    tell(other, "Pour l'autre", None)
    tell(instant, "Envoyée tout de suite")
    commit()
    assert len(outbox) == 1
    outbox.clear()
    now = utcnow()

    assert notifications.send_digests(now) == 2
    assert outbox == []  # the mails leave with the commit
    commit()

    assert sorted(m.recipients[0] for m in outbox) == sorted([daily.email, other.email])
    mine = next(m for m in outbox if m.recipients == [daily.email])
    assert mine.subject == "Your 2 notifications of the day"  # in the recipient's language
    assert "Première nouvelle" in mine.body and "Deuxième nouvelle" in mine.body
    assert "http://localhost/posts/1" in mine.body and "evil.example" not in mine.body
    assert "http://localhost/compte/notifications/preferences" in mine.body
    assert all(n.mail is MailDelivery.DIGESTED and n.mailed_at == now for n in rows_of(daily))
    db.session.refresh(daily)
    assert daily.digest_sent_at == now
    assert rows_of(instant)[0].mail is MailDelivery.SENT


def test_the_digest_is_idempotent(outbox):
    user = person(NotificationFrequency.DAILY)
    tell(user)
    commit()
    now = utcnow()
    assert notifications.send_digests(now) == 1
    commit()

    assert notifications.send_digests(now) == 0
    assert notifications.send_digests(now + timedelta(hours=1)) == 0
    commit()
    assert len(outbox) == 1


def test_one_digest_at_most_per_day_what_comes_later_waits_for_the_next(outbox):
    user = person(NotificationFrequency.DAILY)
    tell(user, "Avant")
    commit()
    now = utcnow()
    notifications.send_digests(now)
    commit()
    later = tell(user, "Après")
    commit()

    assert notifications.send_digests(now + timedelta(hours=2)) == 0  # a second run the same morning
    assert later.mail is MailDelivery.DIGEST
    assert notifications.send_digests(now + timedelta(days=1)) == 1
    commit()
    assert len(outbox) == 2 and "Après" in outbox[1].body and "Avant" not in outbox[1].body


def test_someone_who_turned_mails_off_gets_no_digest(outbox):
    user = person(NotificationFrequency.DAILY)
    note = tell(user)
    notifications.set_frequency(user, "none")
    commit()

    assert notifications.send_digests() == 0
    commit()
    assert outbox == [] and note.mail is MailDelivery.OFF and note.mailed_at is None


def test_a_long_digest_lists_the_first_ones_and_counts_the_rest(outbox, monkeypatch):
    monkeypatch.setattr(notifications, "DIGEST_MAX_ITEMS", 3)
    user = person(NotificationFrequency.DAILY, locale="en")
    for n in range(5):
        tell(user, f"Nouvelle {n}")
    commit()

    notifications.send_digests()
    commit()

    body = outbox[0].body
    assert "Nouvelle 2" in body and "Nouvelle 3" not in body and "and 2 more notifications" in body
    assert all(n.mail is MailDelivery.DIGESTED for n in rows_of(user))


def test_nothing_waiting_sends_nothing(outbox):
    tell(person())
    commit()
    outbox.clear()
    assert notifications.send_digests() == 0
    commit()
    assert outbox == []


def test_the_digest_command(runner, outbox):
    user = person(NotificationFrequency.DAILY)
    tell(user)
    commit()

    result = runner.invoke(args=["notifications", "digest"])
    assert result.exit_code == 0, result.output
    assert "1 digest sent." in result.output and [m.recipients for m in outbox] == [[user.email]]

    again = runner.invoke(args=["notifications", "digest"])
    assert again.exit_code == 0 and "0 digests sent." in again.output and len(outbox) == 1


# --------------------------------------------------------------------------- labels and links


def test_labels():
    assert notifications.kind_label("match_approved")
    assert notifications.kind_label("something_new") == "something_new"
    assert notifications.mail_label(MailDelivery.CAPPED) and notifications.mail_label("sent")


@pytest.mark.parametrize("link, internal", [
    ("/posts/1", True), ("/compte/notifications?page=2", True), (None, False), ("", False),
    ("https://evil.example/", False), ("//evil.example/", False), ("/\\evil.example", False),
    ("javascript:alert(1)", False), ("posts/1", False), ("/posts/\n1", False),
])
def test_internal_links(link, internal):
    assert notifications.is_internal_link(link) is internal
