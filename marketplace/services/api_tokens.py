"""Personal API tokens: create, list, revoke, and authenticate a request's ``Authorization: Bearer`` secret.

A token is ``cci_`` followed by 43 URL-safe characters (32 random bytes from ``secrets``). Only its SHA-256 is
stored, with its first characters (``prefix``) so that a person recognises a token in their list.

Why SHA-256 and not argon2 (which the passwords use): argon2 is deliberately slow to make guessing a *low-entropy*
secret (a password) from a stolen hash expensive. A token carries 256 random bits: nobody can enumerate them, so
a fast hash already makes a stolen hash useless, and a slow hash would only make every API request slower (and
give anyone sending bogus tokens a cheap way to burn the server's CPU). A fast, unsalted hash also lets the token
be found by an indexed equality lookup (``token_hash`` is unique) instead of trying every row's salt."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from .. import permissions
from ..errors import DomainError, NotFound
from ..extensions import db
from ..models import ApiToken, TokenScope, User
from ..models.types import utcnow

TOKEN_PREFIX = "cci_"
SECRET_BYTES = 32
PREFIX_LENGTH = len(TOKEN_PREFIX) + 6  # "cci_" and 6 characters of the secret: ~36 bits, enough to tell apart
NAME_MAX_LENGTH = 80
MAX_ACTIVE_TOKENS = 20
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last_used_at is written at most once a minute per token


class TokenError(DomainError):
    """A token could not be created or revoked; the message says why."""


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def may_use_api(user: User | None) -> bool:
    """The people whose tokens work: active members of a company, and the CCI's staff (moderators,
    administrators). A member who lost their membership (pending again, or removed) is refused."""
    if user is None:
        return False
    return permissions.is_staff(user) or user.is_active_member


def _clean_name(name: str | None) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise TokenError(_l("Give the token a name, to recognise it later."))
    if len(cleaned) > NAME_MAX_LENGTH:
        raise TokenError(_l("The token's name is too long (%(max)d characters at most).", max=NAME_MAX_LENGTH))
    return cleaned


def _clean_scope(scope: str | TokenScope | None) -> TokenScope:
    try:
        return TokenScope(scope)
    except ValueError:
        raise TokenError(_l("Unknown access level: choose read only or read and write.")) from None


def _active(query):
    now = utcnow()
    return query.where(ApiToken.revoked_at.is_(None)).where(
        (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now))


def active_count(user: User) -> int:
    return db.session.scalar(_active(select(func.count(ApiToken.id)).where(ApiToken.user_id == user.id))) or 0


def create_token(user: User, name: str | None, scope: str | TokenScope | None) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the raw secret, which is shown once and never stored."""
    cleaned = _clean_name(name)
    token_scope = _clean_scope(scope)
    if not may_use_api(user):
        raise TokenError(_l("Only active members of a company and the CCI's staff can create API tokens."))
    if active_count(user) >= MAX_ACTIVE_TOKENS:
        raise TokenError(_l("You already have %(max)d active tokens: revoke one you no longer use first.",
                            max=MAX_ACTIVE_TOKENS))
    raw = _new_secret()
    token = ApiToken(user_id=user.id, name=cleaned, scope=token_scope, token_hash=hash_secret(raw),
                     prefix=raw[:PREFIX_LENGTH])
    db.session.add(token)
    db.session.flush()
    return token, raw


def list_tokens(user: User) -> list[ApiToken]:
    """The person's tokens that still work, newest first."""
    query = _active(select(ApiToken).where(ApiToken.user_id == user.id))
    return list(db.session.scalars(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke(user: User, token_id: int) -> ApiToken:
    """Revoke one of the person's own tokens (someone else's is "not found", never "forbidden")."""
    token = db.session.get(ApiToken, token_id) if isinstance(token_id, int) else None
    if token is None or token.user_id != user.id or token.revoked_at is not None:
        raise NotFound(_l("This token does not exist or has already been revoked."))
    token.revoked_at = utcnow()
    db.session.flush()
    return token


def authenticate(raw: str | None) -> ApiToken | None:
    """The working token whose secret is ``raw``, or None (unknown, malformed, revoked, expired, or its owner
    may no longer use the API). Records the use, at most once a minute."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    digest = hash_secret(raw)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    # The lookup is by hash (no timing leak on the secret); compare again in constant time all the same.
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    now = utcnow()
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not may_use_api(token.user):
        return None
    _touch(token, now)
    return token


def _touch(token: ApiToken, now: datetime) -> None:
    """Write ``last_used_at`` when it is older than a minute, in its own small statement; the row is only
    updated if no other request did it meanwhile (two concurrent requests do not both write)."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    threshold = now - LAST_USED_RESOLUTION
    db.session.execute(
        update(ApiToken).where(ApiToken.id == token.id)
        .where((ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at < threshold))
        .values(last_used_at=now).execution_options(synchronize_session=False))
    set_committed_value(token, "last_used_at", now)
    db.session.commit()
