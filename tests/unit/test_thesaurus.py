"""The synonym thesaurus: the shipped list and its file format, the normalization of what an administrator types,
the in-memory copy the search reads (TTL, invalidation, database failures) and the administrators' service."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from marketplace import create_app
from marketplace.errors import Forbidden
from marketplace.extensions import db
from marketplace.models import AuditLog, SynonymGroup
from marketplace.search import thesaurus
from marketplace.search.thesaurus import (GROUP_MAX_TERMS, TERM_MAX_LENGTH, InvalidSynonyms, default_groups,
                                          normalize_terms, parse_groups, search_key, synonym_groups)
from marketplace.services import thesaurus as service
from tests import factories
from tests.conftest import base_config


@pytest.fixture
def ctx(app):
    with app.test_request_context("/"), force_locale("en"):
        yield


@pytest.fixture
def clock(monkeypatch):
    """A clock the test moves by hand, and a fresh in-memory copy of the thesaurus."""

    class Clock:
        now = 1000.0

        def __call__(self):
            return self.now

    fake = Clock()
    monkeypatch.setattr(thesaurus, "_clock", fake)
    thesaurus.invalidate()
    yield fake
    thesaurus.invalidate()


def refused(raw) -> str:
    with pytest.raises(InvalidSynonyms) as caught:
        normalize_terms(raw)
    return str(caught.value.message)


def stored_groups() -> list[list[str]]:
    return [group.term_list for group in db.session.scalars(sa.select(SynonymGroup).order_by(SynonymGroup.id))]


def add_group(terms: str) -> SynonymGroup:
    group = SynonymGroup(terms=terms)
    db.session.add(group)
    db.session.flush()
    return group


# --------------------------------------------------------------------------- the file format


def test_parse_groups_reads_one_group_per_line_and_skips_comments():
    text = """# a comment
entrepôt, hangar ,  local   de stockage

   # an indented comment
