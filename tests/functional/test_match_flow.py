"""The whole path of a match through the web pages: a need is published, the engine suggests an offer, a
moderator approves, both companies accept, their contact details appear, one reports the outcome and the posts'
quantities and statuses follow. Every forbidden step on the way changes nothing."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Match, MatchStatus, Post, PostStatus
from marketplace.search import changes, service
from tests import factories
from tests.conftest import log_in

OFFER = dict(category="storage", title="Entrepôt sec de 300 m² à louer",
             description="Entrepôt sec et sécurisé, 60 emplacements palettes, quai de chargement poids lourds.",
             quantity=60.0, unit="palettes")
NEED = dict(category="storage", title="Cherche entrepôt sec pour 40 palettes",
            description="Nous cherchons un entrepôt sec pour stocker 40 palettes pendant nos travaux.",
            quantity=40.0, unit="palettes", radius_km=30)
OFFER_PHONE, NEED_PHONE = "04 78 11 22 33", "04 72 99 88 77"


@pytest.fixture
def world(app, db, search_index):
    service.reindex()
    offerer = factories.MemberFactory(company__phone=OFFER_PHONE, company__legal_name="Logistique Offre SAS")
    seeker = factories.MemberFactory(company__phone=NEED_PHONE, company__legal_name="Atelier Besoin SARL")
    outsider = factories.MemberFactory(company__legal_name="Tierce Entreprise SA")
    moderator = factories.ModeratorFactory(departements=["69"])
    stranger = factories.ModeratorFactory(departements=["13"])
    offer = factories.PostFactory(company=offerer.company, **OFFER)
    need = factories.PendingPostFactory(company=seeker.company, kind="need", **{k: v for k, v in NEED.items()})
    db.session.commit()
    changes.take_pending()
    service.drain_now()
    return dict(offerer=offerer, seeker=seeker, outsider=outsider, moderator=moderator, stranger=stranger,
                offer_id=offer.id, need_id=need.id)


def as_user(client, user):
    client.post("/deconnexion")
    assert log_in(client, user.email).status_code == 302


def current(match_id: int) -> Match:
    db.session.expire_all()
    return db.session.get(Match, match_id)


def test_from_publication_to_outcome(client, world):
    # the moderator publishes the need: by the end of that request the engine has suggested the offer
    as_user(client, world["moderator"])
    assert client.post(f"/moderation/posts/{world['need_id']}/approve").status_code == 302
    match = db.session.scalar(sa.select(Match))
    assert (match.offer_id, match.need_id, match.status) == (world["offer_id"], world["need_id"],
                                                             MatchStatus.PROPOSED)
    match_id = match.id

    # a moderator of another territory sees no such match and cannot approve it
    as_user(client, world["stranger"])
    assert "Cherche entrepôt sec" not in client.get("/moderation/matches").get_data(as_text=True)
    assert client.post(f"/moderation/matches/{match_id}/approve").status_code in (403, 404)
    assert current(match_id).status is MatchStatus.PROPOSED

    # nor can a company approve its own match, nor see it before the approval
    as_user(client, world["seeker"])
    assert client.post(f"/moderation/matches/{match_id}/approve").status_code == 403
    assert client.get(f"/matches/{match_id}").status_code == 404

    # the moderator of the territory sees both posts side by side and approves
    as_user(client, world["moderator"])
    page = client.get("/moderation/matches").get_data(as_text=True)
    assert OFFER["title"] in page and NEED["title"] in page
    assert client.post(f"/moderation/matches/{match_id}/approve").status_code == 302
    assert current(match_id).status is MatchStatus.APPROVED

    # the seeker accepts; contact details are still hidden from both until the other accepts
    as_user(client, world["seeker"])
    page = client.get(f"/matches/{match_id}").get_data(as_text=True)
    assert OFFER_PHONE not in page
    assert client.post(f"/matches/{match_id}/answer", data={"decision": "accept"}).status_code == 302
    assert OFFER_PHONE not in client.get(f"/matches/{match_id}").get_data(as_text=True)
    assert current(match_id).status is MatchStatus.APPROVED

    # a third company can neither see nor answer (for the offer's side or any side)
    as_user(client, world["outsider"])
    assert client.get(f"/matches/{match_id}").status_code == 404
    assert client.post(f"/matches/{match_id}/answer", data={"decision": "accept"}).status_code in (403, 404)
    assert current(match_id).offer_answer is None

    # the offerer accepts: introduced, each sees the other's phone
    as_user(client, world["offerer"])
    assert client.post(f"/matches/{match_id}/answer", data={"decision": "accept"}).status_code == 302
    assert current(match_id).status is MatchStatus.INTRODUCED
    assert NEED_PHONE in client.get(f"/matches/{match_id}").get_data(as_text=True)
    as_user(client, world["seeker"])
    assert OFFER_PHONE in client.get(f"/matches/{match_id}").get_data(as_text=True)

    # a message, then the outcome: 40 pallets stored, the need is fulfilled, the offer has 20 left
    assert client.post(f"/matches/{match_id}/messages", data={"body": "Bonjour, quand pouvons-nous livrer ?"}
                       ).status_code == 302
    assert client.post(f"/matches/{match_id}/outcome", data={"outcome": "concluded", "quantity": "-4"}
                       ).status_code in (200, 302, 400)
    assert current(match_id).status is MatchStatus.INTRODUCED
    assert client.post(f"/matches/{match_id}/outcome", data={"outcome": "concluded", "quantity": "40"}
                       ).status_code == 302
    assert current(match_id).status is MatchStatus.CONCLUDED
    need, offer = db.session.get(Post, world["need_id"]), db.session.get(Post, world["offer_id"])
    assert (need.quantity, need.status) == (0, PostStatus.CLOSED)
    assert (offer.quantity, offer.status) == (20, PostStatus.PUBLISHED)

    # the owner's post page lists the match
    as_user(client, world["offerer"])
    assert f"/matches/{match_id}" in client.get(f"/posts/{world['offer_id']}").get_data(as_text=True)


@pytest.mark.parametrize("kind", ["need", "offer"])
def test_the_new_post_form_ticks_the_kind_asked_for(client, login, member, kind):
    login(member)
    page = client.get(f"/posts/new?kind={kind}").get_data(as_text=True)
    ticked = re.findall(r'<input checked[^>]*name="kind"[^>]*value="(\w+)"', page)
    assert ticked == [kind]


def test_an_unknown_kind_ticks_nothing(client, login, member):
    login(member)
    response = client.get("/posts/new?kind=<script>")
    assert response.status_code == 200
    assert re.findall(r'<input checked[^>]*name="kind"', response.get_data(as_text=True)) == []
