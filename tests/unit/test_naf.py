"""NAF code lookups against the shipped table (marketplace/data/naf.csv)."""

import flask
import flask_babel
import pytest

from marketplace.services import naf


@pytest.fixture
def app_context():
    app = flask.Flask(__name__)
    flask_babel.Babel(app)
    with app.app_context():
        yield


@pytest.mark.parametrize("raw", ["01.11Z", "0111z", "01.11 Z", " 01 11 z ", "0111Z", "01.11z"])
def test_normalize_naf(raw):
    assert naf.normalize_naf(raw) == "01.11Z"


@pytest.mark.parametrize("raw", ["", "  ", "01.11", "011Z", "01.111Z", "AB.CDZ", "01.11ZZ", "01-11Z", None])
def test_malformed_codes(raw):
    with pytest.raises(naf.InvalidNafCode):
        naf.normalize_naf(raw)


def test_get_naf():
    restaurant = naf.get_naf("5610a")
    assert restaurant == naf.NafCode("56.10A", "Restauration traditionnelle", "I", "Hébergement et restauration")


def test_labels_are_tidy():
    assert naf.get_naf("88.99A").label == (
        "Autre accueil ou accompagnement sans hébergement d'enfants et d'adolescents")
    assert naf.get_naf("08.93Z").label == "Production de sel"


def test_unknown_code():
    with pytest.raises(naf.UnknownNafCode):
        naf.get_naf("99.99Z")


def test_errors_are_domain_errors_with_readable_messages(app_context):
    with pytest.raises(naf.UnknownNafCode) as unknown:
        naf.get_naf("99.99Z")
    assert isinstance(unknown.value, naf.DomainError)
    assert "99.99Z" in str(unknown.value.message)
    with pytest.raises(naf.InvalidNafCode) as invalid:
        naf.get_naf("12A")
    assert "12A" in str(invalid.value.message)


def test_naf_choices():
    choices = naf.naf_choices()
    assert len(choices) == 732
    assert choices[0][0] == "01.11Z"
    assert choices[0][1].startswith("01.11Z — Culture de céréales")
    codes = [code for code, _ in choices]
    assert codes == sorted(codes)
    assert choices[-1][0] == "99.00Z"


def test_sections():
    sections = naf.sections()
    assert len(sections) == 21
    assert [code for code, _ in sections] == [chr(c) for c in range(ord("A"), ord("U") + 1)]
    assert sections[0] == ("A", "Agriculture, sylviculture et pêche")


def test_every_code_belongs_to_a_known_section():
    known = dict(naf.sections())
    for code, _ in naf.naf_choices():
        entry = naf.get_naf(code)
        assert entry.code == code
        assert known[entry.section] == entry.section_label