chariot élévateur,Fenwick, , transpalette   # the end of a line is a comment too
,,
\tEPI,\tmasques
"""
    assert parse_groups(text) == [["entrepôt", "hangar", "local de stockage"],
                                  ["chariot élévateur", "Fenwick", "transpalette"],
                                  ["EPI", "masques"]]


def test_parse_groups_of_nothing():
    assert parse_groups("") == [] and parse_groups("# only\n\n  \n") == []


# --------------------------------------------------------------------------- the shipped list


def test_the_shipped_list_is_rich_and_every_group_is_valid(ctx):
    groups = default_groups()

    assert 60 <= len(groups) <= 90
    for group in groups:
        assert normalize_terms(", ".join(group)) == group, group  # no repeat, no bad term, within the limits


def test_a_term_of_the_shipped_list_belongs_to_one_group_only():
    owner: dict[tuple[str, ...], list[str]] = {}
    for group in default_groups():
        for term in group:
            key = search_key(term)
            assert owner.setdefault(key, group) is group, f"{term!r} is in {owner[key]} and in {group}"


def group_of(term: str) -> list[str]:
    key = search_key(term)
    found = [group for group in default_groups() if key in {search_key(t) for t in group}]
    assert len(found) == 1, term
    return found[0]


@pytest.mark.parametrize("term, synonyms", [
    ("entrepôt", {"hangar", "local de stockage", "dépôt", "stockage"}),
    ("chariot élévateur", {"Fenwick", "transpalette", "gerbeur", "clark"}),
    ("EPI", {"équipement de protection individuelle", "masques", "gants"}),
    ("chambre froide", {"stockage frigorifique", "entrepôt frigorifique"}),
    ("camion", {"poids lourd", "porteur"}),
    ("semi-remorque frigorifique", {"camion frigorifique"}),
    ("palette", {"palette europe", "EPAL"}),
    ("gel hydroalcoolique", {"solution hydroalcoolique"}),
    ("intérim", {"main-d'œuvre", "prêt de personnel", "mise à disposition de personnel"}),
    ("atelier", {"local d'activité"}),
    ("bureau", {"open space", "espace de coworking"}),
])
def test_the_groups_the_issue_asks_for(term, synonyms):
    assert synonyms <= set(group_of(term))


@pytest.mark.parametrize("term, not_with", [
    ("stockage de données", "entrepôt"),
    ("désinfectant de surface", "gel hydroalcoolique"),
    ("chambre froide", "entrepôt"),
    ("transport frigorifique", "chambre froide"),
])
def test_words_that_only_look_alike_are_apart(term, not_with):
    assert search_key(not_with) not in {search_key(t) for t in group_of(term)}


def test_job_offers_are_not_a_loan_of_staff():
    words = {search_key(term) for group in default_groups() for term in group}
    assert search_key("offre d'emploi") not in words and search_key("emploi") not in words
    assert search_key("recrutement") not in words


# --------------------------------------------------------------------------- what an administrator types


def test_terms_are_split_on_commas_and_new_lines_and_tidied(ctx):
    raw = "  Entrepôt ,hangar\r\n local    de\tstockage ,, \n\n dépôt  "
    assert normalize_terms(raw) == ["Entrepôt", "hangar", "local de stockage", "dépôt"]


def test_repeats_are_dropped_whatever_their_case_accents_or_plural(ctx):
    raw = "Entrepôt, entrepot, ENTREPÔTS, l'entrepôt, hangar, Hangars, main-d'œuvre, Main d’oeuvre"
    assert normalize_terms(raw) == ["Entrepôt", "hangar", "main-d'œuvre"]


def test_decomposed_accents_are_composed(ctx):
    assert normalize_terms("entrepo\u0302t, hangar") == ["entrepôt", "hangar"]


@pytest.mark.parametrize("raw", ["", "   ", ",,, \n ,", "hangar", "hangar, Hangar, HANGARS", None])
def test_a_group_needs_two_different_terms(ctx, raw):
    assert "at least two different terms" in refused(raw)


def test_a_term_has_at_most_60_characters(ctx):
    longest = "a" * TERM_MAX_LENGTH
    assert normalize_terms(f"{longest}, hangar") == [longest, "hangar"]

    message = refused(f"{longest}b, hangar")

    assert "too long" in message and "60 characters" in message


def test_a_group_has_at_most_30_terms(ctx):
    terms = [f"article {n:02d}" for n in range(GROUP_MAX_TERMS + 1)]
    assert normalize_terms(", ".join(terms[:GROUP_MAX_TERMS])) == terms[:GROUP_MAX_TERMS]

    assert "30 terms at most" in refused(", ".join(terms))


def test_repeats_do_not_count_towards_the_limit(ctx):
    assert normalize_terms(", ".join(["hangar"] * 100 + ["entrepôt"])) == ["hangar", "entrepôt"]


@pytest.mark.parametrize("bad", ['"hangar"', "hang*", "hangar?", "(hangar)", "title:hangar", "hangar^2", "hangar~",
                                 "<script>", "hangar; DROP TABLE", "hangar{}", "a\\b", "x|y", "50%"])
def test_query_syntax_and_markup_are_refused(ctx, bad):
    message = refused(f"{bad}, entrepôt")
    assert "a term holds only letters, digits, spaces" in message


@pytest.mark.parametrize("bad", ["han\x00gar", "han\x07gar", "han\u200bgar", "han\x7fgar"])
def test_control_characters_are_refused(ctx, bad):
    assert "invisible control character" in refused(f"{bad}, entrepôt")


@pytest.mark.parametrize("bad", ["---", "...", "' '", "°"])
def test_a_term_needs_a_letter_or_a_digit(ctx, bad):
    assert "at least one letter or digit" in refused(f"{bad}, entrepôt")


@pytest.mark.parametrize("bad", ["les", "de la", "pour les", "C++", "U.L.M."])
def test_a_term_of_words_the_search_ignores_is_refused(ctx, bad):
    assert "words that the search ignores" in refused(f"entrepôt, {bad}")


@pytest.mark.parametrize("term", ["alcool à 96°", "palette 80x120", "Bed & Breakfast", "3PL", "PE/PP", "main-d’œuvre",
                                  "IP68+", "Ωmega", "倉庫"])
def test_signs_of_product_names_and_any_script_are_accepted(ctx, term):
    assert normalize_terms(f"{term}, entrepôt") == [term, "entrepôt"]


# --------------------------------------------------------------------------- what the search reads


def test_the_migration_loaded_the_shipped_list(clock):
    assert stored_groups() == default_groups()
    assert synonym_groups() == default_groups()


def test_groups_are_read_once_per_ttl(app, clock, count_queries, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_THESAURUS_TTL", 30)
    with count_queries() as queries:
        first = synonym_groups()
    assert len(queries) >= 1

    add_group("vélo cargo, biporteur")
    clock.now += 29
    with count_queries() as queries:
        assert synonym_groups() == first
    assert queries == []

    clock.now += 2
    assert synonym_groups() == first + [["vélo cargo", "biporteur"]]


def test_the_ttl_is_a_setting(app, clock, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_THESAURUS_TTL", 5)
    before = synonym_groups()
    add_group("vélo cargo, biporteur")

    clock.now += 4
    assert synonym_groups() == before
    clock.now += 2
    assert synonym_groups()[-1] == ["vélo cargo", "biporteur"]


def test_a_bad_ttl_setting_falls_back_to_30_seconds(app, clock, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_THESAURUS_TTL", "soon")
    before = synonym_groups()
    add_group("vélo cargo, biporteur")

    clock.now += 29
    assert synonym_groups() == before
    clock.now += 2
    assert synonym_groups() != before


def test_invalidate_drops_the_copy_at_once(clock):
    before = synonym_groups()
    add_group("vélo cargo, biporteur")
    assert synonym_groups() == before

    thesaurus.invalidate()

    assert synonym_groups() == before + [["vélo cargo", "biporteur"]]


def test_an_empty_thesaurus_is_empty_not_the_shipped_list(clock):
    db.session.execute(sa.delete(SynonymGroup))
    assert synonym_groups() == []


def test_groups_as_stored_are_tidied_and_broken_ones_skipped(clock):
    db.session.execute(sa.delete(SynonymGroup))
    add_group(" hangar ,, entrepôt , ")
    add_group("seul")
    add_group(",,")

    assert synonym_groups() == [["hangar", "entrepôt"]]


def test_callers_get_their_own_copy(clock):
    first = synonym_groups()
    first[0].append("changed")
    first.append(["also", "changed"])

    assert synonym_groups() == default_groups()


def test_a_database_failure_gives_the_shipped_list_and_keeps_the_callers_transaction(clock, caplog):
    db.session.execute(sa.delete(SynonymGroup))
    add_group("vélo cargo, biporteur")
    company = factories.CompanyFactory()
    db.session.execute(sa.text("ALTER TABLE synonym_group RENAME TO synonym_group_away"))

    with caplog.at_level(logging.ERROR, logger="marketplace.search.thesaurus"):
        assert synonym_groups() == default_groups()

    assert "could not be read" in caplog.text
    # the request's transaction is still usable (PostgreSQL would refuse every statement after a failed one)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(type(company))) >= 1
    db.session.execute(sa.text("ALTER TABLE synonym_group_away RENAME TO synonym_group"))
    thesaurus.invalidate()
    assert synonym_groups() == [["vélo cargo", "biporteur"]]


def test_a_failure_is_retried_after_the_ttl(app, clock, monkeypatch, caplog):
    calls = []

    def broken():
        calls.append(1)
        raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(thesaurus, "_read_terms", broken)
    with caplog.at_level(logging.ERROR, logger="marketplace.search.thesaurus"):
        assert synonym_groups() == default_groups()
        assert synonym_groups() == default_groups()
    assert len(calls) == 1  # not once per search while the database is down

    monkeypatch.undo()
    monkeypatch.setattr(thesaurus, "_clock", clock)
    clock.now += 31
    assert synonym_groups() == stored_groups()


@pytest.mark.no_db
def test_an_unreachable_database_gives_the_shipped_list(tmp_path, tmp_path_factory, monkeypatch, clock):
    monkeypatch.setenv("MARKETPLACE_INSTANCE_PATH", str(tmp_path / "instance"))
    unreachable = f"sqlite:///{tmp_path / 'missing' / 'folder' / 'db.sqlite3'}"
    other = create_app(base_config(tmp_path_factory, SQLALCHEMY_DATABASE_URI=unreachable))

    with other.app_context():
        assert synonym_groups() == default_groups()
        db.engine.dispose()


@pytest.mark.no_db
def test_outside_an_application_the_shipped_list_is_used(clock):
    assert synonym_groups() == default_groups()


def test_the_shipped_file_unreadable_means_no_synonyms(clock, monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(thesaurus, "DEFAULT_FILE", tmp_path / "missing.txt")
    monkeypatch.setattr(thesaurus, "_shipped", None)
    monkeypatch.setattr(thesaurus, "_read_terms", lambda: 1 / 0)

    with caplog.at_level(logging.ERROR, logger="marketplace.search.thesaurus"):
        assert synonym_groups() == []


# --------------------------------------------------------------------------- the administrators' service


@pytest.mark.parametrize("who", ["member", "moderator", "anonymous"])
def test_only_an_administrator_edits_the_thesaurus(ctx, who):
    from flask_login import AnonymousUserMixin

    person = {"member": factories.MemberFactory, "moderator": factories.ModeratorFactory,
              "anonymous": AnonymousUserMixin}[who]()
    group = db.session.scalars(sa.select(SynonymGroup).limit(1)).one()
    before = stored_groups()

    for action in (lambda: service.create_group(person, "vélo cargo, biporteur"),
                   lambda: service.update_group(person, group, "hangar, abri"),
                   lambda: service.delete_group(person, group),
                   lambda: service.restore_defaults(person)):
        with pytest.raises(Forbidden):
            action()

    assert stored_groups() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)) == 0


def test_create_stores_the_tidied_terms_and_audits(ctx):
    admin = factories.AdminFactory()

    group = service.create_group(admin, " Vélo cargo ,biporteur, VÉLO-CARGO\n triporteur")

    assert group.id is not None and group.terms == "Vélo cargo, biporteur, triporteur"
    assert group.updated_by is admin
    entry = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "thesaurus.create")).one()
    assert (entry.actor, entry.target_type, entry.target_id) == (admin, "synonymgroup", group.id)
    assert entry.details == {"terms": ["Vélo cargo", "biporteur", "triporteur"]}


def test_a_term_of_another_group_is_refused(ctx):
    admin = factories.AdminFactory()

    with pytest.raises(InvalidSynonyms) as caught:
        service.create_group(admin, "abri, Hangars")

    assert "“Hangars” is already in the group “entrepôt, hangar, local de stockage, dépôt, …”" \
        in str(caught.value.message)


def test_update_may_keep_its_own_terms_but_not_take_another_groups(ctx):
    admin = factories.AdminFactory()
    group = service.create_group(admin, "vélo cargo, biporteur")

    service.update_group(admin, group, "vélo cargo, biporteur, triporteur")
    assert group.term_list == ["vélo cargo", "biporteur", "triporteur"]
    with pytest.raises(InvalidSynonyms):
        service.update_group(admin, group, "vélo cargo, camion")

    updates = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "thesaurus.update")).all()
    assert [u.details for u in updates] == [{"before": ["vélo cargo", "biporteur"],
                                             "after": ["vélo cargo", "biporteur", "triporteur"]}]


def test_an_update_that_changes_nothing_records_nothing(ctx):
    admin = factories.AdminFactory()
    group = service.create_group(admin, "vélo cargo, biporteur")

    service.update_group(admin, group, " vélo cargo,biporteur ")

    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                             .where(AuditLog.action == "thesaurus.update")) == 0


def test_delete_and_restore(ctx):
    admin = factories.AdminFactory()
    group = service.create_group(admin, "vélo cargo, biporteur")
    service.delete_group(admin, group)
    assert ["vélo cargo", "biporteur"] not in stored_groups()

    first = db.session.scalars(sa.select(SynonymGroup).order_by(SynonymGroup.id).limit(1)).one()
    service.delete_group(admin, first)
    service.create_group(admin, "vélo cargo, biporteur")

    assert service.restore_defaults(admin) == len(default_groups())
    assert stored_groups() == default_groups()
    actions = db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["thesaurus.create", "thesaurus.delete", "thesaurus.delete", "thesaurus.create",
                       "thesaurus.restore"]
    restore = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "thesaurus.restore")).one()
    assert restore.details == {"groups_removed": len(default_groups()), "groups_restored": len(default_groups())}


def test_the_copy_is_dropped_after_the_commit_only(ctx, clock):
    admin = factories.AdminFactory()
    before = synonym_groups()

    service.create_group(admin, "vélo cargo, biporteur")
    assert synonym_groups() == before  # not committed: the search does not see it yet
    db.session.commit()

    assert synonym_groups()[-1] == ["vélo cargo", "biporteur"]


def test_a_rolled_back_edit_does_not_drop_the_copy(ctx, clock):
    admin = factories.AdminFactory()
    synonym_groups()
    generation = thesaurus._generation
    savepoint = db.session.begin_nested()
    service.create_group(admin, "vélo cargo, biporteur")
    savepoint.rollback()
    db.session.commit()

    assert thesaurus._generation == generation


def test_list_groups_filters_by_part_of_a_term_whatever_the_accents(ctx):
    found = service.list_groups("ENTREPOT")
    assert {"entrepôt", "chambre froide", "stockage de données"} & {g.term_list[0] for g in found} == {
        "entrepôt", "chambre froide"}
    assert all(any("entrepot" in thesaurus.term_key(t) for t in g.term_list) for g in found)
    assert service.list_groups("fenwick")[0].term_list[:2] == ["chariot élévateur", "Fenwick"]
    assert service.list_groups("zzz introuvable") == []
    assert len(service.list_groups("")) == len(default_groups())
