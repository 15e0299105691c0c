"""Languages: French by default, English on request (kept in the session)."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, session

from .extensions import babel

SESSION_KEY = "lang"


def select_locale() -> str:
    chosen = session.get(SESSION_KEY) if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(app.root_path + "/translations"))
