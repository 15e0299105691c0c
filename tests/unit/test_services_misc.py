"""Small services: signed tokens, password hashing, after-commit side effects, phone and SIRET checks."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from argon2 import PasswordHasher
from flask_babel import force_locale
from itsdangerous import TimestampSigner
from stdnum.fr import siret as stdnum_siret

from marketplace.extensions import db
from marketplace.services import companies, effects, passwords, tokens
from tests.factories import make_siret


@pytest.fixture
def ctx(app):
    with app.test_request_context("/"), force_locale("en"):
        yield


# --------------------------------------------------------------------------- tokens


def test_token_round_trip(ctx):
    token = tokens.make_token("confirm-email", {"user": 7, "email": "a@example.org"})
    assert tokens.read_token("confirm-email", token, max_age=60) == {"user": 7, "email": "a@example.org"}


def test_token_is_url_safe_and_does_not_show_the_secret(ctx, app):
    token = tokens.make_token("confirm-email", {"user": 7})
    assert all(ch.isalnum() or ch in "-_." for ch in token)
    assert app.config["SECRET_KEY"] not in token


def test_token_of_another_purpose_is_refused(ctx):
    token = tokens.make_token("confirm-email", {"user": 7})
    with pytest.raises(tokens.InvalidToken) as excinfo:
        tokens.read_token("reset-password", token, max_age=60)
    assert "invalid" in str(excinfo.value.message)


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
    lambda t: "x" + t,  # payload changed
    lambda t: "",
    lambda t: "not-a-token",
])
def test_tampered_token_is_refused(ctx, mangle):
    token = tokens.make_token("confirm-email", {"user": 7})
    with pytest.raises(tokens.InvalidToken) as excinfo:
        tokens.read_token("confirm-email", mangle(token), max_age=60)
    assert "invalid" in str(excinfo.value.message)


def test_expired_token_says_so(ctx, monkeypatch):
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 3600)
    token = tokens.make_token("reset-password", {"user": 7})
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    assert tokens.read_token("reset-password", token, max_age=7200) == {"user": 7}
    with pytest.raises(tokens.InvalidToken) as excinfo:
        tokens.read_token("reset-password", token, max_age=60)
    assert "expired" in str(excinfo.value.message)


def test_token_signed_with_another_secret_key_is_refused(ctx, app, monkeypatch):
    token = tokens.make_token("confirm-email", {"user": 7})
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret-key-for-this-test")
    with pytest.raises(tokens.InvalidToken):
        tokens.read_token("confirm-email", token, max_age=60)


# --------------------------------------------------------------------------- passwords


def test_password_hash_is_argon2id_and_salted():
    first, second = passwords.hash_password("le mot de passe"), passwords.hash_password("le mot de passe")
    assert first.startswith("$argon2id$")
    assert "le mot de passe" not in first
    assert first != second  # a random salt each time


def test_verify_password():
    stored = passwords.hash_password("été à Noël 2026 ✓")
    assert passwords.verify_password(stored, "été à Noël 2026 ✓") is True
    assert passwords.verify_password(stored, "ete a Noel 2026 ✓") is False
    assert passwords.verify_password(stored, "") is False


@pytest.mark.parametrize("stored", ["", "plain text", "$argon2id$broken", "pbkdf2:sha256:600000$abc$def"])
def test_verify_password_with_a_bad_hash_is_false_not_an_error(stored):
    assert passwords.verify_password(stored, "anything") is False


def test_needs_rehash_only_for_weaker_parameters():
    assert passwords.needs_rehash(passwords.hash_password("x" * 12)) is False
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("x" * 12)
    assert passwords.verify_password(weak, "x" * 12) is True
    assert passwords.needs_rehash(weak) is True


# --------------------------------------------------------------------------- after_commit


def _touch_database():
    db.session.execute(sa.text("SELECT 1"))


def test_callback_runs_once_after_commit():
    calls = []
    _touch_database()
    effects.after_commit(lambda: calls.append("sent"))
    assert calls == []  # not before the commit
    db.session.commit()
    assert calls == ["sent"]
    db.session.commit()
    assert calls == ["sent"]  # not again at the next commit


def test_callbacks_run_in_the_order_registered():
    calls = []
    effects.after_commit(lambda: calls.append(1))
    effects.after_commit(lambda: calls.append(2))
    db.session.commit()
    assert calls == [1, 2]


def test_callback_dropped_on_rollback():
    calls = []
    _touch_database()
    effects.after_commit(lambda: calls.append("sent"))
    db.session.rollback()
    _touch_database()
    db.session.commit()
    assert calls == []


def test_callback_dropped_on_rollback_even_before_any_query():
    """A service may register its mail before touching the database, then fail."""
    calls = []
    effects.after_commit(lambda: calls.append("sent"))
    db.session.rollback()
    db.session.commit()
    assert calls == []


def test_callback_of_the_next_unit_of_work_still_runs():
    calls = []
    effects.after_commit(lambda: calls.append("first"))
    db.session.rollback()
    effects.after_commit(lambda: calls.append("second"))
    db.session.commit()
    assert calls == ["second"]


def test_failing_callback_is_logged_and_does_not_propagate(caplog):
    calls = []

    def broken():
        raise RuntimeError("smtp server on fire")

    effects.after_commit(broken)
    effects.after_commit(lambda: calls.append("still sent"))
    with caplog.at_level(logging.ERROR, logger="marketplace"):
        db.session.commit()  # does not raise
    assert calls == ["still sent"]
    failures = [r for r in caplog.records if r.name == "marketplace.services.effects"]
    assert len(failures) == 1
    assert failures[0].exc_info and "smtp server on fire" in str(failures[0].exc_info[1])


def test_callback_on_an_explicit_session(app):
    calls = []
    with orm.Session(db.session.get_bind()) as other:
        effects.after_commit(lambda: calls.append("other"), session=other)
        db.session.commit()
        assert calls == []  # registered on the other session only
        other.commit()
    assert calls == ["other"]


def test_savepoint_rollback_keeps_callbacks_of_the_enclosing_transaction():
    calls = []
    _touch_database()
    effects.after_commit(lambda: calls.append("outer"))
    savepoint = db.session.begin_nested()
    savepoint.rollback()
    db.session.commit()
    assert calls == ["outer"]


def test_savepoint_rollback_drops_the_callbacks_registered_inside_it():
    calls = []
    _touch_database()
    effects.after_commit(lambda: calls.append("outer"))
    savepoint = db.session.begin_nested()
    effects.after_commit(lambda: calls.append("inner"))
    savepoint.rollback()
    db.session.commit()
    assert calls == ["outer"]


def test_committed_savepoint_callbacks_are_dropped_when_the_enclosing_transaction_rolls_back():
    calls = []
    _touch_database()
    with db.session.begin_nested():
        effects.after_commit(lambda: calls.append("inner"))
    db.session.rollback()
    db.session.commit()
    assert calls == []


# --------------------------------------------------------------------------- phone numbers


@pytest.mark.parametrize("raw", [
    "04 72 00 11 22", "0472001122", "04.72.00.11.22", "04-72-00-11-22", " 04 72 00 11 22 ",
    "(04) 72 00 11 22", "+33 4 72 00 11 22", "+33472001122", "0033 4 72 00 11 22", "+33 (0)4 72 00 11 22",
])
def test_french_numbers_are_normalized(raw):
    assert companies.normalize_phone(raw) == "04 72 00 11 22"


@pytest.mark.parametrize("raw, expected", [
    ("+41 22 123 45 67", "+41221234567"),
    ("0041 22 123 45 67", "+41221234567"),
    ("+262 262 12 34 56", "+262262123456"),
])
def test_international_numbers_keep_their_prefix(raw, expected):
    assert companies.normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", [
    "", "   ", None, "abc", "12345", "0012", "00 00 00 00 00", "04 72 00 11", "04 72 00 11 22 33",
    "+0 472001122", "+1234567", "+1234567890123456", "04 72 00 11 2x", "<script>",
])
def test_bad_phone_numbers_are_refused_clearly(ctx, raw):
    with pytest.raises(companies.InvalidPhone) as excinfo:
        companies.normalize_phone(raw)
    assert "01 23 45 67 89" in str(excinfo.value.message)


# --------------------------------------------------------------------------- SIRET


@pytest.mark.parametrize("raw", ["73282932000074", "732 829 320 00074", " 732829320 00074 ", "732.829.320.00074",
                                 "７３２８２９３２００００７４"])
def test_valid_siret_is_normalized_to_14_digits(raw):
    assert companies.normalize_siret(raw) == "73282932000074"


def test_la_poste_siret_with_its_own_checksum_is_accepted():
    assert companies.normalize_siret("356 000 000 49837") == "35600000049837"


def test_factory_sirets_are_valid():
    assert all(stdnum_siret.is_valid(make_siret(n)) for n in range(1, 50))


@pytest.mark.parametrize("raw, count", [("7328293200007", 13), ("732829320000741", 15), ("732 829 320", 9)])
def test_siret_of_wrong_length_says_how_many_digits(ctx, raw, count):
    with pytest.raises(companies.InvalidSiret) as excinfo:
        companies.normalize_siret(raw)
    assert str(excinfo.value.message) == f"A SIRET has 14 digits; you typed {count}."


@pytest.mark.parametrize("raw", ["73282932000075", "73282932100074", "12345678901234"])
def test_siret_with_wrong_check_digit(ctx, raw):
    with pytest.raises(companies.InvalidSiret) as excinfo:
        companies.normalize_siret(raw)
    assert "check digit" in str(excinfo.value.message)


@pytest.mark.parametrize("raw", ["7328293200007A", "SIRET 73282932000074", "<b>73282932000074</b>"])
def test_siret_with_other_characters(ctx, raw):
    with pytest.raises(companies.InvalidSiret) as excinfo:
        companies.normalize_siret(raw)
    assert str(excinfo.value.message) == "A SIRET contains digits only."


def test_siret_messages_are_translated_to_french(app):
    with app.test_request_context("/"), force_locale("fr"):
        with pytest.raises(companies.InvalidSiret) as excinfo:
            companies.normalize_siret("123")
        message = str(excinfo.value.message)
    assert "SIRET" in message and "3" in message
    assert message != "A SIRET has 14 digits; you typed 3."
