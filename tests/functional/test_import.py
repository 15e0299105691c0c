"""``flask import-posts PATH``: all or nothing, every problem listed with its key, idempotent."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditLog, Company, Post, PostKind, PostStatus
from marketplace.models.types import utcnow
from marketplace.services import posts as post_rules
from tests import factories

DATA = Path(__file__).resolve().parents[1] / "data"
VALID = DATA / "import_valid.json"
INVALID = DATA / "import_invalid.json"
SHARED_SETS = Path(__file__).resolve().parents[2] / ".." / "shared" / "matching"


@pytest.fixture(autouse=True)
def english(app, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")


def run_import(runner, path):
    return runner.invoke(args=["import-posts", str(path)])


def snapshot() -> dict[str, list[tuple]]:
    """Every row of the tables an import writes, straight from the database."""
    db.session.expire_all()
    return {name: [tuple(row) for row in db.session.execute(sa.text(f"SELECT * FROM {name} ORDER BY id"))]
            for name in ("company", "post", "audit_log")}


def company(ref: str) -> Company:
    db.session.expire_all()
    return db.session.scalar(sa.select(Company).where(Company.external_ref == ref))


def post(ref: str) -> Post:
    db.session.expire_all()
    return db.session.scalar(sa.select(Post).where(Post.external_ref == ref))


def write_variant(tmp_path, change) -> Path:
    """The valid file, changed by ``change(data)``, written under ``tmp_path``."""
    data = json.loads(VALID.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "variant.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def item(data: dict, key: str) -> dict:
    return next(i for i in data["companies"] + data["posts"] if i["key"] == key)


# --------------------------------------------------------------------------- a valid file


def test_a_valid_file_is_imported(runner):
    result = run_import(runner, VALID)

    assert result.exit_code == 0, result.output
    assert "Imported import_valid.json: companies 3 created, 0 matched; posts 4 created, 0 unchanged." \
        in result.stdout
    assert "note: companies[1] (t-c2): 'Chasselay-Gare' is not a commune of postcode 69380: 'Chasselay' used" \
        in result.stdout


def test_imported_companies_have_the_right_fields(runner):
    run_import(runner, VALID)

    bakery, carrier, warehouse = company("t-c1"), company("t-c2"), company("t-c3")
    assert bakery.legal_name == "Boulangerie des Pentes"
    assert bakery.siret == "70000001100010" and bakery.siren == "700000011"
    assert bakery.naf_code == "10.71C"  # normalized from "1071C"
    assert bakery.address == "4 montée de la Grande-Côte"
    assert (bakery.postcode, bakery.city, bakery.insee_code) == ("69001", "Lyon 1er Arrondissement", "69381")
    assert (bakery.departement, bakery.region) == ("69", "84")
    assert bakery.contact_email == "fournil@example.fr"
    assert bakery.phone == "" and bakery.verified is False and bakery.members == []
    assert carrier.siret == "70000002900012"  # spaces removed
    assert (carrier.city, carrier.postcode) == ("Chasselay", "69380")  # nearest commune of the postcode
    assert warehouse.contact_email is None and warehouse.departement == "38"


def test_imported_posts_are_published_moderator_approved_imports(runner):
    before = utcnow()
    run_import(runner, VALID)

    bread = post("t-p1")
    assert bread.company.external_ref == "t-c1"
    assert bread.kind is PostKind.OFFER and bread.category.value == "surplus_goods"
    assert bread.title == "Trente kilos de pain de la veille à donner"
    assert bread.description.startswith("Chaque soir il nous reste environ trente kilos")
    assert (bread.quantity, bread.unit, bread.radius_km, bread.is_free) == (30.0, "kg", None, True)
    assert (bread.available_from, bread.available_until) == (date(2027, 1, 4), date(2027, 1, 15))
    assert bread.status is PostStatus.PUBLISHED
    assert bread.published_at >= before and bread.renewed_at >= before and bread.moderated_at >= before
    assert bread.moderated_by is None and bread.author is None
    assert bread.entered_by_cci is False and bread.consent_note is None

    truck = post("t-p2")
    assert truck.kind is PostKind.NEED and truck.radius_km == 50
    assert (truck.quantity, truck.unit, truck.is_free) == (2.5, "tonnes", False)
    assert (truck.available_from, truck.available_until) == (None, None)
    # the post's own place, not its company's (Chasselay, 69)
    assert (truck.postcode, truck.city, truck.departement, truck.region) == ("38000", "Grenoble", "38", "84")

    space = post("t-p3")
    assert (space.quantity, space.unit, space.is_free) == (None, None, None)


def test_imported_posts_are_visible_to_the_public(runner):
    run_import(runner, VALID)

    visible = db.session.scalars(sa.select(Post.external_ref).where(post_rules.visible_condition())).all()
    assert {"t-p2", "t-p3"} <= set(visible)  # no end date: visible whatever the day the suite runs
    assert post_rules.is_visible(post("t-p3"))


def test_imported_posts_are_listed_in_the_public_catalogue(runner, client):
    run_import(runner, VALID)

    catalogue = client.get("/posts", query_string={"departement": "38"}).get_data(as_text=True)
    assert "Entrepôt sec disponible à Grenoble dès février" in catalogue
    assert "Cherche camion frigorifique pour livraisons à Grenoble" in catalogue
    page = client.get(f"/posts/{post('t-p3').id}")
    assert page.status_code == 200 and "Entrepôts Dauphinois" in page.get_data(as_text=True)


def test_the_import_is_audited_once(runner):
    run_import(runner, VALID)

    entries = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "import")).all()
    assert len(entries) == 1
    assert entries[0].actor is None and entries[0].actor_label == "system (command line)"
    assert entries[0].details == {"file": "import_valid.json", "companies_created": 3, "companies_matched": 0,
                                  "posts_created": 4, "posts_unchanged": 0}


def test_importing_the_same_file_twice_changes_nothing(runner):
    run_import(runner, VALID)
    before = snapshot()

    result = run_import(runner, VALID)

    assert result.exit_code == 0, result.output
    assert "companies 0 created, 3 matched; posts 0 created, 4 unchanged." in result.stdout
    after = snapshot()
    assert after["company"] == before["company"] and after["post"] == before["post"]
    assert len(after["audit_log"]) == len(before["audit_log"]) + 1  # the second run is logged, nothing else


def test_a_company_already_registered_is_matched_by_siret(runner):
    existing = factories.CompanyFactory(siret="70000001100010", siren="700000011", legal_name="Pentes SARL",
                                        external_ref=None)
    tagged = factories.CompanyFactory(siret="70000003700015", siren="700000037", external_ref="crm-42")
    db.session.commit()

    result = run_import(runner, VALID)

    assert result.exit_code == 0, result.output
    assert "companies 1 created, 2 matched; posts 4 created" in result.stdout
    db.session.expire_all()
    assert existing.external_ref == "t-c1" and existing.legal_name == "Pentes SARL"  # only the reference is set
    assert tagged.external_ref == "crm-42"  # an existing reference is kept
    assert post("t-p1").company_id == existing.id and post("t-p3").company_id == tagged.id


# --------------------------------------------------------------------------- invalid files: nothing imported


INVALID_PROBLEMS = [
    "companies[1] (t-c2): siret must be a valid SIRET",
    'posts[1] (t-p2): category "furniture" is not one of',
    'posts[2] (t-p3): company "t-c9" is not the key of a company of this file',
    "posts[3] (t-p4): available_until 2027-01-04 is before available_from 2027-01-14",
    "posts[4] (t-p5): quantity must be between 0 and",
    'posts[5] (t-p6): quantity must be a number or null, got "12"',
    'posts[6] (t-p7): unknown postcode "99999"',
    "posts[7] (t-p1): duplicate key 't-p1' (first at posts[0])",
    "posts[8] (t-p8): missing field 'title'",
    "posts[8] (t-p8): radius_km must be between 1 and 1000, got 5000",
    'posts[8] (t-p8): free must be true, false or null, got "yes"',
    'posts[8] (t-p8): available_from must be an ISO date YYYY-MM-DD or null, got "2027-13-01"',
]


def test_a_file_with_invalid_items_imports_nothing_and_lists_every_problem(runner):
    before = snapshot()

    result = run_import(runner, INVALID)

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    for expected in INVALID_PROBLEMS:
        assert sum(line.startswith(expected) for line in lines) == 1, (expected, lines)
    assert lines[-1] == "Error: 12 problem(s) in import_invalid.json: nothing imported."
    assert len(lines) == len(INVALID_PROBLEMS) + 1  # one line per problem, then the verdict
    assert "Traceback" not in result.output and result.stdout == ""
    assert snapshot() == before


@pytest.mark.parametrize("change, expected", [
    (lambda d: item(d, "t-p1").update(category="furniture"), 'posts[0] (t-p1): category "furniture" is not one of'),
    (lambda d: item(d, "t-c3").update(siret="70000003700016"), "companies[2] (t-c3): siret must be a valid SIRET"),
    (lambda d: item(d, "t-p2").update(company="t-c9"), 'posts[1] (t-p2): company "t-c9" is not the key'),
    (lambda d: item(d, "t-p1").update(available_until="2027-01-01"),
     "posts[0] (t-p1): available_until 2027-01-01 is before available_from 2027-01-04"),
    (lambda d: item(d, "t-p4").update(quantity=-1), "posts[3] (t-p4): quantity must be between 0 and"),
    (lambda d: item(d, "t-p4").update(quantity="1"), 'posts[3] (t-p4): quantity must be a number or null, got "1"'),
    (lambda d: item(d, "t-p2").update(radius_km=0), "posts[1] (t-p2): radius_km must be between 1 and 1000, got 0"),
    (lambda d: item(d, "t-c1").update(postcode="99999"), 'companies[0] (t-c1): unknown postcode "99999"'),
    (lambda d: d["posts"].append(dict(item(d, "t-p3"))), "posts[4] (t-p3): duplicate key 't-p3'"),
    (lambda d: item(d, "t-c2").update(siret="70000001100010"), "SIRET 70000001100010 is also the SIRET of company"),
])
def test_one_invalid_item_among_valid_ones_imports_nothing(runner, tmp_path, change, expected):
    path = write_variant(tmp_path, change)
    before = snapshot()

    result = run_import(runner, path)

    assert result.exit_code == 1
    assert expected in result.stderr
    assert "Error: 1 problem(s) in variant.json: nothing imported." in result.stderr
    assert snapshot() == before


@pytest.mark.parametrize("content, expected", [
    ('{"companies": [', "variant.json is not valid JSON: Expecting value at line 1, column 16 (nothing imported)"),
    ("[]", "the file must hold one JSON object with the keys companies, posts, relevance, not a list"),
    ('{"companies": [], "relevance": []}', "the top-level key 'posts' is missing"),
    ('{"companies": [], "posts": {}}', "'posts' must be a list, not an object"),
])
def test_a_broken_file_is_one_clear_error(runner, tmp_path, content, expected):
    path = tmp_path / "variant.json"
    path.write_text(content, encoding="utf-8")
    before = snapshot()

    result = run_import(runner, path)

    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1 and expected in result.stderr
    assert "Traceback" not in result.output
    assert snapshot() == before


def test_a_missing_file_is_one_clear_error(runner, tmp_path):
    result = run_import(runner, tmp_path / "nowhere.json")

    assert result.exit_code == 1
    assert result.stderr == f"Error: cannot read {tmp_path / 'nowhere.json'}: No such file or directory " \
                            f"(nothing imported)\n"


def test_a_key_already_used_by_another_company_is_refused(runner, tmp_path):
    other = factories.CompanyFactory(external_ref="t-c1")
    factories.PostFactory(company=other, external_ref="t-p2")
    db.session.commit()
    before = snapshot()

    result = run_import(runner, VALID)

    assert result.exit_code == 1
    assert f"companies[0] (t-c1): the key 't-c1' is already the reference of another company (SIRET {other.siret})" \
        in result.stderr
    assert "posts[1] (t-p2): the key 't-p2' is already the reference of a post of another company" in result.stderr
    assert snapshot() == before


def test_conflicts_with_the_database_are_listed_with_the_invalid_items(runner, tmp_path):
    factories.PostFactory(external_ref="t-p2")
    db.session.commit()
    path = write_variant(tmp_path, lambda d: item(d, "t-p1").update(quantity="a lot"))

    result = run_import(runner, path)

    assert 'posts[0] (t-p1): quantity must be a number or null, got "a lot"' in result.stderr
    assert "posts[1] (t-p2): the key 't-p2' is already the reference of a post of another company" in result.stderr
    assert "Error: 2 problem(s) in variant.json: nothing imported." in result.stderr


def test_posts_of_a_suspended_company_are_refused(runner):
    factories.CompanyFactory(siret="70000003700015", siren="700000037", suspended_at=utcnow(),
                             suspension_reason="spam")
    db.session.commit()
    before = snapshot()

    result = run_import(runner, VALID)

    assert result.exit_code == 1
    assert "posts[2] (t-p3): company 't-c3' (SIRET 70000003700015) is suspended" in result.stderr
    assert snapshot() == before


# --------------------------------------------------------------------------- the shared data sets


def shared_set(name: str) -> Path:
    """A data set of ../shared/matching beside the repository (as in CI), else our own small file."""
    path = (SHARED_SETS / name).resolve()
    return path if path.is_file() else VALID


@pytest.mark.parametrize("name", ["devset.json", "devset-hard.json"])
def test_the_shared_data_sets_import_cleanly_and_quickly(runner, name):
    path = shared_set(name)
    data = json.loads(path.read_text(encoding="utf-8"))

    started = time.perf_counter()
    result = run_import(runner, path)
    elapsed = time.perf_counter() - started

    assert result.exit_code == 0, result.output
    assert f"companies {len(data['companies'])} created, 0 matched; posts {len(data['posts'])} created, " \
           f"0 unchanged." in result.stdout
    assert elapsed < 15, f"{path.name} took {elapsed:.1f} s"
    again = run_import(runner, path)
    assert f"posts 0 created, {len(data['posts'])} unchanged." in again.stdout
