"""services.introductions: answering the introduction, contact details, messages, the outcome and its quantities,
the 14-day reminder; every refused step raises a clear domain error and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale

from marketplace import permissions
from marketplace.errors import Forbidden
from marketplace.extensions import db
from marketplace.models import (
    CloseReason,
    IntroductionAnswer,
    MatchMessage,
    MatchOutcome,
    MatchStatus,
    Notification,
    PostStatus,
)
from marketplace.models.types import utcnow
from marketplace.services import introductions as intro
from marketplace.services.introductions import InvalidIntroduction

from .. import factories


@pytest.fixture(autouse=True)
def english_messages(app):
    """The messages checked here are the English msgids, whatever the default language."""
    with force_locale("en"):
        yield


def approved_match(**overrides):
    overrides.setdefault("status", MatchStatus.APPROVED)
    return factories.MatchFactory(**overrides)


def member_of(post):
    return factories.MemberFactory(company=post.company)


def introduced_match(**overrides):
    match = approved_match(**overrides)
    offer_user, need_user = member_of(match.offer), member_of(match.need)
    intro.answer(offer_user, match, True)
    intro.answer(need_user, match, True)
    assert match.status is MatchStatus.INTRODUCED
    return match, offer_user, need_user


def kinds(user) -> list[str]:
    return [n.kind for n in db.session.scalars(db.select(Notification).where(Notification.user_id == user.id)
                                               .order_by(Notification.id))]


# --------------------------------------------------------------------------- answering


def test_both_accept_introduces_and_tells_both_companies():
    match = approved_match()
    offer_user, need_user = member_of(match.offer), member_of(match.need)
    intro.answer(offer_user, match, True)
    assert match.status is MatchStatus.APPROVED and match.offer_answer is IntroductionAnswer.ACCEPTED
    assert match.offer_answered_by_id == offer_user.id and match.offer_answered_at is not None
    assert intro.expected_action(match, "offer") == "wait" and intro.expected_action(match, "need") == "answer"
    assert not intro.contacts_visible(offer_user, match)
    intro.answer(need_user, match, True)
    assert match.status is MatchStatus.INTRODUCED and match.introduced_at is not None
    assert kinds(offer_user) == ["match_introduced"] and kinds(need_user) == ["match_introduced"]
    assert intro.contacts_visible(offer_user, match) and intro.contacts_visible(need_user, match)
    assert intro.contact_companies(offer_user, match) == [match.need.company]


def test_a_decline_refuses_and_tells_the_other_company():
    match = approved_match()
    offer_user, need_user = member_of(match.offer), member_of(match.need)
    intro.answer(offer_user, match, True)
    intro.answer(need_user, match, False)
    assert match.status is MatchStatus.REFUSED and match.introduced_at is None
    assert kinds(offer_user) == ["match_refused"] and kinds(need_user) == []
    assert not intro.contacts_visible(offer_user, match)
    with pytest.raises(InvalidIntroduction, match="declined"):
        intro.answer(offer_user, match, True)


def test_nobody_answers_for_another_company_nor_twice():
    match = approved_match()
    outsider = factories.MemberFactory()
    moderator = factories.ModeratorFactory(departements=["69"])
    pending = factories.PendingMemberFactory(company=match.offer.company)
    for user in (outsider, moderator, pending, factories.AdminFactory()):
        with pytest.raises(Forbidden):
            intro.answer(user, match, True)
    offer_user = member_of(match.offer)
    intro.answer(offer_user, match, False)
    with pytest.raises(InvalidIntroduction):
        intro.answer(member_of(match.offer), match, True)  # another member of the same company
    assert match.offer_answer is IntroductionAnswer.DECLINED and match.need_answer is None


@pytest.mark.parametrize("status, words", [(MatchStatus.PROPOSED, "not approved"),
                                           (MatchStatus.REJECTED, "did not retain")])
def test_only_an_approved_match_can_be_answered(status, words):
    match = factories.MatchFactory(status=status)
    with pytest.raises(InvalidIntroduction, match=words):
        intro.answer(member_of(match.offer), match, True)
    assert match.offer_answer is None and match.status is status


def test_permissions_of_a_match():
    match = approved_match()
    offer_user, outsider = member_of(match.offer), factories.MemberFactory()
    assert permissions.can_view_match(offer_user, match)
    assert permissions.can_answer_for_side(offer_user, match, "offer")
    assert not permissions.can_answer_for_side(offer_user, match, "need")
    assert not permissions.can_view_match(outsider, match)
    assert permissions.can_view_match(factories.ModeratorFactory(departements=["69"]), match)
    assert not permissions.can_view_match(factories.ModeratorFactory(departements=["13"]), match)
    match.status = MatchStatus.PROPOSED
    assert not permissions.can_view_match(offer_user, match)


def test_staff_of_the_territory_see_contacts_members_only_once_introduced():
    match = approved_match()
    moderator = factories.ModeratorFactory(departements=["69"])
    assert set(intro.contact_companies(moderator, match)) == {match.offer.company, match.need.company}
    assert intro.contact_companies(factories.ModeratorFactory(departements=["13"]), match) == []
    assert intro.contact_companies(factories.MemberFactory(), match) == []


# --------------------------------------------------------------------------- messages


def test_messages_only_once_introduced_and_between_the_two_companies():
    match = approved_match()
    offer_user, need_user = member_of(match.offer), member_of(match.need)
    with pytest.raises(InvalidIntroduction, match="accepted the introduction"):
        intro.post_message(offer_user, match, "Bonjour")
    intro.answer(offer_user, match, True)
    intro.answer(need_user, match, True)
    message = intro.post_message(offer_user, match, "  Bonjour,\r\nquand passez-vous ?  ")
    assert message.body == "Bonjour,\nquand passez-vous ?" and message.company_id == match.offer.company_id
    assert kinds(need_user)[-1] == "match_message"
    for user in (factories.MemberFactory(), factories.ModeratorFactory(departements=["69"])):
        with pytest.raises(Forbidden):
            intro.post_message(user, match, "Bonjour")
    for body, words in [("   ", "Write a message"), ("x" * 2001, "2000 characters at most"),
                        ("a\x00b", "control characters"), (None, "Write a message")]:
        with pytest.raises(InvalidIntroduction, match=words):
            intro.post_message(need_user, match, body)
    assert intro.post_message(need_user, match, "y" * 2000).body == "y" * 2000
    assert db.session.scalar(db.select(db.func.count(MatchMessage.id))) == 2


def test_thread_closes_when_the_match_ends_without_exchange():
    match, offer_user, need_user = introduced_match()
    intro.report_outcome(offer_user, match, "declined", reason="Trop loin finalement")
    with pytest.raises(InvalidIntroduction, match="thread is closed"):
        intro.post_message(need_user, match, "Dommage")


# --------------------------------------------------------------------------- outcome


def test_concluded_takes_the_quantity_off_both_posts():
    match, offer_user, need_user = introduced_match()  # offer 200 m², need 200 m²
    match.need.quantity = 150.0
    record = intro.report_outcome(need_user, match, "concluded", quantity=100)
    assert record.quantity == 100 and match.status is MatchStatus.CONCLUDED and match.closed_at is not None
    assert (match.offer.quantity, match.offer.exchanged_quantity) == (100.0, 100.0)
    assert (match.need.quantity, match.need.exchanged_quantity) == (50.0, 100.0)
    assert match.offer.status is PostStatus.PUBLISHED and match.need.status is PostStatus.PUBLISHED
    assert kinds(offer_user)[-1] == "outcome_reported"
    # the other company's report is recorded, nothing is subtracted again (even above what is left now)
    intro.report_outcome(offer_user, match, "concluded", quantity=120)
    assert (match.offer.quantity, match.need.quantity) == (100.0, 50.0)
    assert len(match.outcomes) == 2 and match.status is MatchStatus.CONCLUDED
    with pytest.raises(InvalidIntroduction, match="already reported"):
        intro.report_outcome(offer_user, match, "declined", reason="x")


def test_a_post_with_nothing_left_closes_as_fulfilled():
    match, offer_user, need_user = introduced_match()
    match.need.quantity = 200.0
    intro.report_outcome(offer_user, match, "concluded", quantity=200)
    for post in (match.offer, match.need):
        assert post.quantity == 0 and post.status is PostStatus.CLOSED
        assert post.close_reason is CloseReason.FULFILLED and post.closed_at is not None


@pytest.mark.parametrize("quantity, words", [(None, "Enter the quantity exchanged, in m²"),
                                             (0, "greater than zero"), (-3, "greater than zero"),
                                             (float("nan"), "greater than zero"), (float("inf"), "greater than zero"),
                                             (201, "Only 200 m² remain"), (2e9, "greater than zero")])
def test_bad_quantities_change_nothing(quantity, words):
    match, offer_user, _ = introduced_match()
    with pytest.raises(InvalidIntroduction, match=words) as caught:
        intro.report_outcome(offer_user, match, "concluded", quantity=quantity)
    assert caught.value.field == "quantity"
    assert match.status is MatchStatus.INTRODUCED and match.outcomes == [] and match.offer.quantity == 200


def test_the_smaller_remaining_quantity_bounds_the_exchange():
    match, offer_user, _ = introduced_match()
    match.need.quantity = 80.0
    with pytest.raises(InvalidIntroduction, match="Only 80 m² remain"):
        intro.report_outcome(offer_user, match, "concluded", quantity=100)


def test_declined_needs_a_reason_then_a_concluded_report_still_concludes():
    match, offer_user, need_user = introduced_match()
    for reason in (None, "   "):
        with pytest.raises(InvalidIntroduction, match="Say why") as caught:
            intro.report_outcome(offer_user, match, "declined", reason=reason)
        assert caught.value.field == "reason"
    with pytest.raises(InvalidIntroduction, match="Say whether"):
        intro.report_outcome(offer_user, match, "maybe")
    intro.report_outcome(offer_user, match, "declined", reason=" Le client a trouvé ailleurs ")
    assert match.status is MatchStatus.DECLINED and match.closed_at is not None
    assert match.outcomes[0].reason == "Le client a trouvé ailleurs" and match.outcomes[0].quantity is None
    closed_at = match.closed_at
    intro.report_outcome(need_user, match, "concluded", quantity=50)
    assert match.status is MatchStatus.CONCLUDED and match.closed_at == closed_at
    assert match.offer.quantity == 150 and match.need.quantity == 150


def test_declined_after_concluded_keeps_concluded():
    match, offer_user, need_user = introduced_match()
    intro.report_outcome(offer_user, match, "concluded", quantity=10)
    intro.report_outcome(need_user, match, "declined", reason="Pas d'accord sur la quantité")
    assert match.status is MatchStatus.CONCLUDED


def test_outcome_only_once_introduced_and_by_the_two_companies():
    match = approved_match()
    offer_user = member_of(match.offer)
    with pytest.raises(InvalidIntroduction, match="accepted the introduction"):
        intro.report_outcome(offer_user, match, "concluded", quantity=1)
    match, offer_user, _ = introduced_match()
    for user in (factories.MemberFactory(), factories.ModeratorFactory(departements=["69"])):
        with pytest.raises(Forbidden):
            intro.report_outcome(user, match, "declined", reason="x")
    assert match.outcomes == []


def test_units_that_convert_are_converted():
    match, offer_user, need_user = introduced_match()
    match.offer.quantity, match.offer.unit = 2.0, "tonnes"
    match.need.quantity, match.need.unit = 1500.0, "kg"
    plan = intro.quantity_plan(match, "need")
    assert plan.primary is match.need and plan.factor == pytest.approx(0.001) and not plan.asks_second
    with pytest.raises(InvalidIntroduction, match="kg remain"):
        intro.report_outcome(offer_user, match, "concluded", quantity=1.6)  # 1,600 kg: more than the need's 1,500 kg
    intro.report_outcome(need_user, match, "concluded", quantity=1500)
    assert match.need.quantity == 0 and match.need.status is PostStatus.CLOSED
    assert match.offer.quantity == pytest.approx(0.5) and match.offer.exchanged_quantity == pytest.approx(1.5)


def test_units_that_do_not_convert_ask_for_the_other_posts_quantity():
    match, offer_user, _ = introduced_match()
    match.offer.quantity, match.offer.unit = 10.0, "palettes"
    match.need.quantity, match.need.unit = 400.0, "m²"
    plan = intro.quantity_plan(match, "offer")
    assert plan.asks_second and plan.secondary is match.need
    with pytest.raises(InvalidIntroduction, match="in m²") as caught:
        intro.report_outcome(offer_user, match, "concluded", quantity=4)
    assert caught.value.field == "second_quantity" and match.offer.quantity == 10
    with pytest.raises(InvalidIntroduction, match="Only 400 m² remain"):
        intro.report_outcome(offer_user, match, "concluded", quantity=4, second_quantity=401)
    intro.report_outcome(offer_user, match, "concluded", quantity=4, second_quantity=100)
    assert (match.offer.quantity, match.need.quantity) == (6.0, 300.0)


def test_without_quantities_the_quantity_is_optional():
    match, offer_user, _ = introduced_match()
    match.offer.quantity = match.need.quantity = None
    intro.report_outcome(offer_user, match, "concluded")
    assert match.status is MatchStatus.CONCLUDED and match.offer.status is PostStatus.PUBLISHED
    assert match.offer.exchanged_quantity is None


def test_only_the_other_post_has_a_quantity():
    match, offer_user, _ = introduced_match()
    match.offer.quantity, match.offer.unit = None, None
    plan = intro.quantity_plan(match, "offer")
    assert plan.primary is match.need and plan.required
    intro.report_outcome(offer_user, match, "concluded", quantity=200)
    assert match.need.status is PostStatus.CLOSED and match.offer.status is PostStatus.PUBLISHED


def test_a_post_closed_by_hand_is_left_alone():
    match, offer_user, _ = introduced_match()
    match.offer.status, match.offer.close_reason = PostStatus.CLOSED, CloseReason.FULFILLED
    match.offer.exchanged_quantity = 200.0
    intro.report_outcome(offer_user, match, "concluded", quantity=500 - 350)  # no bound from the closed post
    assert match.offer.quantity == 200 and match.offer.exchanged_quantity == 200
    assert match.need.quantity == 50


@pytest.mark.parametrize("a, b, factor", [("m²", "m2", 1.0), ("t", "kg", 1000.0), ("kg", "tonnes", 0.001),
                                          (None, None, 1.0), ("Palettes", "palettes", 1.0),
                                          ("m²", "kg", None), ("jours", "heures", None), ("kg", None, None),
                                          ("t par semaine", "t", None)])
def test_unit_factor(a, b, factor):
    result = intro.unit_factor(a, b)
    assert result == (pytest.approx(factor) if factor is not None else None)


# --------------------------------------------------------------------------- reminder and listings


def test_reminder_after_14_days_once_and_only_without_outcome(outbox):
    now = utcnow()
    match, offer_user, need_user = introduced_match()
    match.introduced_at = now - timedelta(days=13, hours=23)
    done, a, _ = introduced_match()
    done.introduced_at = now - timedelta(days=30)
    intro.report_outcome(a, done, "declined", reason="x")
    assert intro.remind_outcomes(now) == 0
    match.introduced_at = now - timedelta(days=14)
    assert intro.remind_outcomes(now) == 1
    assert match.outcome_reminder_sent_at == now
    assert kinds(offer_user)[-1] == "match_outcome_reminder" and kinds(need_user)[-1] == "match_outcome_reminder"
    assert intro.remind_outcomes(now + timedelta(days=1)) == 0


def test_my_matches_from_approval_on_newest_first():
    company = factories.CompanyFactory()
    mine = factories.PostFactory(company=company)
    statuses = [MatchStatus.PROPOSED, MatchStatus.REJECTED, MatchStatus.APPROVED, MatchStatus.INTRODUCED,
                MatchStatus.REFUSED, MatchStatus.CONCLUDED]
    made = []
    for number, status in enumerate(statuses):
        made.append(factories.MatchFactory(offer=mine, status=status,
                                           decided_at=utcnow() - timedelta(days=10 - number),
                                           introduced_at=utcnow() if status is MatchStatus.INTRODUCED else None))
    other = factories.MatchFactory(status=MatchStatus.APPROVED)  # another company's
    count, items = intro.my_matches(company)
    assert db.session.scalar(count) == 4
    assert list(db.session.scalars(items).unique()) == made[:1:-1]
    assert other not in intro.post_matches(mine) and len(intro.post_matches(mine)) == 4
    assert intro.post_match_rows(factories.MemberFactory(), mine) == []
    rows = intro.post_match_rows(factories.MemberFactory(company=company), mine)
    assert [row["expected"] for row in rows] == [None, None, "report", "answer"]


def test_outcome_records_are_unique_per_company(db):
    match, offer_user, _ = introduced_match()
    intro.report_outcome(offer_user, match, "concluded", quantity=5)
    assert db.session.scalar(db.select(db.func.count(MatchOutcome.id))) == 1
