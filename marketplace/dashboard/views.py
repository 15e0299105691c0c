"""The dashboard's pages: the figures (GET period selector), each chart as an SVG image, each table and the full
exports of the territory as CSV. Moderators and administrators only (members 403, anonymous: the login page)."""

from __future__ import annotations

from functools import wraps

from flask import Response, abort, render_template, request, stream_with_context
from flask_login import current_user, login_required

from .. import permissions
from ..extensions import db
from ..services import company_sizes, dashboard, naf
from . import bp, charts
from .csv_export import rows_to_csv

FULL_EXPORTS = ("posts", "matches", "companies")
# An SVG image of our own: it needs its inline <style>, never a script.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:"


def staff_required(view):
    @wraps(view)
    @login_required
    @permissions.require(permissions.is_moderator)
    def wrapped(*args, **kwargs):
        return view(*args, **kwargs)

    return wrapped


def _period() -> dashboard.ParsedPeriod:
    return dashboard.parse_period(request.args)


@bp.get("")
@staff_required
def index():
    parsed = _period()
    figures = dashboard.build(current_user, parsed.period)
    return render_template("dashboard/index.html", figures=figures, period=parsed.period, errors=parsed.errors,
                           query=parsed.period.query_args(), presets=dashboard.PRESET_LABELS,
                           groupings=dashboard.GROUPING_LABELS)


@bp.get("/charts/<name>.svg")
@staff_required
def chart(name: str):
    if name not in dashboard.TABLE_NAMES:
        abort(404)
    table = dashboard.build(current_user, _period().period).table(name)
    if table is None or table.chart is None:
        abort(404)
    response = Response(charts.render(table), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_POLICY
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _csv_response(filename: str, chunks, stream: bool = True) -> Response:
    response = Response(stream_with_context(chunks) if stream else chunks, mimetype="text/csv")
    response.mimetype_params["charset"] = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/export/<name>.csv")
@staff_required
def export(name: str):
    if name in FULL_EXPORTS:
        return _full_export(name)
    if name not in dashboard.TABLE_NAMES:
        abort(404)
    period = _period().period
    table = dashboard.build(current_user, period).table(name)
    filename = f"{name}_{period.start.isoformat()}_{period.end.isoformat()}.csv"
    text = "".join(rows_to_csv([str(column) for column in table.columns],
                               ([str(c) if not isinstance(c, (int, float)) else c for c in row] for row in table.rows)))
    return _csv_response(filename, [text], stream=False)


def _stream(statement, convert=None):
    for row in db.session.execute(statement.execution_options(yield_per=500)):
        yield convert(row) if convert else row


def _company_row(row):
    values = list(row)
    size_index, naf_index = 4, 3
    values.insert(naf_index + 1, _section(values[naf_index]))
    band = values[size_index + 1]
    values[size_index + 1] = band.value if band is not None else ""
    return values


def _section(code: str) -> str:
    try:
        return naf.get_naf(code).section
    except naf.InvalidNafCode:
        return ""
    except naf.UnknownNafCode:
        return ""


def _full_export(name: str) -> Response:
    stamp = dashboard.today().isoformat()
    if name == "posts":
        statement = dashboard.posts_export(current_user)
        header = ["id", "kind", "category", "status", "title", "quantity", "unit", "exchanged_quantity", "postcode",
                  "city", "departement", "company_id", "company", "siret", "created_at", "published_at", "closed_at"]
        rows = _stream(statement)
    elif name == "matches":
        statement = dashboard.matches_export(current_user)
        header = ["id", "status", "origin", "score", "offer_id", "offer_title", "offer_company", "need_id",
                  "need_title", "need_company", "created_at", "decided_at", "introduced_at", "closed_at"]
        rows = _stream(statement)
    else:
        statement = dashboard.companies_export(current_user)
        header = ["id", "legal_name", "siret", "naf_code", "naf_section", "size_band", "postcode", "city",
                  "departement", "region", "phone", "contact_email", "verified", "created_at", "suspended_at"]
        rows = _stream(statement, _company_row)
    return _csv_response(f"{name}_{stamp}.csv", rows_to_csv(header, rows))


@bp.app_template_global("size_band_label")
def size_band_label(band):
    return company_sizes.size_label(band)


@bp.app_template_filter("format_figure")
def format_figure(value):
    """Numbers in the reader's language (1 234,5 in French); text as it is; "—" where there is no figure (a median
    over nothing)."""
    from flask_babel import format_decimal

    if value is None or value == "":
        return "—"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_decimal(value)
    return value
