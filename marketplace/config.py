"""Configuration in layers: class defaults, then ``instance/config.py``, then the
environment (``MARKETPLACE_*`` plus the conventional ``DATABASE_URL``, ``REDIS_URL``,
``SECRET_KEY``), then the mapping given to ``create_app`` (tests)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

INSECURE_KEYS = frozenset({"", "dev", "changeme", "change-me", "secret"})
CONVENTIONAL_ENV = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI", "REDIS_URL": "REDIS_URL", "SECRET_KEY": "SECRET_KEY"}


class ConfigurationError(SystemExit):
    """The configuration cannot run safely.

    A SystemExit with gunicorn's "worker failed to boot" status (3), so that the server stops at once and the
    operator reads one line (printed by ``create_app``) rather than a traceback."""

    def __init__(self, message: str):
        super().__init__(3)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DefaultConfig:
    ENV = "production"  # "development" relaxes SECRET_KEY and secure cookies (set by `make run`)
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # default: SQLite file in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL: str | None = None
    PROXY_COUNT = 0  # reverse proxies in front of the app (1 behind nginx): see README
    TRUSTED_HOSTS: list[str] | None = None  # e.g. ["entraide.cci.fr"]: other Host headers are refused

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ("fr", "en")

    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BOOTSWATCH_THEME = None

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 4
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    PASSWORD_MIN_LENGTH = 12
    EMAIL_CONFIRM_MAX_AGE = 60 * 60 * 24 * 7
    PASSWORD_RESET_MAX_AGE = 60 * 60

    RATELIMIT_ENABLED = True
    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    RATELIMIT_HEADERS_ENABLED = True

    MAIL_SERVER: str | None = None  # no server: mails are written to the console log
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "Bourse d'entraide CCI <no-reply@bourse-entraide.example>"

    POST_MODERATION = "pre"  # "pre": moderators approve before publication; "post": publish, review afterwards
    POST_MAX_AGE_DAYS = 60
    POST_REMINDER_DAYS = 7
    POST_RENEW_LINK_MAX_AGE = 60 * 60 * 24 * 30
    POSTS_PER_PAGE = 20

    SEARCH_INDEX_PATH: str | None = None  # default: "search-index" in the instance folder
    SEARCH_INDEX_NAME = "main"  # this host's index replica: its cursor in the change log (one name per host)
    SEARCH_LOCK_TIMEOUT = 2.0  # seconds a writer waits for another process's index lock before leaving it
    SEARCH_GAP_GRACE = 120  # seconds the cursor waits at a hole in the change log (a transaction still open)
    SEARCH_AUTO_REBUILD = True  # rebuild a missing or corrupt index in the background ("sync": at once)
    SEARCH_BUILD_PROCS = 1  # writer processes of `flask search reindex` (2 on a 2-core machine)
    SEARCH_THESAURUS_TTL = 30  # seconds a process keeps the synonym thesaurus before reading it again
    SEARCH_FEW_RESULTS = 3  # fewer results than this: offer a spelling correction
    MATCH_MIN_SCORE = 0.34  # a pair scoring less is never suggested
    MATCH_MAX_SUGGESTIONS = 10  # suggestions kept per post, best first
    MATCH_RELATIVE_CUT = 0.5  # nor a pair scoring less than this share of the post's best suggestion
    MATCH_MUTUAL_FLOOR = 0.25  # two posts that are each other's best candidate are suggested from this score
    MATCH_CANDIDATES = 50  # candidates taken from the index and judged, per post
    MATCH_MUTUAL_RANK = 3  # a post with no suggestion gets its best candidate if it ranks among that one's 3 best
    NOTIFICATIONS_PER_PAGE = 30
    NOTIFY_MAIL_DAILY_CAP = 10  # notification mails per person per 24 h; beyond: the daily digest (None: no cap)
    AUDIT_ENTRIES_PER_PAGE = 50
    PHOTO_MAX_BYTES = 5 * 1024 * 1024
    PHOTO_MAX_COUNT = 6
    PHOTO_MAX_PIXELS = 40_000_000

    # The map's background tiles ({z}/{x}/{y}, or {s} for subdomains): the CSP allows this host for images.
    # Without tiles (offline, blocked) the map still draws the départements' outlines shipped with the app.
    MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    MAP_TILE_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    API_RATELIMIT = "300 per minute;5000 per hour"  # per API token (per address without one)
    MAP_MAX_FEATURES = 2000  # posts sent for one view of the map; beyond, the answer says "truncated"

    DEMO_PASSWORD = "demo-entraide-2026"


def load_config(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Fill ``app.config`` layer by layer and derive the defaults that depend on it."""
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    _load_conventional_env(app)
    app.config.from_prefixed_env("MARKETPLACE")
    if test_config:
        app.config.from_mapping(test_config)
    _derive_defaults(app)


def _load_conventional_env(app: Flask) -> None:
    for env_name, key in CONVENTIONAL_ENV.items():
        value = os.environ.get(env_name)
        if value:
            app.config[key] = value


def _derive_defaults(app: Flask) -> None:
    instance = Path(app.instance_path)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'marketplace.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    if is_production(app):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.config["SECRET_KEY"] = _secret_key(app)


def normalize_database_url(url: str) -> str:
    """Accept the ``postgres://`` and ``postgresql://`` URLs that hosts hand out and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_production(app: Flask) -> bool:
    return app.config["ENV"] == "production" and not app.testing


def _secret_key(app: Flask) -> str:
    key = app.config.get("SECRET_KEY") or ""
    if key.strip().lower() not in INSECURE_KEYS and len(key) >= 16:
        return key
    if is_production(app):
        raise ConfigurationError(
            "SECRET_KEY is missing or too weak: set SECRET_KEY (or MARKETPLACE_SECRET_KEY) to a random string "
            "of at least 16 characters, e.g. python -c 'import secrets; print(secrets.token_hex(32))'."
        )
    return _development_key(Path(app.instance_path))


def _development_key(instance: Path) -> str:
    """A random key kept in the instance folder, so sessions survive restarts in development."""
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key
