"""gunicorn.conf.py: a worker warms the matching engine up in an application context of its own."""

from __future__ import annotations

import runpy
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace


from marketplace.services import matching

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_a_worker_warms_the_matching_engine_up(app, monkeypatch):
    """The hook warms up inside the worker's own application's context (not one a test happens to hold)."""
    events = []

    class WorkerApp:
        @contextmanager
        def app_context(self):
            events.append("enter")
            yield
            events.append("exit")

    monkeypatch.setattr(matching, "warm_up", lambda: events.append("warm_up"))
    hooks = runpy.run_path(str(CONF))
    hooks["post_worker_init"](SimpleNamespace(wsgi=WorkerApp()))
    assert events == ["enter", "warm_up", "exit"]


def test_warming_up_never_raises_without_an_index(app):
    with app.app_context():
        matching.warm_up()
