"""Saved searches and alerts through the pages (/alerts): saving from the search page, my saved searches, edit
and delete (mine only), alert mails after a publication, the one-click unsubscribe link (logged out too) and
``flask search alerts``. Every test has an index of its own, built at once."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

import marketplace.search
from marketplace.extensions import db
from marketplace.models import AlertFrequency, Category, PostStatus, SavedSearch
from marketplace.models.types import utcnow
from marketplace.search import changes as search_changes
from marketplace.search.params import SearchParams
from marketplace.services import saved_searches, tokens

from .. import factories


@pytest.fixture(autouse=True)
def search_index(app, tmp_path, monkeypatch):
    """An index of the test's own, rebuilt at once when needed (never in a background thread)."""
    monkeypatch.setitem(app.config, "SEARCH_INDEX_PATH", str(tmp_path / "search-index"))
    monkeypatch.setitem(app.config, "SEARCH_AUTO_REBUILD", "sync")
    marketplace.search.reindex()
    yield
    search_changes.take_pending()  # nothing left to drain when the test's app context ends


def saved_for(user, q="entrepot", frequency="instant", name="", **filters) -> SavedSearch:
    saved = saved_searches.save_search(user, name, SearchParams.from_args({"q": q, **filters}).params, frequency)
    saved.created_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    return saved


def publish() -> None:
    """Commit, then drain the change log as the end of a request does (the drain calls on_posts_indexed)."""
    db.session.commit()
    search_changes.take_pending()
    assert marketplace.search.drain_now().skipped is None


def search_of(user) -> list[SavedSearch]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(SavedSearch).where(SavedSearch.user_id == user.id)
                                   .order_by(SavedSearch.id)))


def mails_to(outbox, user) -> list:
    return [message for message in outbox if message.recipients == [user.email]]


def unsubscribe_links(body: str) -> list[str]:
    return re.findall(r"http://localhost(/alerts/unsubscribe/\S+)", body)


# --------------------------------------------------------------------------- who sees the pages


def test_a_visitor_is_sent_to_the_login_page(client):
    for method, path in (("get", "/alerts/"), ("post", "/alerts/save"), ("get", "/alerts/1/edit"),
                         ("post", "/alerts/1/delete")):
        response = getattr(client, method)(path)
        assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/connexion"


@pytest.mark.parametrize("make", [factories.PendingMemberFactory, factories.UserFactory,
                                  lambda: factories.ModeratorFactory(departements=["69"])],
                         ids=["pending member", "no company", "moderator"])
def test_only_the_members_of_a_company_have_alerts(client, english, login, make):
    login(make())

    page = client.get("/alerts/")
    saved = client.post("/alerts/save", data={"q": "hangar", "alert-frequency": "daily"})

    assert page.status_code == 403 and "Only the members of a company" in page.get_data(as_text=True)
    assert saved.status_code == 403 and db.session.scalar(sa.select(sa.func.count(SavedSearch.id))) == 0


def test_the_account_menu_links_to_my_alerts(client, english, login, member):
    login(member)
    assert 'href="/alerts/"' in client.get("/compte/").get_data(as_text=True)
    page = client.get("/alerts/").get_data(as_text=True)
    assert 'aria-current="page" href="/alerts/">My alerts' in page
    assert "You have no saved search yet" in page


# --------------------------------------------------------------------------- saving from the search page


def save_form_of(page: str) -> tuple[str, dict[str, str]]:
    """The action and the hidden fields of the "save this search" form of a search page."""
    form = re.search(r'<form method="post" action="([^"]+)" class="save-search-form.*?</form>', page, re.S)
    assert form, "no save form on the page"
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(0)))
    return html.unescape(form.group(1)), {name: html.unescape(value) for name, value in hidden.items()}


def test_a_member_saves_the_search_of_the_page_and_comes_back_to_it(client, english, login, member):
    login(member)
    page = client.get("/search?q=entrepôt+lyon&category=storage&kind=offer&free=1&sort=date")
    action, fields = save_form_of(page.get_data(as_text=True))
    assert action == "/alerts/save"
    assert fields.pop("csrf_token")
    assert fields == {"q": "entrepôt lyon", "category": "storage", "kind": "offer", "free": "1", "sort": "date"}

    response = client.post(action, data={**fields, "alert-name": "  Entrepôts à Lyon ", "alert-frequency": "instant"})

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/search" and parse_qs(location.query) == {
        "q": ["entrepôt lyon"], "category": ["storage"], "kind": ["offer"], "free": ["1"], "sort": ["date"]}
    [saved] = search_of(member)
    assert (saved.name, saved.query, saved.frequency) == ("Entrepôts à Lyon", "entrepôt lyon", AlertFrequency.INSTANT)
    assert saved.filters == {"category": "storage", "kind": "offer", "free": "1", "sort": "date"}
    followed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Search saved as “Entrepôts à Lyon”" in followed


