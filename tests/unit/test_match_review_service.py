"""The rules of the match review (``services.match_review``): the queue, approve, reject, bulk approve, and the
introductions companies ask for. Services flush; the tests commit where mails are involved."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from marketplace.errors import DomainError, Forbidden, NotFound
from marketplace.extensions import db
from marketplace.models import (AuditLog, Match, MatchOrigin, MatchStatus, Notification, PostKind, PostStatus,
                                Role, User, UserTerritory)
from marketplace.models.types import utcnow
from marketplace.services import match_review
from marketplace.services.match_review import (BulkRefused, IntroductionRefused, MatchNotReviewable, QueueFilters,
                                               parse_filters, parse_percentage)

from .. import factories
from ..match_review_support import AJACCIO, LYON, MARSEILLE, company_in, match_between
from ..match_review_support import match_page_route  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def english_messages(app):
    """The messages checked here are the English msgids, whatever the default language."""
    with force_locale("en"):
        yield


def queue(moderator, **filters):
    return match_review.queue_page(moderator, QueueFilters(**filters), None, 50)


def path(link: str) -> str:
    return urlsplit(link).path


def ids(page) -> list[int]:
    return [m.id for m in page.items]


def notifications(kind: str | None = None) -> list[Notification]:
    statement = sa.select(Notification).order_by(Notification.id)
    if kind:
        statement = statement.where(Notification.kind == kind)
    return list(db.session.scalars(statement))


def audit(action: str) -> list[AuditLog]:
    return list(db.session.scalars(sa.select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("raw, expected", [("80", 0.8), (" 80 % ", 0.8), ("72,5", 0.725), ("0", 0.0),
                                           ("100", 1.0), ("", None), (None, None), ("  ", None)])
def test_a_percentage_is_read_as_a_fraction(raw, expected):
    assert parse_percentage(raw) == pytest.approx(expected) if expected is not None else parse_percentage(raw) is None


@pytest.mark.parametrize("raw", ["abc", "-1", "101", "1e400", "nan", "inf", "8" * 40, "0x10", "½"])
def test_a_percentage_out_of_range_or_not_a_number_is_refused(raw):
    with pytest.raises(ValueError):
        parse_percentage(raw)


def test_filters_not_understood_are_ignored_and_named():
    parsed = parse_filters({"min_score": "beaucoup", "origin": "martian"})
    assert parsed.filters == QueueFilters() and parsed.ignored == ["min_score", "origin"]
    parsed = parse_filters({"min_score": "75", "origin": "requested"})
    assert parsed.filters == QueueFilters(0.75, MatchOrigin.REQUESTED) and parsed.ignored == []


def test_a_rejection_reason_is_a_standard_reply_a_written_one_or_both(app):
    assert match_review.rejection_reason("too_far", "", "en") == "The two companies are too far apart for this exchange."
    assert match_review.rejection_reason("too_far", " 400  km ", "en").endswith("exchange. 400 km")
    assert match_review.rejection_reason("other", "Déjà en contact", "fr") == "Déjà en contact"
    assert match_review.rejection_reason("", "Déjà en contact") == "Déjà en contact"
    for code, written in [("", ""), ("other", "   "), (None, None)]:
        with pytest.raises(DomainError, match="Give the reason"):
            match_review.rejection_reason(code, written)
    with pytest.raises(DomainError, match="standard replies"):
        match_review.rejection_reason("nonsense", "x")
    with pytest.raises(DomainError, match="too long"):
        match_review.rejection_reason("other", "x" * (match_review.REASON_MAX + 1))


# --------------------------------------------------------------------------- the queue


def test_the_queue_holds_the_matches_where_either_post_is_in_the_territory(moderator):
    both_here = match_between(LYON, LYON)
    offer_here = match_between(LYON, MARSEILLE)
    need_here = match_between(MARSEILLE, LYON)
    elsewhere = match_between(MARSEILLE, AJACCIO)
    # the post's own département counts, not its company's
    located_here = match_between(MARSEILLE, MARSEILLE)
    located_here.need.departement = "69"
    db.session.flush()

    assert set(ids(queue(moderator))) == {both_here.id, offer_here.id, need_here.id, located_here.id}
    marseille = factories.ModeratorFactory(departements=["13"])
    assert set(ids(queue(marseille))) == {offer_here.id, need_here.id, elsewhere.id, located_here.id}
    assert set(ids(queue(factories.AdminFactory()))) == {m.id for m in (both_here, offer_here, need_here,
                                                                         elsewhere, located_here)}
    assert ids(queue(factories.AdminFactory(territories=[]))) != []
    assert ids(queue(factories.MemberFactory())) == []


def test_an_administrator_with_a_territory_sees_only_it():
    here, elsewhere = match_between(LYON, LYON), match_between(AJACCIO, AJACCIO)
    admin = factories.AdminFactory(territories=[UserTerritory(departement="2A")])

    assert ids(queue(admin)) == [elsewhere.id]
    assert here.id not in ids(queue(admin))


def test_the_queue_is_best_first_then_oldest(moderator):
    low = match_between(score=0.41)
    high = match_between(score=0.93)
    tie_a = match_between(score=0.7)
    tie_b = match_between(score=0.7)

    assert ids(queue(moderator)) == [high.id, tie_a.id, tie_b.id, low.id]


def test_the_queue_leaves_out_decided_matches_and_posts_no_longer_shown(moderator):
    kept = match_between()
    for status in (MatchStatus.APPROVED, MatchStatus.REJECTED, MatchStatus.INTRODUCED, MatchStatus.CONCLUDED):
        match_between(status=status)
    closed = match_between()
    closed.offer.status = PostStatus.CLOSED
    suspended = match_between()
    suspended.need.company.suspended_at = utcnow()
    past = match_between()
    past.offer.available_until = utcnow().date().replace(year=2020)
    past.offer.available_from = None
    db.session.flush()

    assert ids(queue(moderator)) == [kept.id]


def test_the_queue_filters_by_minimum_score_and_origin(moderator):
    weak = match_between(score=0.5)
    strong = match_between(score=0.8)
    requested = match_between(score=0.6, origin=MatchOrigin.REQUESTED)

    assert ids(queue(moderator, min_score=0.6)) == [strong.id, requested.id]
    assert ids(queue(moderator, min_score=0.8)) == [strong.id]
    assert ids(queue(moderator, origin=MatchOrigin.REQUESTED)) == [requested.id]
    assert ids(queue(moderator, origin=MatchOrigin.SUGGESTED)) == [strong.id, weak.id]
    assert ids(queue(moderator, min_score=0.7, origin=MatchOrigin.REQUESTED)) == []


def test_the_queue_loads_both_posts_and_companies_in_two_queries(moderator, count_queries):
    for n in range(6):
        match_between(MARSEILLE if n % 2 else LYON, LYON, score=0.5 + n / 20)
    moderator_id = moderator.id
    db.session.commit()
    db.session.expunge_all()
    moderator = db.session.get(User, moderator_id)
    _ = moderator.departements
    with count_queries() as queries:
        page = queue(moderator)
        shown = [(m.offer.title, m.offer.company.legal_name, m.need.title, m.need.company.legal_name,
                  m.side_of(m.need.company_id)) for m in page.items]
    assert len(shown) == 6
    assert len(queries) == 2, queries


# --------------------------------------------------------------------------- approve


def test_approving_records_the_decision_audits_and_tells_both_companies(moderator, outbox):
    match = match_between()
    second = factories.MemberFactory(company=match.offer.company, locale="en")
    factories.PendingMemberFactory(company=match.offer.company)  # not told

    match_review.approve(moderator, match)
    db.session.commit()

    assert match.status is MatchStatus.APPROVED
    assert match.decided_by == moderator and match.decided_at is not None
    [entry] = audit("match.approve")
    assert entry.target_type == "match" and entry.target_id == match.id and entry.actor == moderator
    assert entry.details["offer_id"] == match.offer_id and entry.details["score"] == pytest.approx(0.8)
    told = notifications("match_approved")
    assert len(told) == 3 and {n.match_id for n in told} == {match.id}
    assert {path(n.link) for n in told} == {f"/matches/{match.id}"}
    assert second.id in {n.user_id for n in told}
    assert len(outbox) == 3
    mail = next(m for m in outbox if m.recipients == [second.email])
    assert f"http://localhost/matches/{match.id}" in mail.body
    assert match.need.title in mail.body and match.need.company.legal_name in mail.body
    assert "same category" in mail.body.lower() or "même catégorie" in mail.body.lower()


def test_approving_twice_or_a_rejected_match_is_refused(moderator):
    match = match_between()
    match_review.approve(moderator, match)
    with pytest.raises(MatchNotReviewable, match="already been approved"):
        match_review.approve(moderator, match)
    rejected = match_between(status=MatchStatus.REJECTED)
    with pytest.raises(MatchNotReviewable, match="already been rejected"):
        match_review.approve(moderator, rejected)
    with pytest.raises(MatchNotReviewable, match="already been rejected"):
        match_review.reject(moderator, rejected, "Non")
    assert len(audit("match.approve")) == 1


def test_a_moderator_outside_the_territory_can_neither_approve_nor_reject(moderator):
    match = match_between(MARSEILLE, AJACCIO)
    with pytest.raises(Forbidden, match="outside your territory"):
        match_review.approve(moderator, match)
    with pytest.raises(Forbidden):
        match_review.reject(moderator, match, "Non")
    with pytest.raises(Forbidden):
        match_review.approve(factories.MemberFactory(), match)
    assert match.status is MatchStatus.PROPOSED and audit("match.approve") == [] and notifications() == []


def test_a_match_whose_post_left_the_catalogue_cannot_be_approved(moderator):
    match = match_between()
    match.need.status = PostStatus.CLOSED
    with pytest.raises(MatchNotReviewable, match="no longer published"):
        match_review.approve(moderator, match)
    assert match.status is MatchStatus.PROPOSED


def test_an_unknown_match_is_not_found():
    with pytest.raises(NotFound):
        match_review.get_match(987654)


# --------------------------------------------------------------------------- reject


def test_rejecting_a_suggestion_tells_nobody(moderator, outbox):
    match = match_between()
    match_review.reject(moderator, match, "  Pas le même  usage ")
    db.session.commit()

    assert match.status is MatchStatus.REJECTED and match.rejection_reason == "Pas le même usage"
    assert match.decided_by == moderator
    [entry] = audit("match.reject")
    assert entry.reason == "Pas le même usage"
    assert notifications() == [] and outbox == []


def test_rejecting_a_request_tells_the_requesting_company(moderator, outbox):
    match = match_between(origin=MatchOrigin.REQUESTED)
    requester = match.need.company.active_members[0]
    match.requested_by, match.requested_by_company_id = requester, match.need.company_id
    reason = match_review.rejection_reason("dates", "", match_review.reader_locale(match))
    match_review.reject(moderator, match, reason)
    db.session.commit()

    [told] = notifications()
    assert told.user_id == requester.id and told.kind == "match_rejected" and told.match_id == match.id
    assert "The dates of the two posts do not fit together." in told.message
    assert path(told.link) == f"/posts/{match.offer_id}"
    [mail] = outbox
    assert mail.recipients == [requester.email] and "do not fit together" in mail.body


def test_rejecting_without_a_reason_changes_nothing(moderator):
    match = match_between()
    with pytest.raises(DomainError, match="Give the reason"):
        match_review.reject(moderator, match, "   ")
    assert match.status is MatchStatus.PROPOSED and audit("match.reject") == []


# --------------------------------------------------------------------------- bulk approve


def test_bulk_approval_from_a_score_takes_the_territory_only(moderator):
    strong, exact = match_between(score=0.9), match_between(score=0.75)
    weak = match_between(score=0.74)
    elsewhere = match_between(AJACCIO, AJACCIO, score=0.99)
    decided = match_between(score=0.95, status=MatchStatus.REJECTED)

    assert match_review.bulk_approve(moderator, 0.75) == 2
    assert strong.status is exact.status is MatchStatus.APPROVED
    assert weak.status is elsewhere.status is MatchStatus.PROPOSED and decided.status is MatchStatus.REJECTED
    assert {e.target_id for e in audit("match.approve")} == {strong.id, exact.id}
    assert match_review.bulk_approve(moderator, 0.75) == 0


def test_bulk_approval_of_a_selection_is_all_or_nothing(moderator):
    first, second = match_between(score=0.5), match_between(score=0.6)
    elsewhere = match_between(AJACCIO, AJACCIO)
    approved = match_between(status=MatchStatus.APPROVED)

    with pytest.raises(BulkRefused) as refused:
        match_review.bulk_approve(moderator, None, [first.id, elsewhere.id, approved.id, 999999])
    message = str(refused.value.message)
    assert f"match #{elsewhere.id} is outside your territory" in message
    assert f"match #{approved.id} is not waiting for review" in message
    assert "match #999999 does not exist" in message
    assert first.status is MatchStatus.PROPOSED and audit("match.approve") == []

    with pytest.raises(BulkRefused, match="under the minimum"):
        match_review.bulk_approve(moderator, 0.55, [first.id, second.id])
    assert match_review.bulk_approve(moderator, None, [second.id, first.id, first.id]) == 2
    assert len(audit("match.approve")) == 2


@pytest.mark.parametrize("score", [-0.1, 1.5])
def test_bulk_approval_refuses_a_score_out_of_range(moderator, score):
    match_between()
    with pytest.raises(DomainError, match="between 0 and 100"):
        match_review.bulk_approve(moderator, score)


def test_bulk_approval_needs_a_score_or_a_selection(moderator):
    with pytest.raises(DomainError, match="minimum score"):
        match_review.bulk_approve(moderator, None, [])


def test_bulk_approval_approves_at_most_the_cap(moderator, monkeypatch):
    monkeypatch.setattr(match_review, "BULK_MAX", 2)
    made = [match_between(score=0.5 + n / 10, members=False) for n in range(3)]
    assert match_review.bulk_approve(moderator, 0.1) == 2
    assert [m.status for m in made] == [MatchStatus.PROPOSED, MatchStatus.APPROVED, MatchStatus.APPROVED]


# --------------------------------------------------------------------------- "Je suis intéressé·e"


@pytest.fixture
def buyer():
    """An active member of a company of Lyon with a published need for storage."""
    return factories.MemberFactory(company=company_in(LYON))


@pytest.fixture
def buyer_need(buyer):
    return factories.NeedFactory(company=buyer.company, author=buyer)


@pytest.fixture
def offer():
    return factories.PostFactory(company=company_in(MARSEILLE))


def test_a_request_creates_a_requested_match_and_tells_the_moderators(buyer, buyer_need, offer):
    lyon = factories.ModeratorFactory(departements=["69"])
    marseille = factories.ModeratorFactory(departements=["13", "84"])
    factories.ModeratorFactory(departements=["2A"])
    factories.AdminFactory()  # no territory: not told when a moderator of the territory is

    match = match_review.request_introduction(buyer, offer, buyer_need)

    assert (match.offer, match.need) == (offer, buyer_need)
    assert match.origin is MatchOrigin.REQUESTED and match.status is MatchStatus.PROPOSED
    assert match.requested_by == buyer and match.requested_by_company_id == buyer.company_id
    assert 0 <= match.score <= 1
    told = notifications("match_requested")
    assert {n.user_id for n in told} == {lyon.id, marseille.id}
    assert all(n.match_id == match.id and n.link.endswith("/moderation/matches?origin=requested") for n in told)
    assert buyer.company.legal_name in told[0].message
    assert match_review.requester_company(match) == buyer.company


def test_without_a_moderator_of_the_territory_the_administrators_are_told(buyer, buyer_need, offer):
    admin = factories.AdminFactory()
    match = match_review.request_introduction(buyer, offer, buyer_need)
    assert [n.user_id for n in notifications("match_requested")] == [admin.id]
    assert match.id is not None


def test_without_a_search_index_the_request_scores_zero(buyer, buyer_need, offer, monkeypatch):
    from marketplace.services import matching

    monkeypatch.setattr(matching, "context", lambda: None)
    match = match_review.request_introduction(buyer, offer, buyer_need)
    assert match.score == 0 and match.reasons == []


def test_a_request_is_scored_by_the_engine(buyer, buyer_need, offer, monkeypatch):
    from marketplace.matching.scoring import Judgement
    from marketplace.services import matching

    seen = []

    def judge(a, b, ctx):
        seen.append({a.id, b.id})
        return Judgement(0.66, [{"code": "same_category"}])

    class FakeContext:
        def facts(self, row):
            return type("Facts", (), {"id": row["id"]})()

    monkeypatch.setattr(matching, "context", lambda: FakeContext())
    monkeypatch.setattr(matching, "judge_pair", judge)
    match = match_review.request_introduction(buyer, offer, buyer_need)
    assert seen == [{offer.id, buyer_need.id}]
    assert match.score == pytest.approx(0.66) and match.reasons == [{"code": "same_category"}]


def test_a_scoring_failure_does_not_stop_the_request(buyer, buyer_need, offer, monkeypatch):
    from marketplace.services import matching

    def broken():
        raise RuntimeError("index on fire")

    monkeypatch.setattr(matching, "context", broken)
    match = match_review.request_introduction(buyer, offer, buyer_need)
    assert match.score == 0


def test_a_request_on_a_suggested_pair_marks_it_requested(buyer, buyer_need, offer):
    suggested = factories.MatchFactory(offer=offer, need=buyer_need, score=0.77)
    match = match_review.request_introduction(buyer, offer, buyer_need)
    assert match is suggested
    assert match.origin is MatchOrigin.REQUESTED and match.score == pytest.approx(0.77)
    assert match.requested_by == buyer
    assert db.session.scalar(sa.select(sa.func.count(Match.id))) == 1


def test_asking_twice_is_refused_with_a_clear_message(buyer, buyer_need, offer):
    match_review.request_introduction(buyer, offer, buyer_need)
    with pytest.raises(IntroductionRefused, match="already been asked for"):
        match_review.request_introduction(buyer, offer, buyer_need)
    seller = factories.MemberFactory(company=offer.company)
    with pytest.raises(IntroductionRefused, match="other company has already asked"):
        match_review.request_introduction(seller, buyer_need, offer)


@pytest.mark.parametrize("status, message", [(MatchStatus.APPROVED, "already proposed this introduction"),
                                             (MatchStatus.INTRODUCED, "already proposed this introduction"),
                                             (MatchStatus.REJECTED, "did not propose the introduction"),
                                             (MatchStatus.CONCLUDED, "already been introduced"),
                                             (MatchStatus.REFUSED, "already been introduced")])
def test_a_pair_already_decided_cannot_be_asked_for_again(buyer, buyer_need, offer, status, message):
    decided = factories.MatchFactory(offer=offer, need=buyer_need, status=status)
    with pytest.raises(IntroductionRefused, match=message):
        match_review.request_introduction(buyer, offer, buyer_need)
    assert decided.status is status and decided.origin is MatchOrigin.SUGGESTED


def test_refused_requests(buyer, buyer_need, offer):
    own_offer = factories.PostFactory(company=buyer.company)
    other_need = factories.NeedFactory(company=company_in(AJACCIO))
    pending_need = factories.PendingPostFactory(company=buyer.company, kind=PostKind.NEED)
    closed_offer = factories.PostFactory(company=company_in(MARSEILLE), status=PostStatus.CLOSED)
    another_offer = factories.PostFactory(company=company_in(MARSEILLE))
    cases = [
        (buyer, own_offer, buyer_need, IntroductionRefused, "your own company"),
        (buyer, closed_offer, buyer_need, IntroductionRefused, "no longer published"),
        (buyer, offer, own_offer, IntroductionRefused, "one of your needs to answer an offer"),
        (buyer, offer, other_need, Forbidden, "your company's posts"),
        (buyer, offer, pending_need, IntroductionRefused, "is not published"),
        (factories.PendingMemberFactory(company=buyer.company), offer, buyer_need, Forbidden, "active members"),
        (factories.ModeratorFactory(departements=["69"]), offer, buyer_need, Forbidden, "CCI staff"),
        (factories.AdminFactory(), another_offer, buyer_need, Forbidden, "CCI staff"),
    ]
    for user, target, own, error, message in cases:
        with pytest.raises(error, match=message):
            match_review.request_introduction(user, target, own)
    assert db.session.scalar(sa.select(sa.func.count(Match.id))) == 0
    assert notifications() == []


def test_the_company_posts_that_can_answer_a_post(buyer, buyer_need, offer):
    older = factories.NeedFactory(company=buyer.company, published_at=utcnow().replace(year=2024))
    factories.PostFactory(company=buyer.company)  # an offer: not an answer to an offer
    factories.PendingPostFactory(company=buyer.company, kind=PostKind.NEED)  # not published
    assert match_review.own_counterparts(buyer, offer) == [buyer_need, older]
    assert match_review.own_counterparts(factories.ModeratorFactory(), offer) == []
    assert factories.ModeratorFactory().role is Role.MODERATOR
