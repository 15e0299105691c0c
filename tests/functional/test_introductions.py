"""The companies' side of a match, through the pages: from an approved match, both accept, contact details appear
(never before), messages, the outcome and the posts' quantities; every forbidden step (another company, the CCI
staff, twice, too early, bad input: a clear message, nothing changed, never a 500); the 14-day reminder; the
owner's post page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Match, MatchMessage, MatchOutcome, MatchStatus, Notification, PostStatus
from marketplace.models.types import utcnow

from .. import factories
from ..conftest import log_in
from .accounts_support import persist
from .posts_owner_support import alerts, field_error, html_of

NEED_PHONE, NEED_EMAIL, NEED_ADDRESS = "04 78 11 22 33", "contact@froid-lyonnais.example", "12 quai Perrache"
OFFER_PHONE = "04 72 99 88 77"


@pytest.fixture
def pair(db):
    """An approved match between an offer (200 m²) and a need (150 m²) of two companies, one member each."""
    offer_company = factories.CompanyFactory(legal_name="Entrepôts Rhodaniens", phone=OFFER_PHONE)
    need_company = factories.CompanyFactory(legal_name="Froid Lyonnais", phone=NEED_PHONE,
                                            contact_email=NEED_EMAIL, address=NEED_ADDRESS)
    offer = factories.PostFactory(company=offer_company, title="Entrepôt sec de 200 m² à Gerland")
    need = factories.NeedFactory(company=need_company, title="Cherche 150 m² de stockage sec", quantity=150.0)
    match = factories.MatchFactory(offer=offer, need=need, status=MatchStatus.APPROVED, decided_at=utcnow(),
                                   reasons=[{"code": "same_category"}])
    offer_user = factories.MemberFactory(company=offer_company, full_name="Odile Offre",
                                         email="odile@entrepots.example")
    need_user = factories.MemberFactory(company=need_company, full_name="Nadir Besoin", email="nadir@froid.example")
    persist()
    return match, offer_user, need_user


def client_of(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    response = log_in(client, user.email)
    assert response.status_code == 302
    return client


def fresh(match: Match) -> Match:
    db.session.expire_all()
    return db.session.get(Match, match.id)


def url(match: Match, action: str = "") -> str:
    return f"/matches/{match.id}" + (f"/{action}" if action else "")


def state(match: Match) -> tuple:
    """What an action may change: the match, its messages and outcomes, its posts."""
    db.session.expire_all()
    rows = {}
    for table in ("match", "match_message", "match_outcome", "post"):
        rows[table] = [tuple(r) for r in db.session.execute(sa.text(f"SELECT * FROM {table} ORDER BY id"))]
    return tuple(rows.values())


CONTACT_STRINGS = (NEED_PHONE, NEED_EMAIL, NEED_ADDRESS, "nadir@froid.example")


def introduce(app, pair):
    match, offer_user, need_user = pair
    offer_client, need_client = client_of(app, offer_user), client_of(app, need_user)
    assert offer_client.post(url(match, "answer"), data={"decision": "accept"}).status_code == 302
    assert need_client.post(url(match, "answer"), data={"decision": "accept"}).status_code == 302
    assert fresh(match).status is MatchStatus.INTRODUCED
    return offer_client, need_client


# --------------------------------------------------------------------------- the whole path


def test_whole_path_from_approval_to_outcome(app, pair, outbox):
    match, offer_user, need_user = pair
    offer_client, need_client = client_of(app, offer_user), client_of(app, need_user)

    page = html_of(offer_client.get(url(match)))
    assert "Froid Lyonnais" in page and "Accept the introduction" in page and "same category" in page.lower()
    for secret in CONTACT_STRINGS:
        assert secret not in page  # never before both accepted
    assert 'id="contacts"' not in page and 'id="message-form"' not in page and 'id="outcome-form"' not in page

    response = offer_client.post(url(match, "answer"), data={"decision": "accept"}, follow_redirects=True)
    assert "as soon as the other company accepts too" in alerts(response)
    page = html_of(offer_client.get(url(match)))
    for secret in CONTACT_STRINGS:
        assert secret not in page
    assert "Accept the introduction" not in page and 'id="waiting"' in page
    assert outbox == []

    response = need_client.post(url(match, "answer"), data={"decision": "accept"}, follow_redirects=True)
    assert "You are introduced" in alerts(response)
    assert fresh(match).status is MatchStatus.INTRODUCED
    assert sorted(m.recipients[0] for m in outbox) == ["nadir@froid.example", "odile@entrepots.example"]
    assert all("/matches/%d" % match.id in m.body for m in outbox)
    assert all(NEED_PHONE not in m.body and OFFER_PHONE not in m.body for m in outbox)

    page = html_of(offer_client.get(url(match)))
    for secret in CONTACT_STRINGS:
        assert secret in page
    assert OFFER_PHONE not in page  # its own company's details are not the point here
    assert OFFER_PHONE in html_of(need_client.get(url(match)))

    response = offer_client.post(url(match, "messages"), data={"body": "Bonjour, <b>visite</b> lundi ?"},
                                 follow_redirects=True)
    assert "Your message is sent." in alerts(response)
    need_page = html_of(need_client.get(url(match)))
    assert "Bonjour, &lt;b&gt;visite&lt;/b&gt; lundi ?" in need_page and "Odile Offre" in need_page
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == need_user.id, Notification.kind == "match_message")) == 1

    response = need_client.post(url(match, "outcome"), data={"outcome": "concluded", "quantity": "150"},
                                follow_redirects=True)
    assert "the exchange is recorded" in alerts(response)
    match = fresh(match)
    assert match.status is MatchStatus.CONCLUDED and match.closed_at is not None
    assert (match.offer.quantity, match.offer.exchanged_quantity, match.offer.status) == (50, 150,
                                                                                          PostStatus.PUBLISHED)
    assert (match.need.quantity, match.need.status) == (0, PostStatus.CLOSED)
    assert match.need.close_reason.value == "fulfilled"
    catalogue = html_of(need_client.get("/posts"))
    assert "Cherche 150 m² de stockage sec" not in catalogue and "Entrepôt sec de 200 m² à Gerland" in catalogue

    # the other company reports too: recorded, nothing subtracted again
    response = offer_client.post(url(match, "outcome"), data={"outcome": "concluded", "quantity": "150"},
                                 follow_redirects=True)
    assert "the exchange is recorded" in alerts(response)
    match = fresh(match)
    assert len(match.outcomes) == 2 and match.offer.quantity == 50
    page = html_of(offer_client.get(url(match)))
    assert 'id="outcome-form"' not in page and page.count("an exchange took place") == 2
    # messages stay open after an exchange (delivery to arrange)
    assert offer_client.post(url(match, "messages"), data={"body": "Merci !"}).status_code == 302


def test_declined_with_a_reason(app, pair):
    match = pair[0]
    offer_client, need_client = introduce(app, pair)
    response = offer_client.post(url(match, "outcome"), data={"outcome": "declined", "reason": ""})
    assert "Say why nothing came of it" in field_error(response, "reason")
    assert fresh(match).status is MatchStatus.INTRODUCED
    response = offer_client.post(url(match, "outcome"), data={"outcome": "declined",
                                                              "reason": "Nous avons trouvé plus près"},
                                 follow_redirects=True)
    assert "the outcome is recorded" in alerts(response)
    match = fresh(match)
    assert match.status is MatchStatus.DECLINED and match.offer.quantity == 200
    page = html_of(need_client.get(url(match)))
    assert "Nous avons trouvé plus près" in page and 'id="message-form"' not in page
    response = need_client.post(url(match, "messages"), data={"body": "Dommage"}, follow_redirects=True)
    assert "thread is closed" in alerts(response)


def test_refused_introduction(app, pair, outbox):
    match, offer_user, need_user = pair
    need_client = client_of(app, need_user)
    response = need_client.post(url(match, "answer"), data={"decision": "decline"}, follow_redirects=True)
    assert "You declined the introduction" in alerts(response)
    assert fresh(match).status is MatchStatus.REFUSED
    assert [m.recipients[0] for m in outbox] == ["odile@entrepots.example"]
    page = html_of(client_of(app, offer_user).get(url(match)))
    assert "The introduction was declined" in page and NEED_PHONE not in page


# --------------------------------------------------------------------------- forbidden steps


def test_another_company_sees_and_does_nothing(app, pair, login, client):
    match = pair[0]
    outsider = factories.MemberFactory()
    persist()
    before = state(match)
    login(outsider)
    assert client.get(url(match)).status_code == 404
    for action, data in (("answer", {"decision": "accept"}), ("messages", {"body": "Bonjour"}),
                         ("outcome", {"outcome": "declined", "reason": "x"})):
        assert client.post(url(match, action), data=data).status_code == 404
    introduce(app, pair)
    middle = state(match)
    assert middle != before
    assert client.get(url(match)).status_code == 404
    for action, data in (("messages", {"body": "Bonjour"}), ("outcome", {"outcome": "declined", "reason": "x"})):
        assert client.post(url(match, action), data=data).status_code == 404
    assert state(match) == middle
    assert client.get("/matches/999999").status_code == 404


def test_a_company_cannot_answer_for_the_other_side(app, pair):
    match, offer_user, _ = pair
    offer_client = client_of(app, offer_user)
    assert offer_client.post(url(match, "answer"), data={"decision": "accept"}).status_code == 302
    response = offer_client.post(url(match, "answer"), data={"decision": "accept"}, follow_redirects=True)
    assert "already answered" in alerts(response)
    match = fresh(match)
    assert match.need_answer is None and match.status is MatchStatus.APPROVED
    response = offer_client.post(url(match, "answer"), data={"decision": "maybe"}, follow_redirects=True)
    assert "Choose whether your company accepts" in alerts(response)


def test_staff_of_the_territory_read_only(app, pair, login, client, english):
    match = pair[0]
    moderator = factories.ModeratorFactory(departements=["69"])
    elsewhere = factories.ModeratorFactory(departements=["13"])
    persist()
    before = state(match)
    login(moderator)
    page = html_of(client.get(url(match)))
    assert "as a CCI advisor" in page and "Accept the introduction" not in page
    assert NEED_PHONE in page  # moderators of the territory already see the companies' details
    response = client.post(url(match, "answer"), data={"decision": "accept"})
    assert response.status_code == 403 and "Only the two companies" in response.get_data(as_text=True)
    assert state(match) == before
    client.post("/deconnexion")
    login(elsewhere)
    assert client.get(url(match)).status_code == 404


@pytest.mark.parametrize("status", [MatchStatus.PROPOSED, MatchStatus.REJECTED])
def test_proposed_or_rejected_matches_are_not_the_companies_business(app, status, login, client):
    match = factories.MatchFactory(status=status)
    member = factories.MemberFactory(company=match.offer.company)
    persist()
    before = state(match)
    login(member)
    assert client.get(url(match)).status_code == 404
    assert client.post(url(match, "answer"), data={"decision": "accept"}).status_code == 404
    assert state(match) == before


def test_anonymous_is_sent_to_login(pair, client):
    response = client.get(url(pair[0]))
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_no_message_nor_outcome_before_the_introduction(app, pair):
    match, offer_user, _ = pair
    offer_client = client_of(app, offer_user)
    before = state(match)
    response = offer_client.post(url(match, "messages"), data={"body": "Bonjour"}, follow_redirects=True)
    assert "Messages open once both companies have accepted" in alerts(response)
    response = offer_client.post(url(match, "outcome"), data={"outcome": "concluded", "quantity": "10"},
                                 follow_redirects=True)
    assert "once both companies have accepted" in alerts(response)
    assert state(match) == before


def test_bad_messages(app, pair):
    match = pair[0]
    offer_client, _ = introduce(app, pair)
    before = state(match)
    for body, words in (("   ", "Write a message"), ("x" * 2001, "2000 characters at most")):
        response = offer_client.post(url(match, "messages"), data={"body": body})
        assert words in field_error(response, "body"), response.status_code
    assert state(match) == before
    assert db.session.scalar(sa.select(sa.func.count(MatchMessage.id))) == 0


@pytest.mark.parametrize("data, field, words", [
    ({"outcome": "concluded", "quantity": "-3"}, "quantity", "positive number"),
    ({"outcome": "concluded", "quantity": "abc"}, "quantity", "positive number"),
    ({"outcome": "concluded", "quantity": "1e12"}, "quantity", "positive number"),
    ({"outcome": "concluded", "quantity": "0"}, "quantity", "greater than zero"),
    ({"outcome": "concluded", "quantity": ""}, "quantity", "Enter the quantity exchanged, in m²"),
    ({"outcome": "concluded", "quantity": "151"}, "quantity", "Only 150 m² remain"),
    ({"outcome": "declined", "reason": "  "}, "reason", "Say why"),
    ({"outcome": "perhaps"}, "outcome", "Say whether an exchange took place"),
    ({}, "outcome", "Say whether an exchange took place"),
])
def test_bad_outcomes_change_nothing(app, pair, data, field, words):
    match = pair[0]
    offer_client, _ = introduce(app, pair)
    before = state(match)
    response = offer_client.post(url(match, "outcome"), data=data)
    assert response.status_code == 200
    assert words in field_error(response, field), field_error(response, field)
    assert state(match) == before
    assert db.session.scalar(sa.select(sa.func.count(MatchOutcome.id))) == 0


# --------------------------------------------------------------------------- lists and the owner's post page


def test_my_matches_lists_what_is_expected(app, pair, login, client, english):
    match, offer_user, _ = pair
    factories.MatchFactory(offer=match.offer, status=MatchStatus.PROPOSED,
                           need=factories.NeedFactory(title="Besoin encore en revue"))
    persist()
    login(offer_user)
    page = html_of(client.get("/matches/"))
    assert "Cherche 150 m² de stockage sec" in page and "Accept or decline the introduction" in page
    assert "Besoin encore en revue" not in page


def test_my_matches_is_for_company_members(moderator, login, client):
    persist()
    login(moderator)
    assert client.get("/matches/").status_code == 403


def test_owner_post_page_shows_its_matches(app, pair, login, client, english):
    match, offer_user, need_user = pair
    outsider = factories.MemberFactory()
    persist()
    login(offer_user)
    page = html_of(client.get(f"/posts/{match.offer_id}"))
    assert 'id="post-matches"' in page and f"/matches/{match.id}" in page
    assert "Cherche 150 m² de stockage sec" in page and "Introduction proposed" in page
    client.post("/deconnexion")
    login(outsider)
    assert 'id="post-matches"' not in html_of(client.get(f"/posts/{match.offer_id}"))
    client.post("/deconnexion")
    anonymous = html_of(app.test_client().get(f"/posts/{match.offer_id}"))
    assert 'id="post-matches"' not in anonymous and f"/matches/{match.id}" not in anonymous


# --------------------------------------------------------------------------- the 14-day reminder


def test_outcome_reminder_command(app, pair, runner, outbox):
    match = pair[0]
    introduce(app, pair)
    factories.MemberFactory(company=match.offer.company, email="second@entrepots.example")
    persist()
    outbox.clear()
    db.session.get(Match, match.id).introduced_at = utcnow() - timedelta(days=13)
    persist()
    result = runner.invoke(args=["matching", "remind-outcomes"])
    assert result.exit_code == 0, result.output
    assert "0 matches reminded" in result.output and outbox == []

    db.session.get(Match, match.id).introduced_at = utcnow() - timedelta(days=14, minutes=1)
    persist()
    result = runner.invoke(args=["matching", "remind-outcomes"])
    assert "1 match reminded" in result.output
    assert sorted(m.recipients[0] for m in outbox) == ["nadir@froid.example", "odile@entrepots.example",
                                                       "second@entrepots.example"]
    assert all(f"/matches/{match.id}" in m.body for m in outbox)
    assert fresh(match).outcome_reminder_sent_at is not None

    result = runner.invoke(args=["matching", "remind-outcomes"])
    assert "0 matches reminded" in result.output and len(outbox) == 3
