"""gunicorn.conf.py: a worker warms the matching engine up in an application context of its own."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

from flask import has_app_context

from marketplace.services import matching

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_a_worker_warms_the_matching_engine_up(app, monkeypatch):
    calls = []
    monkeypatch.setattr(matching, "warm_up", lambda: calls.append(has_app_context()))
    hooks = runpy.run_path(str(CONF))
    hooks["post_worker_init"](SimpleNamespace(wsgi=app))
    assert calls == [True]


def test_warming_up_never_raises_without_an_index(app):
    with app.app_context():
        matching.warm_up()
