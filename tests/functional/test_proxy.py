"""Deployment behind a reverse proxy: client addresses from X-Forwarded-For, unknown hosts refused."""

from __future__ import annotations

import pytest
from flask import request

from marketplace import create_app

from ..conftest import base_config


@pytest.mark.no_db
def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(tmp_path_factory):
    app = create_app(base_config(tmp_path_factory, PROXY_COUNT=1))
    seen = []
    app.add_url_rule("/whoami", "whoami", lambda: seen.append(request.remote_addr) or "ok")
    app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen == ["203.0.113.7"]


@pytest.mark.no_db
def test_without_proxy_setting_the_forwarded_header_is_ignored(tmp_path_factory):
    app = create_app(base_config(tmp_path_factory))
    seen = []
    app.add_url_rule("/whoami", "whoami", lambda: seen.append(request.remote_addr) or "ok")
    app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen == ["127.0.0.1"]


@pytest.mark.no_db
def test_an_untrusted_host_is_refused(tmp_path_factory):
    app = create_app(base_config(tmp_path_factory, TRUSTED_HOSTS=["entraide.example.org"], SERVER_NAME=None))
    assert app.test_client().get("/", headers={"Host": "evil.example"}).status_code == 400
