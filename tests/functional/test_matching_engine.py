"""The matching engine end to end: published posts, the index drain, stored suggestions, the commands."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Match, MatchOrigin, MatchStatus, PostStatus
from marketplace.models.match_facts import MatchFacts
from marketplace.search import changes, service
from marketplace.services import matching
from tests import factories

WAREHOUSE = dict(category="storage", title="Entrepôt sec de 300 m² à louer",
                 description="Entrepôt sec et sécurisé, 60 emplacements palettes, quai de chargement poids lourds.",
                 quantity=60.0, unit="palettes")
WAREHOUSE_NEED = dict(category="storage", title="Cherche entrepôt sec pour 40 palettes",
                      description="Nous cherchons un entrepôt sec pour stocker 40 palettes pendant nos travaux.",
                      quantity=40.0, unit="palettes", radius_km=30)
TRANSLATION = dict(category="services", title="Traduction de notre catalogue en chinois",
                   description="Traduire 8 000 mots en chinois mandarin, relecture par un natif.", quantity=None,
                   unit=None, radius_km=30)


def drain_and_match() -> changes.DrainResult:
    """Commit, drain the index as a request's end does, then compute the suggestions of what it indexed."""
    db.session.commit()
    changes.take_pending()
    result = service.drain_now()
    matching.on_posts_indexed(result.indexed, [])
    db.session.commit()
    return result


def stored() -> list[Match]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Match).order_by(Match.id)))


@pytest.fixture(autouse=True)
def built_index(app, search_index):
    """An (empty) index before the test: the posts then reach it through the drain, as in production."""
    service.reindex()
    return search_index


@pytest.fixture
def warehouse(db):
    return factories.PostFactory(**WAREHOUSE)


def test_a_published_need_gets_its_suggestion_after_the_drain(warehouse):
    drain_and_match()
    need = factories.NeedFactory(**WAREHOUSE_NEED)
    factories.NeedFactory(**TRANSLATION)  # nothing offered fits it
    drain_and_match()
    [match] = stored()
    assert (match.offer_id, match.need_id) == (warehouse.id, need.id)
    assert match.origin is MatchOrigin.SUGGESTED and match.status is MatchStatus.PROPOSED
    assert match.score >= matching.min_score()
    codes = [reason["code"] for reason in match.reasons]
    assert codes[:2] == ["same_category", "distance"] and "quantity" in codes


def test_suggestions_for_a_post_best_first(warehouse):
    near_need = factories.NeedFactory(**WAREHOUSE_NEED)
    vague_need = factories.NeedFactory(**{**WAREHOUSE_NEED, "title": "Cherche un peu de place",
                                          "description": "Besoin de place pour quelques palettes."})
    drain_and_match()
    found = matching.suggestions_for(warehouse)
    assert found and found[0].post_id == near_need.id
    assert all(a.score >= b.score for a, b in zip(found, found[1:]))
    assert vague_need.id not in [s.post_id for s in found[:1]]


def test_two_posts_of_one_company_never_match(warehouse):
    factories.NeedFactory(company=warehouse.company, **WAREHOUSE_NEED)
    drain_and_match()
    assert stored() == []
    assert matching.suggestions_for(warehouse) == []


def test_a_closed_post_loses_its_proposed_matches_but_not_the_approved_ones(warehouse):
    need = factories.NeedFactory(**WAREHOUSE_NEED)
    other_need = factories.NeedFactory(**{**WAREHOUSE_NEED, "title": "Entrepôt sec pour 50 palettes"})
    drain_and_match()
    assert len(stored()) == 2
    approved = db.session.scalar(sa.select(Match).where(Match.need_id == other_need.id))
    approved.status = MatchStatus.APPROVED
    warehouse.status = PostStatus.CLOSED
    db.session.commit()
    changes.take_pending()
    service.drain_now()
    matching.on_posts_indexed([], [warehouse.id])
    db.session.commit()
    [kept] = stored()
    assert kept.need_id == other_need.id and kept.status is MatchStatus.APPROVED
    assert matching.suggestions_for(need) == []


def test_a_refresh_keeps_requested_matches_and_drops_stale_proposals(warehouse):
    need = factories.NeedFactory(**WAREHOUSE_NEED)
    unrelated = factories.NeedFactory(**TRANSLATION)
    drain_and_match()
    db.session.add(Match(offer_id=warehouse.id, need_id=unrelated.id, score=0.9, reasons=[],
                         origin=MatchOrigin.SUGGESTED, status=MatchStatus.PROPOSED))
    requested = factories.NeedFactory(**{**TRANSLATION, "title": "Traduction en japonais"})
    db.session.add(Match(offer_id=warehouse.id, need_id=requested.id, score=0.1, reasons=[],
                         origin=MatchOrigin.REQUESTED, status=MatchStatus.PROPOSED))
    db.session.commit()
    result = matching.refresh_post(warehouse.id)
    db.session.commit()
    assert result.removed == 1
    assert {(m.need_id, m.origin) for m in stored()} == {(need.id, MatchOrigin.SUGGESTED),
                                                         (requested.id, MatchOrigin.REQUESTED)}


