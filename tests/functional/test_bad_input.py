"""Every form and URL of the accounts, tried with bad values: a clear answer (never a 500) and nothing changed."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.extensions import db
from marketplace.models import Company

from .. import factories
from ..factories import TEST_PASSWORD
from .accounts_support import (
    ESCAPED_SCRIPT,
    SCRIPT,
    company_form,
    field_invalid,
    link_in,
    persist,
    registration,
    siret_for,
    snapshot,
    user_named,
)

OK_STATUSES = {200, 302, 400, 404}
LONG = "x" * 10_000
VALID_SIRET = siret_for(4242)
BAD_CHECKSUM_SIRET = VALID_SIRET[:-1] + str((int(VALID_SIRET[-1]) + 1) % 10)

# Values no text field may accept: nothing, too much, or characters that are not text.
EMPTY = ["", "   "]
NOT_TEXT = ["\x00", "Jean\x00Dupont", "ab\x01\x07\x1bcd", "\x7f\x08"]
WEIRD = ["😀🏭", "\u202eLTR\u202c", "e\u0301\u0301\u0301\u0301", "\ufeff\u200b", "\U0010fffd"]

BAD_TEXT = EMPTY + [LONG] + NOT_TEXT
BAD_EMAIL = EMPTY + ["a" * 10_000 + "@example.org", "not-an-email", "a@b", "name@", SCRIPT,
                     f"x{SCRIPT}@example.org", "camille\x00@example.org", "\u202ecamille@example.org",
                     "camille martin@example.org", "camille@example..org"]
BAD_SIRET = EMPTY + [LONG, VALID_SIRET[:13], VALID_SIRET + "0", "ABCDEFGHIJKLMN", BAD_CHECKSUM_SIRET, SCRIPT,
                     "".join(chr(0x660 + int(c)) for c in VALID_SIRET), VALID_SIRET[:5] + "\x00" + VALID_SIRET[6:],
                     VALID_SIRET[:5] + "\u200b" + VALID_SIRET[5:], "😀" * 14, "-" * 14]
BAD_POSTCODE = EMPTY + [LONG, "99999", "00000", "6900", "690021", "69OO2", "abcde", "٦٩٠٠٢", SCRIPT, "69\x0002",
                        "69-002", "😀😀😀😀😀"]
BAD_CITY = EMPTY + [LONG, "Marseille", "Lyon 9e Arrondissement", SCRIPT, "😀", "Lyon\x00", "Ly\x1bon"]
BAD_NAF = EMPTY + [LONG, "99.99Z", "10.71", "ZZZZZ", "10.71CC", SCRIPT, "10.71C\x00", "😀"]
BAD_PHONE = EMPTY + [LONG, "123", "abcdefghij", SCRIPT, "04 78 00 00 0\x00", "+", "0" * 30, "😀" * 10]
BAD_NEW_PASSWORD = ["", "short", "x" * 11, LONG]


def cases(**fields) -> list:
    """[(field, value), ...] with readable test ids."""
    return [pytest.param(field, value, id=f"{field}-{_label(value)}") for field, values in fields.items()
            for value in values]


def _label(value: str) -> str:
    if len(value) > 30:
        return f"{len(value)}chars"
    return value.encode("unicode_escape").decode("ascii") or "empty"


def assert_refused(response, before, outbox):
    assert response.status_code in OK_STATUSES, response.data[:3000]
    assert SCRIPT.encode() not in response.data
    assert snapshot() == before
    assert outbox == []


# --------------------------------------------------------------------------- forms of a visitor


REGISTER_CASES = cases(
    full_name=BAD_TEXT, email=BAD_EMAIL, password=BAD_NEW_PASSWORD, password_confirm=["", "not the same password"],
    accept_terms=["", "false"], legal_name=BAD_TEXT, siret=BAD_SIRET, naf_code=BAD_NAF, address=BAD_TEXT,
    postcode=BAD_POSTCODE, city=BAD_CITY, phone=BAD_PHONE,
)


@pytest.mark.parametrize(("field", "value"), REGISTER_CASES)
def test_register_refuses_bad_values(client, outbox, member, field, value):
    persist()
    before = snapshot()
    data = registration(**{field: value})
    if field == "password":
        data["password_confirm"] = value

    response = client.post("/inscription", data=data)

    assert_refused(response, before, outbox)
    assert response.status_code == 200
    assert field_invalid(response, field)


def test_register_refuses_a_siren_given_for_a_siret(client, outbox):
    before = snapshot()

    response = client.post("/inscription", data=registration(siret=VALID_SIRET[:9]))

    assert_refused(response, before, outbox)
    assert field_invalid(response, "siret")


@pytest.mark.parametrize(("field", "value"), cases(email=BAD_EMAIL + [LONG], password=EMPTY + [LONG, "\x00"]))
def test_login_refuses_bad_values(client, member, outbox, field, value):
    persist()
    before = snapshot()

    response = client.post("/connexion", data={"email": member.email, "password": TEST_PASSWORD, field: value})

    assert_refused(response, before, outbox)
    assert response.status_code == 200
    assert client.get("/compte/").status_code == 302


@pytest.mark.parametrize("path", ["/confirmer", "/mot-de-passe-oublie"])
@pytest.mark.parametrize(("field", "value"), cases(email=BAD_EMAIL))
def test_email_forms_refuse_bad_values_and_send_nothing(client, outbox, path, field, value):
    factories.MemberFactory(email="camille@example.org", email_confirmed_at=None)
    persist()
    before = snapshot()

    response = client.post(path, data={field: value})

    assert_refused(response, before, outbox)
    assert response.status_code == 200
    assert field_invalid(response, "email")


@pytest.mark.parametrize(("field", "value"), cases(password=BAD_NEW_PASSWORD,
                                                   password_confirm=["", "not the same password"]))
def test_reset_password_refuses_bad_values(client, member, outbox, field, value):
    client.post("/mot-de-passe-oublie", data={"email": member.email})
    link = link_in(outbox.pop())
    before = snapshot()
    data = {"password": "a brand new passphrase", "password_confirm": "a brand new passphrase", field: value}
    if field == "password":
        data["password_confirm"] = value

    response = client.post(link, data=data)

    assert_refused(response, before, outbox)
    assert response.status_code == 200


# --------------------------------------------------------------------------- forms of a logged-in member


@pytest.fixture
def logged_in(client, login, member):
    login(member)  # commits: the setup survives the views' rollbacks
    return member


@pytest.mark.parametrize("value", BAD_TEXT)
def test_profile_refuses_bad_names(client, logged_in, outbox, value):
    before = snapshot()

    response = client.post("/compte/", data={"person-full_name": value})

    assert_refused(response, before, outbox)
    assert field_invalid(response, "person-full_name")


@pytest.mark.parametrize(("field", "value"), cases(
    legal_name=BAD_TEXT, siret=BAD_SIRET, naf_code=BAD_NAF, address=BAD_TEXT, postcode=BAD_POSTCODE,
    city=BAD_CITY, phone=BAD_PHONE))
def test_company_form_refuses_bad_values(client, logged_in, outbox, field, value):
    before = snapshot()

    response = client.post("/compte/entreprise", data=company_form(logged_in.company, **{field: value}))

    assert_refused(response, before, outbox)
    assert response.status_code == 200
    if field == "siret":  # shown read-only: only a tampered request sends another one
        assert b'id="form-errors"' in response.data
    else:
        assert field_invalid(response, field)


@pytest.mark.parametrize(("field", "value"), cases(
    current_password=EMPTY + [LONG, "\x00", "not the right password"], password=BAD_NEW_PASSWORD,
    password_confirm=["", "not the same password"]))
def test_change_password_refuses_bad_values(client, logged_in, outbox, field, value):
    before = snapshot()
    data = {"current_password": TEST_PASSWORD, "password": "a brand new passphrase",
            "password_confirm": "a brand new passphrase", field: value}
    if field == "password":
        data["password_confirm"] = value

    response = client.post("/compte/mot-de-passe", data=data)

    assert_refused(response, before, outbox)
    assert response.status_code == 200
    assert client.get("/compte/").status_code == 200


@pytest.mark.parametrize(("field", "value"), cases(
    password=EMPTY + [LONG, "\x00", "not the right password"],
    confirm=EMPTY + [LONG, "NON", SCRIPT, "SUPPRIMER\x00", "SUPPRIMEŔ", "😀"]))
def test_delete_account_refuses_bad_values(client, logged_in, outbox, field, value):
    before = snapshot()

    response = client.post("/compte/supprimer", data={"password": TEST_PASSWORD, "confirm": "SUPPRIMER",
                                                      field: value})

    assert_refused(response, before, outbox)
    assert response.status_code == 200
    assert field_invalid(response, field)


# --------------------------------------------------------------------------- text that is odd but legitimate


def test_html_in_registration_text_is_stored_as_typed_and_escaped_everywhere(client, outbox):
    response = client.post("/inscription", data=registration(
        full_name=SCRIPT, legal_name=f"{SCRIPT} SARL", address=f"1 rue {SCRIPT}"))

    assert response.status_code == 200
    user = user_named("camille.martin@example.org")
    assert user.full_name == SCRIPT and user.company.legal_name == f"{SCRIPT} SARL"
    assert SCRIPT.encode() not in response.data
    client.get(link_in(outbox[0]))
    client.post("/connexion", data={"email": user.email, "password": TEST_PASSWORD})
    for path in ("/", "/compte/", "/compte/entreprise", "/compte/membres"):
        page = client.get(path)
        assert page.status_code == 200
        assert SCRIPT.encode() not in page.data, path
        assert ESCAPED_SCRIPT in page.data, path


def test_html_in_a_colleague_request_is_escaped_on_the_members_page(client, login, member):
    factories.PendingMemberFactory(company=member.company, full_name=SCRIPT, email="x@example.org")
    login(member)

    page = client.get("/compte/membres")

    assert SCRIPT.encode() not in page.data and ESCAPED_SCRIPT in page.data


@pytest.mark.parametrize("name", WEIRD)
def test_unusual_unicode_names_are_kept_as_typed(client, logged_in, name):
    response = client.post("/compte/", data={"person-full_name": f"Camille {name}"})

    assert response.status_code == 302
    assert user_named(logged_in.email).full_name == f"Camille {name}"
    assert client.get("/compte/").status_code == 200


@pytest.mark.parametrize("city", ["\u202eLyon", "LYON", "lyon 2e", "Lyon Cedex 02", "  lyon--2E arrondissement "])
def test_city_spellings_resolve_to_the_official_commune_name(client, outbox, city):
    response = client.post("/inscription", data=registration(city=city))

    assert response.status_code == 200
    company = db.session.scalar(db.select(Company).where(Company.siret == VALID_SIRET))
    assert company is not None and company.city == "Lyon 2e Arrondissement"


def test_fullwidth_siret_digits_are_stored_as_ascii(client, outbox):
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in VALID_SIRET)

    response = client.post("/inscription", data=registration(siret=fullwidth))

    assert response.status_code == 200
    company = db.session.scalar(db.select(Company).where(Company.siren == VALID_SIRET[:9]))
    assert company is not None and company.siret == VALID_SIRET


# --------------------------------------------------------------------------- bodies that are not UTF-8


@pytest.mark.parametrize("path", ["/inscription", "/connexion", "/confirmer", "/mot-de-passe-oublie"])
@pytest.mark.parametrize("body", [
    b"email=%FF%FE%FD&password=%C3%28&full_name=%ED%A0%80&siret=%C0%AF&postcode=%F8%88%80%80%80",
    b"email=\xff\xfe&password=\xc3\x28&siret=\x80\x81",
    b"email&password&&==&%",
], ids=["percent-encoded", "raw-bytes", "malformed"])
def test_forms_survive_bodies_that_are_not_utf8(client, member, outbox, path, body):
    persist()
    before = snapshot()

    response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")

    assert_refused(response, before, outbox)


def test_forms_survive_a_multipart_body_that_is_not_utf8(client, member, outbox):
    persist()
    before = snapshot()
    boundary = "xYzZY"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n").encode() + b"\xff\xfe\xfd" + \
        f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n".encode() + b"\xc3\x28" + \
        f"\r\n--{boundary}--\r\n".encode()

    response = client.post("/connexion", data=body, content_type=f"multipart/form-data; boundary={boundary}")

    assert_refused(response, before, outbox)


def test_query_string_that_is_not_utf8_is_harmless(client, member):
    response = client.get("/connexion?next=%FF%FE")
    assert response.status_code == 200

    response = client.post("/connexion?next=%FF%FE", data={"email": member.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/"


# --------------------------------------------------------------------------- malformed ids and tokens in URLs


@pytest.mark.parametrize("member_id", ["abc", "99999999999999999999", "2147483648", "-1", "0", "1e3", "%00",
                                       "%F0%9F%98%80", "1%20OR%201=1", "0x10", " 1"])
@pytest.mark.parametrize("action", ["accepter", "refuser"])
def test_malformed_member_ids_are_404(client, logged_in, member_id, action):
    before = snapshot()

    response = client.post(f"/compte/membres/{member_id}/{action}")

    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "x" * 5000, "%00", "%FF%FE", "..%2F..%2Fetc%2Fpasswd",
                                   quote(SCRIPT, safe=""), "😀"])
@pytest.mark.parametrize(("prefix", "redirect_to"), [("/confirmer/", "/confirmer"),
                                                      ("/mot-de-passe/", "/mot-de-passe-oublie")])
def test_malformed_tokens_redirect_with_a_message(client, member, prefix, redirect_to, token):
    persist()
    before = snapshot()

    response = client.get(prefix + token)

    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert urlsplit(response.headers["Location"]).path == redirect_to
        assert b"alert-danger" in client.get(redirect_to).data
    assert snapshot() == before


def test_malformed_reset_token_posted_changes_nothing(client, member):
    persist()
    before = snapshot()

    response = client.post("/mot-de-passe/garbage", data={"password": "a brand new passphrase",
                                                         "password_confirm": "a brand new passphrase"})

    assert response.status_code == 302
    assert snapshot() == before


@pytest.mark.parametrize("postcode", ["abc", "99999", "6900", "%00", "%FF", quote("<img src=x onerror=alert(1)>"),
                                      "x" * 5000, "😀"])
def test_communes_lookup_with_a_bad_postcode_is_a_json_404(client, postcode):
    response = client.get(f"/communes/{postcode}")

    assert response.status_code == 404
    assert response.is_json and response.get_json()["error"]["message"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # JSON echoing text is never run as HTML


def test_communes_lookup_of_a_good_postcode(client):
    response = client.get("/communes/01090")

    assert response.status_code == 200
    names = [c["name"] for c in response.get_json()["communes"]]
    assert "Montmerle-sur-Saône" in names and len(names) == 6


@pytest.mark.parametrize("code", ["xx", "de", "%00", quote(SCRIPT, safe="")])
def test_unknown_language_is_refused(client, code):
    response = client.post(f"/langue/{code}")

    assert response.status_code in (400, 404)
    assert b'<html lang="fr">' in client.get("/").data


@pytest.mark.parametrize("path", ["/compte/membres/1", "/compte/membres/1/supprimer", "/inscription/1",
                                  "/confirmer/a/b", "/%00", "/..%2F..%2Fetc%2Fpasswd"])
def test_unknown_paths_are_404(client, path):
    assert client.get(path).status_code == 404


# --------------------------------------------------------------------------- arbitrary text (Hypothesis)


ANY_SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@ANY_SETTINGS
@given(email=st.text(max_size=300), password=st.text(max_size=300))
def test_login_never_fails_on_arbitrary_text(client, member, email, password):
    response = client.post("/connexion", data={"email": email, "password": password})

    assert response.status_code in (200, 302)
    if response.status_code == 302:  # only the member's own credentials open a session
        assert email.strip().lower() == member.email and password == TEST_PASSWORD
        client.post("/deconnexion")


@ANY_SETTINGS
@given(siret=st.text(max_size=40), postcode=st.text(max_size=20))
def test_registration_never_fails_on_arbitrary_siret_and_postcode(client, outbox, siret, postcode):
    before = snapshot()

    response = client.post("/inscription", data=registration(siret=siret, postcode=postcode))

    assert response.status_code == 200
    if not re.fullmatch(r"\s*69\s*0\s*0\s*2\s*", postcode):
        assert snapshot() == before and outbox == []
