"""The inter-business mutual-aid marketplace of the French Chambers of Commerce."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("MARKETPLACE_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    from .config import ConfigurationError, load_config

    try:
        load_config(app, test_config)
    except ConfigurationError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        raise
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    _init_logging(app)
    _trust_proxies(app)
    _init_extensions(app)
    _register_blueprints(app)
    _init_search(app)
    _register_web_hooks(app)
    _register_commands(app)
    return app


def _init_logging(app: Flask) -> None:
    from .logs import configure_logging

    configure_logging(app)


def _trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies (``PROXY_COUNT``), take the client address, scheme and host from their headers:
    rate limits then count per client, not per proxy."""
    count = app.config["PROXY_COUNT"]
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _init_extensions(app: Flask) -> None:
    from . import auth, i18n
    from .extensions import bootstrap, csrf, db, limiter, mail, migrate

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    _enforce_sqlite_foreign_keys(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    mail.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    auth.init_login(app)


def _enforce_sqlite_foreign_keys(app: Flask) -> None:
    """SQLite ignores foreign keys (and their ON DELETE rules) unless each connection asks for them."""
    from sqlalchemy import event

    from .extensions import db

    def enable(dbapi_connection, connection_record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", enable)


def _register_blueprints(app: Flask) -> None:
    from .account.views import bp as account_bp
    from .admin import bp as admin_bp
    from .alerts import bp as alerts_bp
    from .auth.views import bp as auth_bp
    from .dashboard import bp as dashboard_bp
    from .directory import bp as directory_bp
    from .main.views import bp as main_bp
    from .maps import bp as maps_bp
    from .matches import bp as matches_bp
    from .moderation import bp as moderation_bp
    from .posts import bp as posts_bp
    from .vendor import bp as vendor_bp

    for blueprint in (main_bp, auth_bp, account_bp, posts_bp, moderation_bp, admin_bp, alerts_bp, matches_bp,
                      dashboard_bp):
        app.register_blueprint(blueprint)
    for blueprint in (maps_bp, vendor_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(directory_bp)
    from .api import init_api

    init_api(app)


def _init_search(app: Flask) -> None:
    from . import search

    search.init_app(app)


def _register_web_hooks(app: Flask) -> None:
    from . import web

    web.init_app(app)


def _register_commands(app: Flask) -> None:
    from . import cli

    cli.init_app(app)
