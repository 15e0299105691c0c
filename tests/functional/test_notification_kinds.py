"""Every notification names its event, so that the moderators' record labels it."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Notification
from marketplace.services import moderation, notifications
from marketplace.services import posts as post_rules
from tests import factories


def kinds() -> list[str | None]:
    db.session.flush()
    return list(db.session.scalars(sa.select(Notification.kind).order_by(Notification.id)))


def test_post_and_company_notices_carry_their_kind(app, db):
    moderator = factories.ModeratorFactory(departements=["69"])
    member = factories.MemberFactory()
    post_rules.approve(moderator, factories.PendingPostFactory(company=member.company))
    post_rules.reject(moderator, factories.PendingPostFactory(company=member.company), "Doublon")
    moderation.suspend_company(moderator, member.company, "Annonces trompeuses")
    moderation.lift_suspension(moderator, member.company)
    assert kinds() == ["post_published", "post_rejected", "company_suspended", "company_suspension_lifted"]
    assert all(notifications.kind_label(kind) != kind for kind in kinds())
