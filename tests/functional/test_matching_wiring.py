"""Suggestions follow the index: the drain that applies a post's change recomputes its matches, after the commit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Match, MatchStatus, PostStatus
from marketplace.search import changes, service
from tests import factories
from tests.conftest import log_in

OFFER = dict(category="storage", title="Entrepôt sec de 300 m² à louer",
             description="Entrepôt sec et sécurisé, 60 emplacements palettes, quai de chargement poids lourds.",
             quantity=60.0, unit="palettes")
NEED = dict(category="storage", title="Cherche entrepôt sec pour 40 palettes",
            description="Nous cherchons un entrepôt sec pour stocker 40 palettes pendant nos travaux.",
            quantity=40.0, unit="palettes", radius_km=30)


def commit_and_drain() -> changes.DrainResult:
    db.session.commit()
    changes.take_pending()
    return service.drain_now()


def matches() -> list[Match]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Match).order_by(Match.id)))


@pytest.fixture(autouse=True)
def built_index(app, search_index):
    service.reindex()
    return search_index


def test_the_drain_suggests_the_new_need_s_counterpart(db):
    offer = factories.PostFactory(**OFFER)
    commit_and_drain()
    assert matches() == []
    need = factories.NeedFactory(**NEED)
    commit_and_drain()
    [match] = matches()
    assert (match.offer_id, match.need_id, match.status) == (offer.id, need.id, MatchStatus.PROPOSED)


def test_a_closed_post_loses_its_proposed_matches_but_not_the_approved_ones(db):
    offer = factories.PostFactory(**OFFER)
    factories.NeedFactory(**NEED)
    other_need = factories.NeedFactory(**{**NEED, "title": "Cherche entrepôt sec pour 30 palettes"})
    commit_and_drain()
    assert len(matches()) == 2
    kept = next(m for m in matches() if m.need_id == other_need.id)
    kept.status = MatchStatus.APPROVED
    offer.status = PostStatus.CLOSED
    commit_and_drain()
    assert [(m.id, m.status) for m in matches()] == [(kept.id, MatchStatus.APPROVED)]


def test_an_edit_that_no_longer_fits_removes_the_suggestion(db):
    factories.PostFactory(**OFFER)
    need = factories.NeedFactory(**NEED)
    commit_and_drain()
    assert len(matches()) == 1
    need.title, need.description = "Traduction de notre catalogue en chinois", "Traduire 8 000 mots en mandarin."
    need.category = "services"
    commit_and_drain()
    assert matches() == []


def test_a_moderator_s_approval_gives_the_suggestion_by_the_end_of_the_request(client, db):
    moderator = factories.ModeratorFactory(departements=["69"])
    offer = factories.PostFactory(**OFFER)
    need = factories.PendingPostFactory(kind="need", radius_km=30, **{k: v for k, v in NEED.items()
                                                                       if k != "radius_km"})
    commit_and_drain()
    assert matches() == []
    log_in(client, moderator.email)
    response = client.post(f"/moderation/posts/{need.id}/approve")
    assert response.status_code == 302
    [match] = matches()
    assert (match.offer_id, match.need_id) == (offer.id, need.id)
