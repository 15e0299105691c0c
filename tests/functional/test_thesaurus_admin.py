"""The administrators' page of the synonym thesaurus (/admin/thesaurus): who may use it, adding, editing,
deleting and restoring groups, bad input, the audit log, and the default list loaded by the migration."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditLog, SynonymGroup
from marketplace.search import thesaurus
from marketplace.search.thesaurus import default_groups, synonym_groups

from .. import factories

ADD = "/admin/thesaurus"


@pytest.fixture
def admin_in(client, login, admin):
    login(admin)
    client.post("/langue/en", data={})
    return admin


@pytest.fixture(autouse=True)
def fresh_copy():
    thesaurus.invalidate()
    yield
    thesaurus.invalidate()


def stored() -> list[list[str]]:
    return [group.term_list for group in db.session.scalars(sa.select(SynonymGroup).order_by(SynonymGroup.id))]


def group_holding(term: str) -> SynonymGroup:
    return next(g for g in db.session.scalars(sa.select(SynonymGroup)) if term in g.term_list)


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)))


def page_text(response) -> str:
    return unescape(response.get_data(as_text=True))


def listed(response) -> list[str]:
    """The groups shown in the table, as their terms joined."""
    return [unescape(cell) for cell in re.findall(r'<td class="synonym-terms">(.*?)</td>',
                                                  response.get_data(as_text=True), re.S)]


def routes(group_id: int) -> list[tuple[str, str, dict]]:
    return [("get", "/admin/thesaurus", {}), ("get", "/admin/thesaurus?term=hangar", {}),
            ("post", ADD, {"terms": "vélo cargo, biporteur"}),
            ("get", f"/admin/thesaurus/{group_id}/edit", {}),
            ("post", f"/admin/thesaurus/{group_id}/edit", {"terms": "hangar, abri"}),
            ("get", f"/admin/thesaurus/{group_id}/delete", {}), ("post", f"/admin/thesaurus/{group_id}/delete", {}),
            ("get", "/admin/thesaurus/restore", {}), ("post", "/admin/thesaurus/restore", {})]


# --------------------------------------------------------------------------- the default list


def test_the_migration_loaded_the_shipped_list():
    groups = db.session.scalars(sa.select(SynonymGroup).order_by(SynonymGroup.id)).all()

    assert [g.term_list for g in groups] == default_groups()
    assert groups[0].term_list[:3] == ["entrepôt", "hangar", "local de stockage"]
    assert all(g.created_at.tzinfo is not None and g.updated_by_id is None for g in groups)


# --------------------------------------------------------------------------- who may use it


def test_a_visitor_is_sent_to_the_login_page(client):
    group = group_holding("hangar")
    before = stored()
    for method, url, data in routes(group.id):
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 302, url
        assert urlsplit(response.headers["Location"]).path == "/connexion", url
    assert stored() == before and audit_actions() == []


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_members_and_moderators_are_refused(client, login, who):
    login(factories.MemberFactory() if who == "member" else factories.ModeratorFactory(departements=["69"]))
    group = group_holding("hangar")
    before = stored()

    for method, url, data in routes(group.id):
        assert getattr(client, method)(url, data=data).status_code == 403, url

    assert stored() == before and audit_actions() == []
    assert 'href="/admin/thesaurus"' not in client.get("/").get_data(as_text=True)


def test_the_navigation_shows_the_page_to_administrators(client, admin_in):
    html = client.get("/admin/audit").get_data(as_text=True)

    assert 'href="/admin/thesaurus"' in html


# --------------------------------------------------------------------------- the list


def test_the_page_lists_every_group(client, admin_in):
    response = client.get("/admin/thesaurus")

    assert response.status_code == 200
    html = page_text(response)
    assert f"{len(default_groups())} groups" in html
    assert "chariot élévateur, Fenwick, transpalette, gerbeur, clark" in html
    assert len(listed(response)) == len(default_groups())


def test_the_page_costs_a_few_queries_whoever_edited_the_groups(client, admin_in, count_queries):
    for n, group in enumerate(db.session.scalars(sa.select(SynonymGroup))):
        group.updated_by = factories.AdminFactory() if n % 2 else admin_in
    db.session.flush()

    with count_queries() as queries:
        assert client.get("/admin/thesaurus").status_code == 200

    assert len(queries) <= 8, queries


@pytest.mark.parametrize("term, expected, absent", [
    ("fenwick", "chariot élévateur, Fenwick", "entrepôt, hangar"),
    ("ENTREPOT", "entrepôt, hangar", "chariot élévateur, Fenwick"),
    ("main d'oeuvre", "intérim, main-d'œuvre", "entrepôt, hangar"),
])
def test_the_groups_are_filtered_by_a_term(client, admin_in, term, expected, absent):
    response = client.get("/admin/thesaurus", query_string={"term": term})

    shown = listed(response)
    assert any(group.startswith(expected) for group in shown)
    assert not any(group.startswith(absent) for group in shown)
    assert "Show every group" in page_text(response)


def test_a_filter_that_finds_nothing_says_so(client, admin_in):
    html = page_text(client.get("/admin/thesaurus?term=introuvable"))

    assert "No group holds “introuvable”." in html and '<tr id="group-' not in html


def test_a_bad_filter_gives_a_message_and_the_whole_list(client, admin_in):
    response = client.get("/admin/thesaurus", query_string={"term": "x" * 300})

    assert response.status_code == 400
    html = page_text(response)
    assert "60 characters" in html and html.count('<tr id="group-') == len(default_groups())


def test_an_empty_thesaurus_says_what_to_do(client, admin_in):
    db.session.execute(sa.delete(SynonymGroup))

    html = page_text(client.get("/admin/thesaurus"))

    assert "The thesaurus is empty" in html and "0 groups" in html


# --------------------------------------------------------------------------- add


def test_an_administrator_adds_a_group(client, admin_in):
    before = synonym_groups()

    response = client.post(ADD, data={"terms": " Vélo cargo ,biporteur\r\ntriporteur, VÉLO-CARGO "})

    assert response.status_code == 302
    group = group_holding("biporteur")
    assert urlsplit(response.headers["Location"]).fragment == f"group-{group.id}"
    assert group.terms == "Vélo cargo, biporteur, triporteur" and group.updated_by_id == admin_in.id
    assert "The group “Vélo cargo, biporteur, triporteur” is added." in page_text(client.get("/admin/thesaurus"))
    entry = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "thesaurus.create")).one()
    assert (entry.actor_id, entry.target_type, entry.target_id) == (admin_in.id, "synonymgroup", group.id)
    # the search of this process sees it at once
    assert synonym_groups() == before + [["Vélo cargo", "biporteur", "triporteur"]]


@pytest.mark.parametrize("terms, message", [
    ("", "Enter at least two terms"),
    ("   ", "Enter at least two terms"),
    ("vélo cargo", "at least two different terms"),
    ("vélo cargo, VÉLO-CARGO", "at least two different terms"),
    ("vélo cargo, " + "b" * 61, "60 characters at most"),
    (", ".join(f"article {n:02d}" for n in range(31)), "30 terms at most"),
    ("vélo cargo, (biporteur)", "a term holds only letters"),
    ('vélo cargo, "biporteur" OR *', "a term holds only letters"),
    ("vélo cargo, <script>alert(1)</script>", "a term holds only letters"),
    ("vélo cargo, bi\x00porteur", "control characters"),
    ("vélo cargo, les", "words that the search ignores"),
    ("abri, Hangars", "“Hangars” is already in the group “entrepôt, hangar"),
    ("x, " * 3000, "characters"),
])
def test_bad_input_gives_a_message_and_changes_nothing(client, admin_in, terms, message):
    before = stored()

    response = client.post(ADD, data={"terms": terms})

    assert response.status_code == 400
    html = page_text(response)
    assert message in html and "<script>alert" not in response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert stored() == before and audit_actions() == []


# --------------------------------------------------------------------------- edit


def test_an_administrator_edits_a_group(client, admin_in):
    group = group_holding("Fenwick")
    old = group.term_list
    page = page_text(client.get(f"/admin/thesaurus/{group.id}/edit"))
    assert "chariot élévateur, Fenwick, transpalette" in page

    response = client.post(f"/admin/thesaurus/{group.id}/edit",
                           data={"terms": "chariot élévateur, Fenwick, transpalette, chariot porte-palettes"})

    assert response.status_code == 302 and urlsplit(response.headers["Location"]).fragment == f"group-{group.id}"
    db.session.refresh(group)
    assert group.term_list == ["chariot élévateur", "Fenwick", "transpalette", "chariot porte-palettes"]
    assert group.updated_by_id == admin_in.id
    entry = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "thesaurus.update")).one()
    assert entry.target_id == group.id and entry.details == {"before": old, "after": group.term_list}
    assert "is saved" in page_text(client.get("/admin/thesaurus"))
    assert ["chariot élévateur", "Fenwick", "transpalette", "chariot porte-palettes"] in synonym_groups()


@pytest.mark.parametrize("terms, message", [
    ("chariot élévateur", "at least two different terms"),
    ("chariot élévateur, hangar", "“hangar” is already in the group"),
    ("chariot élévateur, Fenwick*", "a term holds only letters"),
])
def test_a_bad_edit_gives_a_message_and_changes_nothing(client, admin_in, terms, message):
    group = group_holding("Fenwick")
    before = stored()

    response = client.post(f"/admin/thesaurus/{group.id}/edit", data={"terms": terms})

    assert response.status_code == 400
    html = page_text(response)
    assert message in html and f'value="{terms}"' not in html  # the textarea shows what was typed
    assert terms in html
    assert stored() == before and audit_actions() == []


def test_an_unknown_group_is_not_found(client, admin_in):
    for url in ("/admin/thesaurus/999999/edit", "/admin/thesaurus/999999/delete", "/admin/thesaurus/99999999999/edit"):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data={"terms": "a1, b2"}).status_code == 404, url


# --------------------------------------------------------------------------- delete


def test_an_administrator_deletes_a_group_after_confirming(client, admin_in):
    group = group_holding("Fenwick")
    group_id, terms = group.id, group.term_list

    confirm = client.get(f"/admin/thesaurus/{group_id}/delete")
    assert confirm.status_code == 200
    html = page_text(confirm)
    assert "Delete this synonym group?" in html and ", ".join(terms) in html
    assert f'action="/admin/thesaurus/{group_id}/delete"' in html and 'method="post"' in html
    assert db.session.get(SynonymGroup, group_id) is not None  # the page itself deletes nothing

    response = client.post(f"/admin/thesaurus/{group_id}/delete")

    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/admin/thesaurus"
    db.session.expire_all()
    assert db.session.get(SynonymGroup, group_id) is None
    entry = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "thesaurus.delete")).one()
    assert entry.target_id == group_id and entry.details == {"terms": terms}
    assert terms not in synonym_groups()
    assert "is deleted" in page_text(client.get("/admin/thesaurus"))


# --------------------------------------------------------------------------- restore


def test_an_administrator_restores_the_default_list_after_confirming(client, admin_in):
    client.post(ADD, data={"terms": "vélo cargo, biporteur"})
    client.post(f"/admin/thesaurus/{group_holding('hangar').id}/delete")
    fenwick = group_holding("Fenwick")
    client.post(f"/admin/thesaurus/{fenwick.id}/edit", data={"terms": "Fenwick, clark"})
    db.session.expire_all()
    assert stored() != default_groups()

    confirm = client.get("/admin/thesaurus/restore")
    assert confirm.status_code == 200 and "Restore the default list?" in page_text(confirm)
    assert stored() != default_groups()

    response = client.post("/admin/thesaurus/restore")

    assert response.status_code == 302
    db.session.expire_all()
    assert stored() == default_groups()
    assert audit_actions() == ["thesaurus.create", "thesaurus.delete", "thesaurus.update", "thesaurus.restore"]
    assert synonym_groups() == default_groups()
    assert f"The default list is restored: {len(default_groups())} groups." in page_text(client.get("/admin/thesaurus"))


# --------------------------------------------------------------------------- the audit log


def test_the_audit_log_shows_the_thesaurus_actions(client, admin_in):
    client.post(ADD, data={"terms": "vélo cargo, biporteur"})

    html = page_text(client.get("/admin/audit"))

    assert admin_in.email in html and "#" + str(group_holding("biporteur").id) in html
