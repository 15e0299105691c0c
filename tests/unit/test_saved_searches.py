"""Saved searches (services.saved_searches): keeping them, recording the new posts they find, the instant mails
and the daily digests (one mail per person, never one per post), one-click unsubscribe tokens.

Most tests replace ``marketplace.search.matching_post_ids`` by a small matcher (words of the title, category)
so that they do not depend on the index; the tests at the end use the real search."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

import marketplace.search
from marketplace.errors import DomainError, Forbidden, NotFound
from marketplace.extensions import db
from marketplace.models import AlertFrequency, Category, Post, PostStatus, SavedSearch, SavedSearchHit
from marketplace.models.types import utcnow
from marketplace.search import changes as search_changes
from marketplace.search.params import SearchParams
from marketplace.services import saved_searches, tokens
from marketplace.services.saved_searches import InvalidSavedSearch

from .. import factories


@pytest.fixture(autouse=True)
def english(app, db):
    """Messages compared with their msgids (the mails keep the recipient's language)."""
    with force_locale("en"):
        yield


def search(**args) -> SearchParams:
    return SearchParams.from_args(args).params


class FakeMatcher:
    """Finds the posts whose title holds every word of q (and of the category, when filtered)."""

    def __init__(self):
        self.calls: list[tuple[SearchParams, list[int], object]] = []

    def __call__(self, params, post_ids, user=None):
        ids = list(post_ids)
        self.calls.append((params, ids, user))
        found = db.session.scalars(sa.select(Post).where(Post.id.in_(ids))).all()
        words = params.q.lower().split()
        return {post.id for post in found
                if all(word in post.title.lower() for word in words)
                and (params.category is None or post.category == params.category)}


@pytest.fixture
def matcher(monkeypatch):
    fake = FakeMatcher()
    monkeypatch.setattr(marketplace.search, "matching_post_ids", fake, raising=False)
    return fake


def saved_for(user, q="entrepôt", frequency="instant", **filters) -> SavedSearch:
    saved = saved_searches.save_search(user, "", search(q=q, **filters), frequency)
    saved.created_at = utcnow() - timedelta(minutes=5)  # the posts of the test come after it
    db.session.flush()
    return saved


def hits_of(saved) -> list[SavedSearchHit]:
    return list(db.session.scalars(sa.select(SavedSearchHit).where(SavedSearchHit.saved_search_id == saved.id)
                                   .order_by(SavedSearchHit.post_id)))


def commit() -> None:
    db.session.commit()  # the alert mails leave after the commit, as in production


@pytest.fixture(autouse=True)
def no_drain_at_teardown(db):
    """The posts these tests commit would be drained into the index when the test's app context ends: these
    tests call the drain themselves (``indexed``) or not at all."""
    yield
    search_changes.take_pending()


@pytest.fixture
def real_search(app, tmp_path, monkeypatch):
    """A fresh index of the test's own, built at once (no background thread)."""
    monkeypatch.setitem(app.config, "SEARCH_INDEX_PATH", str(tmp_path / "search-index"))
    monkeypatch.setitem(app.config, "SEARCH_AUTO_REBUILD", "sync")
    marketplace.search.reindex()


@pytest.fixture
def indexed(real_search):
    """``indexed(posts)``: commit them and drain the change log, as after a request (the drain calls
    ``on_posts_indexed`` with the posts it put in the index and commits)."""

    def index(posts) -> list[int]:
        db.session.commit()
        search_changes.take_pending()
        result = marketplace.search.drain_now()
        assert result.skipped is None, result
        assert {post.id for post in posts if post.status is PostStatus.PUBLISHED} <= set(result.indexed)
        return result.indexed

    return index


# --------------------------------------------------------------------------- saving


def test_a_member_saves_a_search_named_after_its_words_and_filters(member):
    params = search(q="entrepôt  lyon", category="storage", kind="offer", departement="69", free="1",
                    near="69007", km="20", sort="date")

    saved = saved_searches.save_search(member, "  ", params, "daily")

    assert saved.id and saved.user_id == member.id and saved.alerts_enabled
    assert saved.frequency is AlertFrequency.DAILY and saved.query == "entrepôt lyon"
    assert saved.filters == {"kind": "offer", "category": "storage", "departement": "69", "free": "1",
                             "near": "69007", "km": "20", "sort": "date"}
    assert saved.name.startswith("“entrepôt lyon”") and "(69)" in saved.name and "69007" in saved.name
    assert saved_searches.params_of(saved) == params.with_page(1)


def test_the_name_given_is_kept_trimmed_and_limited_to_120_characters(member):
    assert saved_searches.save_search(member, "  Mes   entrepôts ", search(q="entrepôt"), "instant").name \
        == "Mes entrepôts"
    with pytest.raises(InvalidSavedSearch) as error:
        saved_searches.save_search(member, "x" * 121, search(q="hangar"), "instant")
    assert error.value.field == "name" and "120" in str(error.value.message)
    assert saved_searches.save_search(member, "x" * 120, search(q="hangar"), "instant").name == "x" * 120


def test_a_long_default_name_is_shortened(member):
    saved = saved_searches.save_search(member, None, search(q="mot " * 100), "daily")
    assert len(saved.name) == 120 and saved.name.endswith("…")


@pytest.mark.parametrize("frequency", ["", "weekly", None, "INSTANT"])
def test_the_frequency_is_instant_or_daily(member, frequency):
    with pytest.raises(InvalidSavedSearch) as error:
        saved_searches.save_search(member, "", search(q="hangar"), frequency)
    assert error.value.field == "frequency"


def test_a_search_without_words_nor_filters_cannot_be_saved(member):
    with pytest.raises(InvalidSavedSearch, match="every post"):
        saved_searches.save_search(member, "Tout", search(sort="date"), "daily")
    assert saved_searches.save_search(member, "", search(category="storage"), "daily").name == "Storage"


def test_the_same_search_is_not_saved_twice(member):
    saved_searches.save_search(member, "Premier", search(q="hangar", category="storage"), "daily")
    with pytest.raises(InvalidSavedSearch, match="Premier"):
        saved_searches.save_search(member, "Second", search(q="hangar", category="storage"), "instant")
    saved_searches.save_search(member, "Autre", search(q="hangar"), "instant")  # other filters: another search


def test_a_person_keeps_at_most_20_saved_searches(member):
    for n in range(saved_searches.MAX_PER_USER):
        saved_searches.save_search(member, "", search(q=f"mot{n}"), "daily")
    with pytest.raises(DomainError) as error:
        saved_searches.save_search(member, "", search(q="un de trop"), "daily")
    assert "20" in str(error.value.message) and "Delete one" in str(error.value.message)
    saved_searches.save_search(factories.MemberFactory(company=member.company), "", search(q="un de trop"), "daily")


@pytest.mark.parametrize("make", [
    lambda: factories.PendingMemberFactory(),
    lambda: factories.UserFactory(),
    lambda: factories.ModeratorFactory(),
    lambda: factories.AdminFactory(),
], ids=["pending member", "no company", "moderator", "admin"])
def test_only_an_active_member_of_a_company_saves_searches(make):
    with pytest.raises(Forbidden, match="members of a company"):
        saved_searches.save_search(make(), "", search(q="hangar"), "daily")


def test_the_list_holds_only_my_searches_newest_first(member):
    first = saved_searches.save_search(member, "Un", search(q="un"), "daily")
    first.created_at = utcnow() - timedelta(days=1)
    second = saved_searches.save_search(member, "Deux", search(q="deux"), "daily")
    saved_searches.save_search(factories.MemberFactory(company=member.company), "Collègue", search(q="un"), "daily")

    assert saved_searches.list_searches(member) == [second, first]


def test_only_the_owner_reads_changes_or_deletes_a_saved_search(member):
    saved = saved_searches.save_search(member, "A moi", search(q="hangar"), "daily")
    colleague = factories.MemberFactory(company=member.company)

    with pytest.raises(Forbidden):
        saved_searches.get_search(colleague, saved.id)
    with pytest.raises(Forbidden):
        saved_searches.update_search(colleague, saved, "Volé", "instant", False)
    with pytest.raises(Forbidden):
        saved_searches.delete_search(colleague, saved)
    with pytest.raises(NotFound):
        saved_searches.get_search(member, saved.id + 1000)
    assert saved.name == "A moi" and saved.alerts_enabled

    saved_searches.update_search(member, saved, "", "instant", False)
    assert (saved.name, saved.frequency, saved.alerts_enabled) == ("“hangar”", AlertFrequency.INSTANT, False)
    saved_searches.delete_search(member, saved)
    assert saved_searches.list_searches(member) == []


# --------------------------------------------------------------------------- hits and instant alerts


def test_new_posts_are_recorded_once_and_mailed_in_one_instant_mail(member, matcher, outbox):
    warehouses = saved_for(member, q="entrepôt")
    cold = saved_for(member, q="chambre froide")
    posts = [factories.PostFactory(title=f"Entrepôt sec n°{n}") for n in range(3)]
    posts.append(factories.NeedFactory(title="Chambre froide pour 10 jours"))
    other = factories.PostFactory(title="Palettes gratuites")

    saved_searches.on_posts_indexed([post.id for post in [*posts, other]])
    commit()

    assert [hit.post_id for hit in hits_of(warehouses)] == [post.id for post in posts[:3]]
    assert [hit.post_id for hit in hits_of(cold)] == [posts[3].id]
    assert len(outbox) == 1
    body = outbox[0].body
    assert outbox[0].recipients == [member.email]
    assert all(post.title in body for post in posts) and other.title not in body
    assert body.index(warehouses.name) < body.index(posts[0].title) < body.index(cold.name) \
        < body.index(posts[3].title)  # grouped by saved search
    assert f"http://localhost/posts/{posts[0].id}" in body and posts[0].city in body
    assert all(hit.sent_at is not None for hit in hits_of(warehouses) + hits_of(cold))
    assert warehouses.last_sent_at is not None

    saved_searches.on_posts_indexed([post.id for post in posts])  # indexed again (an edit): nothing new
    commit()
    assert len(outbox) == 1 and len(hits_of(warehouses)) == 3


def test_one_mail_per_person_whatever_the_number_of_posts_and_searches(member, matcher, outbox):
    colleague = factories.MemberFactory(company=member.company)
    saved_for(member, q="entrepôt")
    saved_for(member, q="sec")
    saved_for(colleague, q="entrepôt")
    posts = [factories.PostFactory(title=f"Entrepôt sec n°{n}") for n in range(5)]

    saved_searches.on_posts_indexed([post.id for post in posts])
    commit()

    assert sorted(message.recipients[0] for message in outbox) == sorted([member.email, colleague.email])
    mine = next(message for message in outbox if message.recipients == [member.email])
    assert all(mine.body.count(post.title) == 1 for post in posts)  # a post found by two searches: listed once


def test_no_mail_when_nothing_new_matches(member, matcher, outbox):
    saved_for(member, q="entrepôt")
    post = factories.PostFactory(title="Palettes gratuites")

    saved_searches.on_posts_indexed([post.id])
    saved_searches.on_posts_indexed([])
    commit()

    assert outbox == [] and db.session.scalar(sa.select(sa.func.count(SavedSearchHit.id))) == 0


def test_the_posts_of_my_own_company_do_not_alert_me(member, matcher, outbox):
    saved = saved_for(member, q="entrepôt")
    own = factories.PostFactory(company=member.company, title="Entrepôt de ma société")
    theirs = factories.PostFactory(title="Entrepôt d'une autre société")

    saved_searches.on_posts_indexed([own.id, theirs.id])
    commit()

    assert [hit.post_id for hit in hits_of(saved)] == [theirs.id]
    assert own.title not in outbox[0].body and theirs.title in outbox[0].body
    assert all(own.id not in ids for _, ids, _ in matcher.calls)  # not even asked


def test_posts_published_before_the_search_was_saved_do_not_alert(member, matcher, outbox):
    saved = saved_for(member, q="entrepôt")
    old = factories.PostFactory(title="Entrepôt ancien", published_at=saved.created_at - timedelta(days=3))
    new = factories.PostFactory(title="Entrepôt récent")

    saved_searches.on_posts_indexed([old.id, new.id])

    assert [hit.post_id for hit in hits_of(saved)] == [new.id]


def test_searches_with_alerts_off_and_former_members_record_nothing(member, matcher, outbox):
    off = saved_for(member, q="entrepôt")
    off.alerts_enabled = False
    leaver = factories.MemberFactory()
    gone = saved_for(leaver, q="entrepôt")
    leaver.membership = None
    leaver.company = None
    post = factories.PostFactory(title="Entrepôt")

    saved_searches.on_posts_indexed([post.id])
    commit()

    assert hits_of(off) == [] and hits_of(gone) == [] and outbox == []


def test_a_hit_already_recorded_is_tolerated(member, matcher, outbox):
    saved = saved_for(member, q="entrepôt")
    posts = [factories.PostFactory(title="Entrepôt A"), factories.PostFactory(title="Entrepôt B")]
    db.session.add(SavedSearchHit(saved_search_id=saved.id, post_id=posts[0].id, sent_at=utcnow()))
    db.session.flush()

    saved_searches.on_posts_indexed([posts[0].id, posts[1].id, posts[1].id])
    commit()

    assert [hit.post_id for hit in hits_of(saved)] == [posts[0].id, posts[1].id]
    assert posts[1].title in outbox[0].body and posts[0].title not in outbox[0].body


def test_the_insert_skips_a_hit_recorded_meanwhile_by_another_process(member):
    saved = saved_for(member, q="entrepôt")
    post = factories.PostFactory(title="Entrepôt")
    row = {"saved_search_id": saved.id, "post_id": post.id, "created_at": utcnow()}

    saved_searches._insert_hits([row])
    saved_searches._insert_hits([row])  # no IntegrityError

    assert len(hits_of(saved)) == 1


def test_the_matcher_sees_the_saved_searchs_parameters_and_owner(member, matcher):
    saved = saved_for(member, q="entrepôt", category="storage", near="company", km="30")
    post = factories.PostFactory(title="Entrepôt")

    saved_searches.on_posts_indexed([post.id])

    params, ids, user = matcher.calls[0]
    assert params == saved_searches.params_of(saved) and params.near_company and params.within_km == 30
    assert ids == [post.id] and user == member


def test_the_same_search_saved_by_several_people_runs_once(member, matcher, outbox):
    others = [factories.MemberFactory() for _ in range(3)]
    for user in [member, *others]:
        saved_for(user, q="entrepôt", frequency="daily")
    post = factories.PostFactory(title="Entrepôt")

    saved_searches.on_posts_indexed([post.id])

    assert len(matcher.calls) == 1
    assert db.session.scalar(sa.select(sa.func.count(SavedSearchHit.id))) == 4


def test_a_digest_run_costs_a_few_queries_whatever_the_number_of_people(matcher, outbox, count_queries):
    people = [factories.MemberFactory() for _ in range(6)]
    for user in people:
        saved_for(user, q="entrepôt", frequency="daily")
    posts = [factories.PostFactory(title=f"Entrepôt {n}") for n in range(4)]
    saved_searches.on_posts_indexed([post.id for post in posts])
    db.session.expire_all()

    with count_queries() as queries:
        assert saved_searches.send_daily_digests() == 6
    assert len(queries) <= 10, queries


def test_indexing_never_raises_and_leaves_the_transaction_usable(member, matcher, outbox, monkeypatch, caplog):
    saved = saved_for(member, q="entrepôt")
    post = factories.PostFactory(title="Entrepôt")

    def broken(*args, **kwargs):
        raise RuntimeError("index closed")

    monkeypatch.setattr(marketplace.search, "matching_post_ids", broken)
    with caplog.at_level(logging.ERROR):
        saved_searches.on_posts_indexed([post.id])
        saved_searches.on_posts_indexed(["not a number"])
    assert "could not be run" in caplog.text and hits_of(saved) == []

    def failing_insert(rows):
        db.session.execute(sa.text("INSERT INTO saved_search_hit (id) VALUES (NULL, NULL)"))

    monkeypatch.setattr(marketplace.search, "matching_post_ids", matcher)
    monkeypatch.setattr(saved_searches, "_insert_hits", failing_insert)
    saved_searches.on_posts_indexed([post.id])  # the SQL fails inside: logged, rolled back to the savepoint
    post.title = "Entrepôt renommé"
    commit()  # the caller's own work still commits
    assert db.session.get(Post, post.id).title == "Entrepôt renommé" and outbox == []


def test_a_rolled_back_transaction_sends_no_alert(member, matcher, outbox):
    saved_for(member, q="entrepôt")
    post = factories.PostFactory(title="Entrepôt")
    commit()

    saved_searches.on_posts_indexed([post.id])
    db.session.rollback()

    assert outbox == []


def test_the_mail_is_in_the_recipients_language_and_has_a_list_unsubscribe_header(member, matcher, outbox):
    member.locale = "en"
    saved = saved_for(member, q="entrepôt")
    posts = [factories.PostFactory(title=f"Entrepôt {n}") for n in range(2)]

    saved_searches.on_posts_indexed([post.id for post in posts])
    commit()

    message = outbox[0]
    assert message.subject == "2 new posts match your saved searches"
    assert message.body.startswith(f"Hello {member.full_name},")
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<http://localhost/alerts/unsubscribe/") and header.endswith(">")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = header[1:-1].rsplit("/", 1)[1]
    assert saved_searches.unsubscribe_from_token(token) == [saved] and not saved.alerts_enabled


def test_an_instant_mail_lists_twenty_posts_per_search_and_links_to_the_rest(member, matcher, outbox):
    saved_for(member, q="entrepôt")
    posts = [factories.PostFactory(title=f"Entrepôt numéro {n:02d}") for n in range(23)]

    saved_searches.on_posts_indexed([post.id for post in posts])
    commit()

    body = outbox[0].body
    assert sum(post.title in body for post in posts) == 20
    assert "http://localhost/search?q=entrep%C3%B4t&sort=date" in body


# --------------------------------------------------------------------------- daily digests


def test_daily_searches_wait_for_the_digest_one_mail_per_person(member, matcher, outbox):
    colleague = factories.MemberFactory(company=member.company)
    mine = [saved_for(member, q="entrepôt", frequency="daily"), saved_for(member, q="chambre", frequency="daily")]
    theirs = saved_for(colleague, q="entrepôt", frequency="daily")
    posts = [factories.PostFactory(title=f"Entrepôt {n}") for n in range(3)]
    cold = factories.NeedFactory(title="Chambre froide")

    saved_searches.on_posts_indexed([post.id for post in [*posts, cold]])
    commit()
    assert outbox == [] and len(hits_of(mine[0])) == 3

    assert saved_searches.send_daily_digests() == 2
    commit()

    assert sorted(message.recipients[0] for message in outbox) == sorted([member.email, colleague.email])
    body = next(message.body for message in outbox if message.recipients == [member.email])
    assert all(post.title in body for post in [*posts, cold]) and body.index(mine[0].name) < body.index(mine[1].name)
    assert all(saved.last_sent_at is not None for saved in [*mine, theirs])

    assert saved_searches.send_daily_digests() == 0  # nothing new since
    commit()
    assert len(outbox) == 2


def test_a_digest_leaves_out_posts_no_longer_visible(member, matcher, outbox):
    saved = saved_for(member, q="entrepôt", frequency="daily")
    shown = factories.PostFactory(title="Entrepôt encore là")
    closed = factories.PostFactory(title="Entrepôt fermé")
    suspended = factories.PostFactory(title="Entrepôt suspendu")
    saved_searches.on_posts_indexed([shown.id, closed.id, suspended.id])
    closed.status = PostStatus.CLOSED
    suspended.company.suspended_at = utcnow()
    db.session.flush()

    assert saved_searches.send_daily_digests() == 1
    commit()

    body = outbox[0].body
    assert shown.title in body and closed.title not in body and suspended.title not in body
    assert all(hit.sent_at is not None for hit in hits_of(saved))  # dropped for good, not mailed later


def test_no_digest_when_every_new_post_is_gone_or_the_alerts_were_turned_off(member, matcher, outbox):
    saved = saved_for(member, q="entrepôt", frequency="daily")
    post = factories.PostFactory(title="Entrepôt")
    off = saved_for(member, q="hangar", frequency="daily")
    hangar = factories.PostFactory(title="Hangar")
    saved_searches.on_posts_indexed([post.id, hangar.id])
    post.status = PostStatus.EXPIRED
    off.alerts_enabled = False

    assert saved_searches.send_daily_digests() == 0
    commit()

    assert outbox == [] and all(hit.sent_at for hit in hits_of(saved) + hits_of(off))
    assert saved.last_sent_at is None


def test_the_digest_in_english(member, matcher, outbox):
    member.locale = "en"
    saved_for(member, q="entrepôt", frequency="daily")
    post = factories.PostFactory(title="Entrepôt")
    saved_searches.on_posts_indexed([post.id])

    saved_searches.send_daily_digests()
    commit()

    assert outbox[0].subject == "Your daily digest: 1 new post"
    assert "/alerts/unsubscribe/" in outbox[0].body and "List-Unsubscribe" in outbox[0].extra_headers


# --------------------------------------------------------------------------- unsubscribing


def test_an_unsubscribe_token_turns_the_alerts_off(member):
    saved = saved_for(member)
    other = saved_for(member, q="hangar")
    token = saved_searches.unsubscribe_token([saved])

    assert saved_searches.unsubscribe_from_token(token) == [saved]
    assert not saved.alerts_enabled and other.alerts_enabled
    assert saved_searches.unsubscribe_from_token(token) == [saved]  # a second click: same answer
    assert saved_searches.resubscribe_from_token(token) == [saved] and saved.alerts_enabled


@pytest.mark.parametrize("token", ["", "nonsense", "a.b.c", "other purpose"])
def test_a_bad_unsubscribe_token_is_refused_with_a_clear_message(token):
    if token == "other purpose":
        token = tokens.make_token("renew-post", {"post": 1})
    with pytest.raises(tokens.InvalidToken, match="invalid"):
        saved_searches.unsubscribe_from_token(token)


@pytest.mark.parametrize("payload", [{"searches": []}, {"searches": ["1"]}, {"searches": [True]}, [1], "x"])
def test_a_signed_token_with_a_strange_payload_is_refused(payload):
    with pytest.raises(tokens.InvalidToken):
        saved_searches.unsubscribe_from_token(tokens.make_token(saved_searches.UNSUBSCRIBE, payload))


def test_an_expired_or_orphan_token_says_so(member, monkeypatch):
    saved = saved_for(member)
    token = saved_searches.unsubscribe_token([saved])
    with monkeypatch.context() as patch:
        patch.setattr(saved_searches, "UNSUBSCRIBE_MAX_AGE", -1)
        with pytest.raises(tokens.InvalidToken, match="expired"):
            saved_searches.unsubscribe_from_token(token)
    saved_searches.delete_search(member, saved)
    with pytest.raises(tokens.InvalidToken, match="no longer exists"):
        saved_searches.unsubscribe_from_token(token)


# --------------------------------------------------------------------------- with the real search


@pytest.mark.usefixtures("real_search")
def test_real_search_finds_the_new_posts_of_a_saved_search(member, indexed, outbox):
    saved = saved_for(member, q="entrepot", category="storage")
    match = factories.PostFactory(title="Grand entrepôt à Lyon", category=Category.STORAGE)
    other = factories.PostFactory(title="Palettes gratuites", category=Category.SUPPLIES,
                                  description="Palettes Europe en bon état.")
    own = factories.PostFactory(company=member.company, title="Entrepôt de ma société")

    indexed([match, other, own])  # the drain calls on_posts_indexed
    commit()

    assert [hit.post_id for hit in hits_of(saved)] == [match.id]
    assert len(outbox) == 1 and match.title in outbox[0].body


@pytest.mark.usefixtures("real_search")
def test_real_search_synonyms_and_filters_in_a_daily_digest(member, indexed, outbox):
    saved = saved_for(member, q="hangar", frequency="daily", departement="69")
    lyon = factories.PostFactory(title="Entrepôt sec disponible")
    paris = factories.PostFactory(title="Entrepôt sec à Paris", company=factories.CompanyFactory(
        postcode="75011", city="Paris 11e Arrondissement", insee_code="75111", departement="75", region="11",
        latitude=48.859, longitude=2.38))

    indexed([lyon, paris])
    commit()
    assert outbox == [] and [hit.post_id for hit in hits_of(saved)] == [lyon.id]

    assert saved_searches.send_daily_digests() == 1
    commit()
    assert lyon.title in outbox[0].body and paris.title not in outbox[0].body


@pytest.mark.usefixtures("real_search")
def test_real_search_a_post_no_longer_published_does_not_alert(member, indexed, outbox):
    saved = saved_for(member, q="entrepot")
    post = factories.PostFactory(title="Entrepôt")
    post.status = PostStatus.CLOSED
    db.session.flush()

    indexed([post])
    commit()

    assert hits_of(saved) == [] and outbox == []