def test_the_search_page_offers_the_form_to_members_only(client, login, member):
    db.session.commit()  # the search page catches up with the change log, which starts a fresh transaction
    assert "save-search-form" not in client.get("/search?q=hangar").get_data(as_text=True)
    login(member)
    assert "save-search-form" in client.get("/search?q=hangar").get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"q": "hangar", "alert-frequency": "weekly"}, "Choose instant or daily alerts."),
    ({"q": "hangar", "alert-frequency": "daily", "alert-name": "x" * 121}, "120"),
    ({"sort": "date", "alert-frequency": "daily"}, "finds every post"),
    ({"q": "hangar", "near": "99999", "alert-frequency": "daily"}, "99999"),
], ids=["frequency", "name too long", "empty search", "unknown postcode"])
def test_a_refused_save_says_why_and_saves_nothing(client, english, login, member, data, message):
    login(member)

    response = client.post("/alerts/save", data=data, follow_redirects=True)

    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert search_of(member) == []


def test_the_twenty_first_search_is_refused_with_a_clear_message(client, english, login, member):
    for n in range(saved_searches.MAX_PER_USER):
        saved_searches.save_search(member, "", SearchParams.from_args({"q": f"mot{n}"}).params, "daily")
    db.session.commit()
    login(member)

    page = client.post("/alerts/save", data={"q": "encore", "alert-frequency": "daily"}, follow_redirects=True)

    assert "at most 20 saved searches" in page.get_data(as_text=True)
    assert len(search_of(member)) == 20


# --------------------------------------------------------------------------- my saved searches


def test_the_page_lists_my_searches_only_with_a_link_to_run_them(client, english, login, member):
    mine = saved_for(member, q="entrepot", frequency="daily", name="Mes entrepôts", category="storage",
                     departement="69")
    saved_for(factories.MemberFactory(company=member.company), q="palettes", name="Celle du collègue")
    login(member)

    page = client.get("/alerts/").get_data(as_text=True)

    assert "Mes entrepôts" in page and "Celle du collègue" not in page
    assert "“entrepot” · Storage · Rhône (69)" in page and "Daily" in page and "Alerts on" in page
    assert 'href="/search?q=entrepot&amp;category=storage&amp;departement=69"' in page
    assert f'action="/alerts/{mine.id}/delete"' in page and f'href="/alerts/{mine.id}/edit"' in page


def test_i_edit_my_search(client, english, login, member):
    saved = saved_for(member, name="Avant")
    login(member)
    assert "Avant" in client.get(f"/alerts/{saved.id}/edit").get_data(as_text=True)

    response = client.post(f"/alerts/{saved.id}/edit", data={"name": "Après", "frequency": "daily"})

    assert response.status_code == 302 and response.headers["Location"].endswith("/alerts/")
    [saved] = search_of(member)
    assert (saved.name, saved.frequency, saved.alerts_enabled) == ("Après", AlertFrequency.DAILY, False)
    page = client.get("/alerts/").get_data(as_text=True)
    assert "Alerts off" in page and "The saved search has been changed." in page

    client.post(f"/alerts/{saved.id}/edit", data={"name": "Après", "frequency": "daily", "alerts_enabled": "y"})
    assert search_of(member)[0].alerts_enabled


def test_a_bad_edit_is_shown_on_its_field(client, english, login, member):
    saved = saved_for(member, name="Avant")
    login(member)

    response = client.post(f"/alerts/{saved.id}/edit", data={"name": "x" * 121, "frequency": "monthly"})

    assert response.status_code == 200 and "Please correct the fields below" in response.get_data(as_text=True)
    assert search_of(member)[0].name == "Avant"


def test_i_delete_my_search(client, english, login, member):
    saved = saved_for(member, name="A supprimer")
    login(member)

    response = client.post(f"/alerts/{saved.id}/delete", follow_redirects=True)

    assert "The saved search “A supprimer” has been deleted." in response.get_data(as_text=True)
    assert search_of(member) == []


def test_another_persons_search_can_be_neither_seen_changed_nor_deleted(client, login, member):
    theirs = saved_for(factories.MemberFactory(company=member.company), name="Pas à moi")
    login(member)

    assert client.get(f"/alerts/{theirs.id}/edit").status_code == 403
    assert client.post(f"/alerts/{theirs.id}/edit", data={"name": "Volé", "frequency": "daily"}).status_code == 403
    assert client.post(f"/alerts/{theirs.id}/delete").status_code == 403
    assert client.get(f"/alerts/{theirs.id + 1000}/edit").status_code == 404
    assert client.post(f"/alerts/{theirs.id + 1000}/delete").status_code == 404
    assert client.get("/alerts/99999999999/edit").status_code == 404
    db.session.expire_all()
    assert theirs.name == "Pas à moi" and theirs.alerts_enabled


# --------------------------------------------------------------------------- mails and unsubscribing