def test_rebuild_recomputes_everything(warehouse, runner):
    need = factories.NeedFactory(**WAREHOUSE_NEED)
    drain_and_match()
    db.session.execute(sa.delete(Match))  # suggestions lost (say, computed by an older version)
    db.session.execute(sa.delete(MatchFacts))
    db.session.commit()
    assert stored() == []
    result = runner.invoke(args=["matching", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output
    [match] = stored()
    assert (match.offer_id, match.need_id) == (warehouse.id, need.id)
    assert {f.post_id for f in db.session.scalars(sa.select(MatchFacts))} == {warehouse.id, need.id}
    again = matching.rebuild_all()
    assert (again.added, again.removed) == (0, 0)


def test_export_matches_json_and_csv(warehouse, runner, tmp_path):
    warehouse.external_ref = "o1"
    need = factories.NeedFactory(external_ref="n1", **WAREHOUSE_NEED)
    lonely = factories.NeedFactory(**TRANSLATION)
    drain_and_match()
    result = runner.invoke(args=["export-matches"])
    assert result.exit_code == 0, result.output
    rows = {row["post"]: row for row in json.loads(result.output)}
    assert rows["n1"]["kind"] == "need"
    [suggestion] = rows["n1"]["suggestions"]
    assert suggestion["post"] == "o1" and 0 < suggestion["score"] <= 1
    assert suggestion["reasons"][0]["code"] == "same_category" and suggestion["reasons"][0]["label"]
    assert rows["o1"]["suggestions"][0]["post"] == "n1"
    assert rows[lonely.id] == {"post": lonely.id, "kind": "need", "suggestions": []}
    output = tmp_path / "matches.csv"
    result = runner.invoke(args=["export-matches", "--format", "csv", "--output", str(output)])
    assert result.exit_code == 0, result.output
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "post,kind,rank,suggestion,score,reasons"
    assert any(line.startswith("n1,need,1,o1,") for line in lines)
    assert need.id  # the need itself is exported by its reference


def test_without_an_index_nothing_is_suggested_and_nothing_fails(warehouse, app, tmp_path, monkeypatch):
    factories.NeedFactory(**WAREHOUSE_NEED)
    db.session.commit()
    monkeypatch.setitem(app.config, "SEARCH_INDEX_PATH", str(tmp_path / "nowhere"))
    monkeypatch.setitem(app.config, "SEARCH_AUTO_REBUILD", False)
    assert matching.suggestions_for(warehouse) == []
    matching.on_posts_indexed([warehouse.id], [])
    assert stored() == []


def facts_rows() -> dict[int, MatchFacts]:
    db.session.expire_all()
    return {row.post_id: row for row in db.session.scalars(sa.select(MatchFacts))}


def test_the_drain_stores_what_each_post_says_and_an_edit_refreshes_it(warehouse):
    need = factories.NeedFactory(**WAREHOUSE_NEED)
    drain_and_match()
    rows = facts_rows()
    assert set(rows) == {warehouse.id, need.id}
    assert rows[need.id].post_updated_at == need.updated_at
    assert rows[need.id].version == matching._groups_state()[1]
    before = rows[need.id].data
    need.title = "Cherche entrepôt frigorifique pour 40 palettes"
    drain_and_match()
    after = facts_rows()[need.id]
    assert after.post_updated_at == need.updated_at and after.data != before


def test_stale_or_missing_facts_are_read_again_and_give_the_same_suggestions(warehouse):
    need = factories.NeedFactory(**WAREHOUSE_NEED)
    drain_and_match()
    expected = matching.suggestions_for(need)
    assert expected
    db.session.execute(sa.update(MatchFacts).where(MatchFacts.post_id == warehouse.id).values(version="old"))
    db.session.execute(sa.delete(MatchFacts).where(MatchFacts.post_id == need.id))
    db.session.commit()
    matching.clear_caches()
    assert matching.suggestions_for(need) == expected
    db.session.commit()
    rows = facts_rows()
    assert set(rows) == {warehouse.id, need.id}
    assert rows[warehouse.id].version != "old"


def test_refresh_facts_stores_only_what_is_missing_or_stale(warehouse):
    need = factories.NeedFactory(**WAREHOUSE_NEED)
    db.session.commit()
    assert set(matching.stale_facts_ids()) == {warehouse.id, need.id}
    assert matching.refresh_facts() == 2
    db.session.commit()
    assert matching.stale_facts_ids() == []
    assert matching.refresh_facts() == 0
    warehouse.description = "Entrepôt sec, 60 emplacements palettes."
    db.session.commit()
    assert matching.stale_facts_ids() == [warehouse.id]
