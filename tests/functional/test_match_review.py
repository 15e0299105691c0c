"""The moderators' review of matches through the pages (queue, approve, reject, bulk approve) and the
"Je suis intéressé·e" request from a post page: who may do what, bad input, and the query budget of the queue."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.services import match_review
from marketplace.models import AuditLog, Match, MatchOrigin, MatchStatus, Notification, PostKind, PostStatus

from .. import factories
from ..match_review_support import AJACCIO, LYON, MARSEILLE, company_in, match_between
from ..match_review_support import match_page_route  # noqa: F401  (fixture)

QUEUE_QUERY_BUDGET = 8  # session user + territories + count + page + header badge (and what the layout reads)


# --------------------------------------------------------------------------- helpers


def persist() -> None:
    """Commit the factories' rows, so that a view that rolls back does not undo the test's setup."""
    db.session.commit()


def reload(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def audit_rows(action: str | None = None) -> list[AuditLog]:
    db.session.expire_all()
    statement = sa.select(AuditLog).order_by(AuditLog.id)
    if action:
        statement = statement.where(AuditLog.action == action)
    return list(db.session.scalars(statement))


def notification_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id))) or 0


def alerts(response, category: str = "danger") -> str:
    html = response.get_data(as_text=True)
    return " ".join(unescape(m) for m in re.findall(r'class="alert alert-%s">(.*?)</div>' % category, html, re.S))


def in_english(client) -> None:
    client.post("/langue/en", data={})


def card_ids(response) -> list[int]:
    return [int(found) for found in re.findall(r'name="bulk-match_ids" value="(\d+)"', response.get_data(as_text=True))]


@pytest.fixture
def moderator_in(client, login, moderator):
    """The moderator of the Rhône (69), logged in, pages in English."""
    login(moderator)
    in_english(client)
    return moderator


# --------------------------------------------------------------------------- who may come in

ACTIONS = ["/moderation/matches/{id}/approve", "/moderation/matches/{id}/reject", "/moderation/matches/bulk-approve"]


def test_a_visitor_is_sent_to_the_login_page(client):
    match = match_between()
    persist()
    for path in ["/moderation/matches"] + ACTIONS:
        response = (client.get if path == "/moderation/matches" else client.post)(path.format(id=match.id))
        assert response.status_code == 302, path
        assert urlsplit(response.headers["Location"]).path == "/connexion"
    assert reload(match).status is MatchStatus.PROPOSED


def test_a_company_member_is_refused(client, login):
    match = match_between()
    login(match.offer.company.active_members[0])
    assert client.get("/moderation/matches").status_code == 403
    for path in ACTIONS:
        response = client.post(path.format(id=match.id), data={"bulk-action": "score", "bulk-min_score": "0",
                                                                f"reject-{match.id}-other_reason": "Non"})
        assert response.status_code == 403, path
    assert reload(match).status is MatchStatus.PROPOSED and audit_rows() == []


def test_a_moderator_outside_the_territory_is_refused_and_nothing_changes(client, moderator_in):
    match = match_between(MARSEILLE, AJACCIO)
    persist()
    assert client.post(f"/moderation/matches/{match.id}/approve").status_code == 403
    response = client.post(f"/moderation/matches/{match.id}/reject",
                           data={f"reject-{match.id}-reason_code": "too_far"})
    assert response.status_code == 403
    assert "outside your territory" in response.get_data(as_text=True)
    assert reload(match).status is MatchStatus.PROPOSED
    assert audit_rows() == [] and notification_count() == 0
    assert match.id not in card_ids(client.get("/moderation/matches"))


def test_unknown_or_overlong_ids_are_not_found(client, moderator_in):
    for path in ["/moderation/matches/999999/approve", "/moderation/matches/99999999999999999999/approve",
                 "/moderation/matches/0/reject", "/moderation/matches/abc/approve"]:
        assert client.post(path).status_code == 404, path


def test_actions_only_answer_post(client, moderator_in):
    match = match_between()
    persist()
    assert client.get(f"/moderation/matches/{match.id}/approve").status_code == 405
    assert client.get("/moderation/matches/bulk-approve").status_code == 405
    assert reload(match).status is MatchStatus.PROPOSED


# --------------------------------------------------------------------------- the queue


def test_the_queue_shows_both_posts_side_by_side_with_the_score_and_its_reasons(client, moderator_in):
    match = match_between(LYON, MARSEILLE, score=0.873,
                          reasons=[{"code": "same_category"}, {"code": "distance", "km": 12}])
    match.offer.title, match.need.title = "Entrepôt frigorifique 300 m²", "Cherche chambre froide"
    match.need.quantity, match.need.unit = 120, "m²"
    persist()

    response = client.get("/moderation/matches")

    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    assert "1 match waiting" in html
    assert "87%" in html.replace("\xa0", "").replace(" ", "")
    for post in (match.offer, match.need):
        assert f'href="/posts/{post.id}"' in html and post.title in html and post.company.legal_name in html
        assert f"({post.departement})" in html
    assert "120 m²" in html and "same category" in html.lower()
    assert "Suggested" in html
    assert f'action="/moderation/matches/{match.id}/approve"' in html
    assert f'action="/moderation/matches/{match.id}/reject"' in html
    assert 'name="bulk-min_score"' in html


def test_a_requested_match_is_marked_with_the_requesting_company(client, moderator_in):
    match = match_between(origin=MatchOrigin.REQUESTED, score=0.0, reasons=[])
    match.requested_by_company_id = match.need.company_id
    match.need.company.legal_name = "Boulangerie Dupain"
    persist()

    html = unescape(client.get("/moderation/matches").get_data(as_text=True))
    assert "Requested by Boulangerie Dupain" in html
    assert "The engine gives no reason" in html


def test_the_queue_is_best_first_and_filters(client, moderator_in):
    low = match_between(score=0.45)
    high = match_between(score=0.95, origin=MatchOrigin.REQUESTED)
    middle = match_between(score=0.7)
    match_between(AJACCIO, AJACCIO, score=0.99)
    persist()

    assert card_ids(client.get("/moderation/matches")) == [high.id, middle.id, low.id]
    assert card_ids(client.get("/moderation/matches?min_score=70")) == [high.id, middle.id]
    assert card_ids(client.get("/moderation/matches?min_score=70+%25&origin=suggested")) == [middle.id]
    assert card_ids(client.get("/moderation/matches?origin=requested")) == [high.id]


@pytest.mark.parametrize("query", ["min_score=abc", "min_score=150", "min_score=-3", "origin=martian",
                                   "min_score=" + "9" * 500, "page=abc", "page=99999"])
def test_bad_filter_values_give_a_notice_not_an_error(client, moderator_in, query):
    match = match_between()
    persist()
    response = client.get(f"/moderation/matches?{query}")
    assert response.status_code == 200
    assert match.id in card_ids(response)
    assert "alert-info" in response.get_data(as_text=True)


def test_the_post_queue_links_to_the_match_queue(client, moderator_in):
    assert 'href="/moderation/matches"' in client.get("/moderation/").get_data(as_text=True)


def _measure(client, count_queries, url: str) -> int:
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["moderator", "admin"])
def test_the_queue_runs_a_fixed_number_of_queries(client, login, count_queries, who):
    login(factories.ModeratorFactory(departements=["69", "13"]) if who == "moderator" else factories.AdminFactory())
    for n in range(2):
        match_between(LYON, MARSEILLE, members=False, origin=MatchOrigin.REQUESTED if n else MatchOrigin.SUGGESTED)
    few = _measure(client, count_queries, "/moderation/matches")
    for n in range(25):
        match = match_between(MARSEILLE if n % 2 else LYON, LYON, members=False, score=0.4 + n / 50,
                              origin=MatchOrigin.REQUESTED if n % 3 else MatchOrigin.SUGGESTED)
        match.requested_by_company_id = match.offer.company_id if n % 3 else None
    many = _measure(client, count_queries, "/moderation/matches")
    second_page = _measure(client, count_queries, "/moderation/matches?page=2&min_score=10")
    print(f"\nmatch queue ({who}): {few} queries with 2 matches, {many} with 27, {second_page} on page 2")

    assert few == many == second_page
    assert many <= QUEUE_QUERY_BUDGET


# --------------------------------------------------------------------------- approve and reject


def test_approving_tells_both_companies_and_audits(client, moderator_in, outbox):
    match = match_between()
    persist()

    response = client.post(f"/moderation/matches/{match.id}/approve",
                           data={"next": "/moderation/matches?min_score=50"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/moderation/matches?min_score=50")
    match = reload(match)
    assert match.status is MatchStatus.APPROVED and match.decided_by_id == moderator_in.id
    [row] = audit_rows("match.approve")
    assert (row.actor_id, row.target_type, row.target_id) == (moderator_in.id, "match", match.id)
    told = db.session.scalars(sa.select(Notification).where(Notification.kind == "match_approved")).all()
    assert {n.user_id for n in told} == {match.offer.company.active_members[0].id,
                                         match.need.company.active_members[0].id}
    assert {n.link for n in told} == {f"/matches/{match.id}"}
    assert sorted(m.recipients[0] for m in outbox) == sorted(
        [match.offer.company.active_members[0].email, match.need.company.active_members[0].email])
    assert all(f"/matches/{match.id}" in m.body for m in outbox)
    assert "both companies are asked" in alerts(client.get("/moderation/matches"), "success")


def test_approving_twice_gives_a_clear_message(client, moderator_in, outbox):
    match = match_between()
    persist()
    client.post(f"/moderation/matches/{match.id}/approve")
    response = client.post(f"/moderation/matches/{match.id}/approve", follow_redirects=True)
    assert "already been approved" in alerts(response)
    assert len(audit_rows("match.approve")) == 1 and len(outbox) == 2


def test_the_next_page_must_be_of_this_site(client, moderator_in):
    match = match_between()
    persist()
    response = client.post(f"/moderation/matches/{match.id}/approve", data={"next": "//evil.example/x"})
    assert urlsplit(response.headers["Location"]).path == "/moderation/matches"
    assert not response.headers["Location"].startswith("//")


def test_rejecting_needs_a_reason_and_then_records_it(client, moderator_in, outbox):
    match = match_between()
    persist()

    response = client.post(f"/moderation/matches/{match.id}/reject", data={f"reject-{match.id}-reason_code": "",
                                                                           f"reject-{match.id}-other_reason": " "},
                           follow_redirects=True)
    assert "Give the reason for the rejection" in alerts(response)
    assert reload(match).status is MatchStatus.PROPOSED and audit_rows() == []

    response = client.post(f"/moderation/matches/{match.id}/reject",
                           data={f"reject-{match.id}-reason_code": "not_same_resource",
                                 f"reject-{match.id}-other_reason": "Stockage de données, pas d'entrepôt."},
                           follow_redirects=True)
    assert "The match is rejected." in alerts(response, "success")
    match = reload(match)
    assert match.status is MatchStatus.REJECTED
    assert match.rejection_reason.endswith("Stockage de données, pas d'entrepôt.")
    [row] = audit_rows("match.reject")
    assert row.reason == match.rejection_reason
    assert notification_count() == 0 and outbox == []  # a suggestion: nobody asked, nobody is told


def test_rejecting_a_request_tells_the_requesting_company_in_its_language(client, moderator_in, outbox):
    match = match_between(origin=MatchOrigin.REQUESTED)
    requester = match.need.company.active_members[0]
    requester.locale = "fr"
    match.requested_by, match.requested_by_company_id = requester, match.need.company_id
    persist()

    client.post(f"/moderation/matches/{match.id}/reject", data={f"reject-{match.id}-reason_code": "too_far"})

    [told] = db.session.scalars(sa.select(Notification)).all()
    assert told.user_id == requester.id and told.kind == "match_rejected"
    expected = match_review.rejection_reason("too_far", "", "fr")
    assert reload(match).rejection_reason == expected and expected in told.message
    [mail] = outbox
    assert mail.recipients == [requester.email] and expected in mail.body


def test_an_unknown_reason_code_or_an_overlong_reason_changes_nothing(client, moderator_in):
    match = match_between()
    persist()
    for data in ({f"reject-{match.id}-reason_code": "nonsense"},
                 {f"reject-{match.id}-reason_code": "other", f"reject-{match.id}-other_reason": "x" * 2500}):
        response = client.post(f"/moderation/matches/{match.id}/reject", data=data, follow_redirects=True)
        assert response.status_code == 200 and alerts(response)
    assert reload(match).status is MatchStatus.PROPOSED and audit_rows() == []


# --------------------------------------------------------------------------- bulk approve


def test_bulk_approval_from_a_score(client, moderator_in, outbox):
    strong, weak = match_between(score=0.9), match_between(score=0.5)
    elsewhere = match_between(AJACCIO, AJACCIO, score=0.95)
    persist()

    response = client.post("/moderation/matches/bulk-approve", data={"bulk-action": "score",
                                                                      "bulk-min_score": "80 %"},
                           follow_redirects=True)

    assert "1 match approved." in alerts(response, "success")
    assert reload(strong).status is MatchStatus.APPROVED
    assert reload(weak).status is reload(elsewhere).status is MatchStatus.PROPOSED
    assert [row.target_id for row in audit_rows("match.approve")] == [strong.id]
    assert len(outbox) == 2


def test_bulk_approval_of_the_selected_matches(client, moderator_in):
    first, second, third = match_between(score=0.4), match_between(score=0.5), match_between(score=0.6)
    persist()

    response = client.post("/moderation/matches/bulk-approve",
                           data={"bulk-action": "selection", "bulk-match_ids": [str(first.id), str(third.id)]},
                           follow_redirects=True)

    assert "2 matches approved." in alerts(response, "success")
    assert [reload(m).status for m in (first, second, third)] == [MatchStatus.APPROVED, MatchStatus.PROPOSED,
                                                                   MatchStatus.APPROVED]


def test_a_selection_with_a_match_outside_the_territory_changes_nothing(client, moderator_in):
    here, elsewhere = match_between(), match_between(AJACCIO, AJACCIO)
    persist()
    response = client.post("/moderation/matches/bulk-approve",
                           data={"bulk-action": "selection", "bulk-match_ids": [str(here.id), str(elsewhere.id)]},
                           follow_redirects=True)
    assert "Nothing was changed" in alerts(response) and "outside your territory" in alerts(response)
    assert reload(here).status is MatchStatus.PROPOSED and audit_rows() == []


@pytest.mark.parametrize("data, message", [
    ({"bulk-action": "score", "bulk-min_score": "abc"}, "percentage between 0 and 100"),
    ({"bulk-action": "score", "bulk-min_score": "250"}, "percentage between 0 and 100"),
    ({"bulk-action": "score", "bulk-min_score": ""}, "percentage between 0 and 100"),
    ({"bulk-action": "selection"}, "Select at least one match"),
    ({"bulk-action": "selection", "bulk-match_ids": ["12x"]}, "selection is not valid"),
    ({"bulk-action": "selection", "bulk-match_ids": ["99999999999999"]}, "selection is not valid"),
    ({"bulk-action": "everything", "bulk-min_score": "10"}, "Choose what to approve"),
    ({}, "Choose what to approve"),
])
def test_bad_bulk_input_gives_a_clear_message_and_changes_nothing(client, moderator_in, data, message):
    match = match_between(score=0.9)
    persist()
    response = client.post("/moderation/matches/bulk-approve", data=data, follow_redirects=True)
    assert response.status_code == 200
    assert message in alerts(response)
    assert reload(match).status is MatchStatus.PROPOSED and audit_rows() == []


def test_bulk_approval_when_nothing_reaches_the_score(client, moderator_in):
    match_between(score=0.3)
    persist()
    response = client.post("/moderation/matches/bulk-approve", data={"bulk-action": "score",
                                                                      "bulk-min_score": "95"},
                           follow_redirects=True)
    assert "No match of your territory reaches this score." in alerts(response, "success")


# --------------------------------------------------------------------------- "Je suis intéressé·e"


@pytest.fixture
def offer():
    return factories.PostFactory(company=company_in(MARSEILLE), title="Chambre froide de 80 m² libre")


@pytest.fixture
def buyer(client, login):
    member = factories.MemberFactory(company=company_in(LYON))
    return member


def test_a_visitor_sees_the_login_box_and_is_sent_to_log_in(client, offer):
    persist()
    html = client.get(f"/posts/{offer.id}").get_data(as_text=True)
    assert f"/posts/{offer.id}/interest" not in html
    response = client.get(f"/posts/{offer.id}/interest")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/connexion"
    assert client.post(f"/posts/{offer.id}/interest").status_code == 302


def test_the_button_is_for_members_of_other_companies_only(client, login, offer, buyer):
    persist()
    login(buyer)
    in_english(client)
    html = client.get(f"/posts/{offer.id}").get_data(as_text=True)
    assert f'href="/posts/{offer.id}/interest"' in html and "I'm interested" in unescape(html)

    own = factories.PostFactory(company=buyer.company)
    persist()
    assert f"/posts/{own.id}/interest" not in client.get(f"/posts/{own.id}").get_data(as_text=True)
    assert client.get(f"/posts/{own.id}/interest").status_code == 403


@pytest.mark.parametrize("who", ["moderator", "admin"])
def test_staff_get_no_button_and_cannot_ask(client, login, offer, who):
    staff = factories.ModeratorFactory(departements=["13"]) if who == "moderator" else factories.AdminFactory()
    persist()
    login(staff)
    assert f"/posts/{offer.id}/interest" not in client.get(f"/posts/{offer.id}").get_data(as_text=True)
    assert client.get(f"/posts/{offer.id}/interest").status_code == 403
    assert client.post(f"/posts/{offer.id}/interest", data={"own_post": "1"}).status_code == 403


def test_a_pending_member_cannot_ask(client, login, offer):
    pending = factories.PendingMemberFactory(company=company_in(LYON))
    persist()
    login(pending)
    assert client.get(f"/posts/{offer.id}/interest").status_code == 403


def test_without_a_post_of_the_other_kind_the_page_says_so(client, login, offer, buyer):
    factories.PostFactory(company=buyer.company)  # an offer cannot answer an offer
    persist()
    login(buyer)
    in_english(client)
    response = client.get(f"/posts/{offer.id}/interest")
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "needs a published need" in html and 'href="/posts/new?kind=need"' in html
    assert client.post(f"/posts/{offer.id}/interest", data={"own_post": "1"}).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Match.id))) == 0


def test_asking_for_an_introduction(client, login, offer, buyer):
    need = factories.NeedFactory(company=buyer.company, title="Cherche chambre froide 50 m²")
    factories.NeedFactory(company=buyer.company, title="Cherche un autre stockage")
    marseille = factories.ModeratorFactory(departements=["13"])
    persist()
    login(buyer)
    in_english(client)

    page = unescape(client.get(f"/posts/{offer.id}/interest").get_data(as_text=True))
    assert "Cherche chambre froide 50 m²" in page and "Cherche un autre stockage" in page

    response = client.post(f"/posts/{offer.id}/interest", data={"own_post": str(need.id)})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/posts/{offer.id}")
    [match] = db.session.scalars(sa.select(Match)).all()
    assert (match.offer_id, match.need_id, match.origin, match.status) == (offer.id, need.id,
                                                                           MatchOrigin.REQUESTED, MatchStatus.PROPOSED)
    assert match.requested_by_id == buyer.id and match.requested_by_company_id == buyer.company_id
    [told] = db.session.scalars(sa.select(Notification)).all()
    assert told.user_id == marseille.id and told.kind == "match_requested" and told.match_id == match.id
    assert "Your request is sent" in alerts(client.get(f"/posts/{offer.id}"), "success")

    again = client.post(f"/posts/{offer.id}/interest", data={"own_post": str(need.id)})
    assert again.status_code == 200 and "already been asked for" in alerts(again)
    assert db.session.scalar(sa.select(sa.func.count(Match.id))) == 1

    # the moderator finds it in his queue, marked as requested
    client.post("/deconnexion")
    login(marseille)
    in_english(client)
    html = unescape(client.get("/moderation/matches?origin=requested").get_data(as_text=True))
    assert f"Requested by {buyer.company.legal_name}" in html


@pytest.mark.parametrize("value", ["", "abc", "99999999999999999999", "-1"])
def test_a_bad_choice_gives_a_clear_message(client, login, offer, buyer, value):
    factories.NeedFactory(company=buyer.company)
    persist()
    login(buyer)
    in_english(client)
    response = client.post(f"/posts/{offer.id}/interest", data={"own_post": value})
    assert response.status_code == 200
    assert "Please correct the fields below" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Match.id))) == 0


def test_another_company_post_cannot_be_put_forward(client, login, offer, buyer):
    factories.NeedFactory(company=buyer.company)
    foreign = factories.NeedFactory(company=company_in(AJACCIO))
    persist()
    login(buyer)
    response = client.post(f"/posts/{offer.id}/interest", data={"own_post": str(foreign.id)})
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Match.id))) == 0


def test_an_unpublished_post_has_no_button_and_refuses(client, login, buyer):
    closed = factories.PostFactory(company=company_in(MARSEILLE), status=PostStatus.CLOSED)
    persist()
    login(buyer)
    assert client.get(f"/posts/{closed.id}/interest").status_code == 404  # not visible to another company
    draft = factories.NeedFactory(company=company_in(MARSEILLE), status=PostStatus.DRAFT, kind=PostKind.NEED)
    persist()
    assert client.post(f"/posts/{draft.id}/interest", data={"own_post": "1"}).status_code == 404
