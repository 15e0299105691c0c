"""Password hashing with Argon2id (argon2-cffi's defaults follow RFC 9106)."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def dummy_hash() -> str:
    """A hash to check when the email is unknown, so that the answer takes as long as for a known one.
    Computed on first use: Argon2 is slow on purpose, and imports should cost nothing."""
    return _hasher.hash("no account has this password")


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
