"""The browsable documentation page (/api/v1/docs): Swagger UI served from this site (the swagger-ui-bundle
package's files), started by ``static/js/api-docs.js`` so that the page works under the strict CSP (no inline
script, no other origin)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, send_from_directory, url_for

from .common import URL_PREFIX

bp = Blueprint("api_docs", __name__, url_prefix=URL_PREFIX)
ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
                    "favicon-32x32.png", "favicon-16x16.png"})
ASSET_MAX_AGE = 24 * 60 * 60


def swagger_ui_path() -> str:
    from swagger_ui_bundle import swagger_ui_path as path

    return path


@bp.route("/docs")
def docs():
    return render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))


@bp.route("/docs/assets/<name>")
def asset(name: str):
    if name not in ASSETS:
        abort(404)
    return send_from_directory(swagger_ui_path(), name, max_age=ASSET_MAX_AGE)