def test_a_moderator_approves_a_post_and_the_instant_alert_leaves(client, login, member, moderator, outbox):
    saved = saved_for(member, q="entrepot", frequency="instant", name="Entrepôts")
    pending = factories.PendingPostFactory(title="Grand entrepôt sec", category=Category.STORAGE)
    db.session.commit()
    login(moderator)

    response = client.post(f"/moderation/posts/{pending.id}/approve")

    assert response.status_code == 302
    [alert] = mails_to(outbox, member)
    assert "Grand entrepôt sec" in alert.body and "Entrepôts" in alert.body
    assert f"http://localhost/posts/{pending.id}" in alert.body and pending.city in alert.body
    assert alert.extra_headers["List-Unsubscribe"].startswith("<http://localhost/alerts/unsubscribe/")
    db.session.expire_all()
    assert saved.last_sent_at is not None


def test_the_unsubscribe_link_of_a_mail_works_logged_out(client, english, member, outbox):
    saved = saved_for(member, name="Mes entrepôts")
    kept = saved_for(member, q="hangar", name="Gardée")
    factories.PostFactory(title="Entrepôt frigorifique")
    publish()
    [link] = unsubscribe_links(mails_to(outbox, member)[0].body)[:1]

    page = client.get(link)

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "You will no longer receive alerts for this saved search" in text and "Mes entrepôts" in text
    db.session.expire_all()
    assert not saved.alerts_enabled and kept.alerts_enabled
    assert client.get(link).status_code == 200  # a second click changes nothing and still answers

    back = client.post(urlsplit(re.search(r'action="([^"]*resubscribe[^"]*)"', text).group(1)).path,
                       follow_redirects=True)
    assert "The alerts are on again." in back.get_data(as_text=True)
    db.session.expire_all()
    assert saved.alerts_enabled


def test_the_mail_clients_one_click_post_needs_no_csrf_token(app, client, member, monkeypatch):
    saved = saved_for(member)
    token = saved_searches.unsubscribe_token([saved])
    db.session.commit()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    response = client.post(f"/alerts/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    db.session.expire_all()
    assert not saved.alerts_enabled
    assert client.post("/alerts/save", data={"q": "x"}).status_code == 400  # the other forms keep their CSRF
    assert client.post(f"/alerts/resubscribe/{token}").status_code == 400


@pytest.mark.parametrize("token, message", [
    ("nonsense", "This link is invalid or has already been used."),
    ("eyJzZWFyY2hlcyI6WzFdfQ.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb", "This link is invalid or has already been used."),
    ("x" * 3000, "This link is invalid or has already been used."),
    ("deleted", "This saved search no longer exists"),
    ("expired", "This link has expired."),
], ids=["nonsense", "forged", "huge", "deleted search", "expired"])
def test_a_bad_unsubscribe_link_gives_a_clear_page(client, english, member, monkeypatch, token, message):
    if token in ("deleted", "expired"):
        saved = saved_for(member)
        token_value = saved_searches.unsubscribe_token([saved])
        if token == "deleted":
            saved_searches.delete_search(member, saved)
            db.session.commit()
        else:
            monkeypatch.setattr(saved_searches, "UNSUBSCRIBE_MAX_AGE", -1)
        token = token_value

    for method in ("get", "post"):
        response = getattr(client, method)(f"/alerts/unsubscribe/{token}")
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert message in page and 'href="/alerts/"' in page


def test_the_daily_command_sends_one_digest_per_person(runner, member, outbox):
    colleague = factories.MemberFactory(company=member.company)
    saved_for(member, q="entrepot", frequency="daily")
    saved_for(member, q="hangar", frequency="daily")
    saved_for(colleague, q="entrepot", frequency="daily")
    posts = [factories.PostFactory(title=f"Entrepôt numéro {n}") for n in range(3)]
    gone = factories.PostFactory(title="Entrepôt retiré")
    publish()
    assert outbox == []  # daily: nothing at publication time
    gone.status = PostStatus.CLOSED
    db.session.commit()

    result = runner.invoke(args=["search", "alerts"])

    assert result.exit_code == 0, result.output
    assert "2 digests sent." in result.output
    [mine] = mails_to(outbox, member)
    assert all(mine.body.count(post.title) == 1 for post in posts) and gone.title not in mine.body
    assert len(mails_to(outbox, colleague)) == 1
    assert unsubscribe_links(mine.body) and "List-Unsubscribe" in mine.extra_headers

    again = runner.invoke(args=["search", "alerts"])
    assert "0 digests sent." in again.output and len(outbox) == 2


def test_the_daily_command_refuses_a_bad_base_url(runner):
    result = runner.invoke(args=["search", "alerts", "--base-url", "ftp://nowhere"])
    assert result.exit_code == 2 and "--base-url" in result.output


def test_unsubscribe_tokens_are_not_valid_for_other_purposes(member):
    saved = saved_for(member)
    token = saved_searches.unsubscribe_token([saved])
    with pytest.raises(tokens.InvalidToken):
        tokens.read_token("renew-post", token, 3600)
