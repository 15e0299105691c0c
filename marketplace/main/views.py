from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, session
from flask_login import current_user
from flask_wtf import FlaskForm

from ..errors import DomainError
from ..extensions import db
from ..services import accounts, catalogue, geo
from ..web import redirect_next

bp = Blueprint("main", __name__)

LATEST_POSTS = 6


@bp.route("/")
def index():
    return render_template("main/index.html", latest_posts=catalogue.latest_posts(LATEST_POSTS))


@bp.route("/langue/<code>", methods=["POST"])
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"] or not FlaskForm().validate_on_submit():
        abort(400)
    session["lang"] = code
    if current_user.is_authenticated:
        accounts.set_locale(current_user, code)
        db.session.commit()
    return redirect_next()


@bp.route("/communes/<postcode>")
def communes(postcode: str):
    """The communes of a postcode, for the city suggestions of the address forms."""
    try:
        found = geo.communes_for(postcode)
    except DomainError as exc:
        return jsonify(error={"code": 404, "message": str(exc.message)}), 404
    return jsonify(communes=[{"name": c.name, "insee": c.insee, "departement": c.departement} for c in found])


@bp.route("/mentions-legales")
def legal():
    return render_template("main/legal.html")
