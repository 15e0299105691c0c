"""The company's own posts: create, edit, submit, close, renew, delete, photos and "my posts" (thin views).

Every action parses its form, calls ``services.posts`` or ``services.photos``, commits once, then redirects;
a domain error rolls everything back and is shown on its field or as a message."""

from __future__ import annotations

import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from .. import permissions
from ..errors import DomainError
from ..extensions import db
from ..models import Company, Post, PostKind, PostStatus
from ..services import categories, paging, photos, posts
from ..web import ID, commit_action, commit_result, flash_outcome, redirect_next
from . import bp
from .forms import CloseForm, ConfirmForm, PhotoForm, PostForm, initial_data, show_domain_error

PUBLIC_PHOTO_MAX_AGE = 60 * 60


# --------------------------------------------------------------------------- creating and editing


@bp.route("/posts/new", methods=["GET", "POST"])
@login_required
def create():
    company = _own_company()
    form = PostForm(company, data=_preselected_kind())
    if form.validate_on_submit():
        def action() -> Post:
            post = posts.create_post(current_user, company, form.post_data(), submit=form.wants_submission)
            photos.add_photos(current_user, post, _uploads(form.photos))
            return post

        post, error = commit_result(action)
        if error is None:
            flash(_saved_message(None, post), "success")
            return redirect(url_for("posts.detail", post_id=post.id))
        _show_error(form, error)
    return render_template("posts/form.html", form=form, post=None, company=company, **_form_context())


def _preselected_kind() -> dict:
    """``?kind=need`` (from "I'm interested" when the company has no post of that kind yet) ticks that kind."""
    kind = request.args.get("kind")
    return {"kind": kind} if kind in {k.value for k in PostKind} else {}


@bp.route(f"/posts/<{ID}:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post = _editable_post(post_id)
    if post.status is PostStatus.CLOSED:
        flash(_("A closed post cannot be changed."), "warning")
        return redirect(url_for("posts.detail", post_id=post.id))
    form = PostForm(post.company, data=initial_data(post))
    if form.validate_on_submit():
        before = post.status
        submit = form.wants_submission and "submit" in posts.allowed_actions(post)

        def action():
            posts.update_post(current_user, post, form.post_data())
            if submit:
                posts.submit_post(current_user, post)

        error = commit_action(action)
        if error is None:
            flash(_saved_message(before, post), "success")
            return redirect(url_for("posts.detail", post_id=post.id))
        _show_error(form, error)
    return render_template("posts/form.html", form=form, post=post, company=post.company,
                           photo_form=PhotoForm(), **_form_context())


def _form_context() -> dict:
    return {"units": categories.COMMON_UNITS, "pre_moderation": posts.pre_moderation(),
            "max_photos": current_app.config["PHOTO_MAX_COUNT"],
            "max_photo_mb": f"{current_app.config['PHOTO_MAX_BYTES'] / (1024 * 1024):.3g}"}


def _saved_message(before: PostStatus | None, post: Post) -> str:
    """What happened to the post, in the words of its owner."""
    status = post.status
    if status is PostStatus.DRAFT:
        return _("The draft is saved: only your company and the CCI can see it. Submit it when it is ready.")
    if status is PostStatus.PENDING and before in (None, PostStatus.DRAFT, PostStatus.REJECTED):
        return _("Your post is submitted: the CCI checks it before it is published.")
    if status is PostStatus.PENDING and before in (PostStatus.PUBLISHED, PostStatus.EXPIRED):
        return _("Your changes are saved. As they change what the post is about, the CCI checks it again "
                 "before it is shown.")
    if status is PostStatus.PUBLISHED and before is not PostStatus.PUBLISHED:
        return _("Your post is published.")
    return _("Your changes are saved.")


# --------------------------------------------------------------------------- lifecycle actions


@bp.route(f"/posts/<{ID}:post_id>/submit", methods=["POST"])
@login_required
def submit(post_id: int):
    post = _editable_post(post_id)
    before = post.status
    error = commit_action(lambda: posts.submit_post(current_user, post))
    flash_outcome(error, lambda: _saved_message(before, post))
    return redirect_next("posts.detail", post_id=post_id)


@bp.route(f"/posts/<{ID}:post_id>/renew", methods=["POST"])
@login_required
def renew(post_id: int):
    post = _editable_post(post_id)
    error = commit_action(lambda: posts.renew_post(current_user, post))
    flash_outcome(error, lambda: _renewed_message(post))
    return redirect_next("posts.detail", post_id=post_id)


def _renewed_message(post: Post) -> str:
    return _("The post “%(title)s” is renewed: it stays online until %(date)s.", title=post.title,
             date=format_date(posts.expiry_date(post)))


@bp.route(f"/posts/<{ID}:post_id>/close", methods=["GET", "POST"])
@login_required
def close(post_id: int):
    post = _editable_post(post_id)
    if "close" not in posts.allowed_actions(post):
        flash(_("This post cannot be closed."), "warning")
        return redirect(url_for("posts.detail", post_id=post.id))
    form = CloseForm()
    if form.validate_on_submit():
        error = commit_action(lambda: posts.close_post(current_user, post, form.reason.data,
                                                 form.exchanged_quantity.data))
        if error is None:
            flash(_("The post “%(title)s” is closed.", title=post.title), "success")
            return redirect(url_for("posts.my_posts"))
        _show_error(form, error)
    return render_template("posts/close.html", post=post, form=form)


@bp.route(f"/posts/<{ID}:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete(post_id: int):
    post = _editable_post(post_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        title = post.title
        error = commit_action(lambda: photos.remove_files_after_commit(posts.delete_post(current_user, post)))
        if error is None:
            flash(_("The post “%(title)s” is deleted.", title=title), "success")
            return redirect(url_for("posts.my_posts"))
        flash(str(error.message), "danger")
    return render_template("posts/delete.html", post=post, form=form, can_close="close" in posts.allowed_actions(post))


@bp.route("/posts/renew/<token>")
def renew_from_mail(token: str):
    """One click from the reminder mail: the signed link is the authorization (no login needed)."""
    post, error = commit_result(lambda: posts.renew_from_token(token))
    if error is not None:
        flash(str(error.message), "danger")
        return redirect(url_for("posts.my_posts"))
    flash(_renewed_message(post), "success")
    return redirect(url_for("posts.detail", post_id=post.id))


# --------------------------------------------------------------------------- my posts


@bp.route("/my-posts")
@login_required
def my_posts():
    company = _own_company()
    status, ignored = _status_filter(request.args.get("status"))
    raw_page = request.args.get("page")
    page = paging.page_of(*posts.company_listing(company, status), paging.parse_page(raw_page),
                          current_app.config["POSTS_PER_PAGE"])
    return render_template("posts/my_posts.html", company=company, page=page, status=status,
                           counts=posts.status_counts(company), ignored_status=ignored,
                           notices=paging.page_notices(page, raw_page),
                           actions={post.id: posts.allowed_actions(post) for post in page.items},
                           expiry_date=posts.expiry_date)


def _status_filter(raw: str | None) -> tuple[PostStatus | None, bool]:
    """The status asked for, and whether the value was not understood (then every post is shown)."""
    if not raw:
        return None, False
    try:
        return PostStatus(raw), False
    except ValueError:
        return None, True


# --------------------------------------------------------------------------- photos


@bp.route(f"/posts/<{ID}:post_id>/photos", methods=["POST"])
@login_required
def upload_photo(post_id: int):
    post = _editable_post(post_id)
    uploads = _uploads(PhotoForm().photos)
    if not uploads:
        flash(_("Choose one or more photos to add."), "danger")
    else:
        error = commit_action(lambda: photos.add_photos(current_user, post, uploads))
        flash_outcome(error, lambda: ngettext("%(num)d photo added.", "%(num)d photos added.", len(uploads)))
    return redirect(url_for("posts.edit", post_id=post_id, _anchor="photos"))


@bp.route(f"/posts/<{ID}:post_id>/photos/<{ID}:photo_id>/delete", methods=["POST"])
@login_required
def delete_photo(post_id: int, photo_id: int):
    post = _editable_post(post_id)
    error = commit_action(lambda: photos.delete_photo(current_user, post, photo_id))
    flash_outcome(error, lambda: _("The photo is deleted."))
    return redirect(url_for("posts.edit", post_id=post_id, _anchor="photos"))


@bp.route(f"/photos/<{ID}:photo_id>")
def photo(photo_id: int):
    """The file of a photo, to whoever may see its post; 404 for anyone else, as if it did not exist."""
    found = photos.get_photo(photo_id)
    if found is None or not permissions.can_view_post(current_user, found.post):
        abort(404)
    content = photos.read_file(found)
    if content is None:
        abort(404)
    response = send_file(io.BytesIO(content), mimetype=found.content_type, conditional=True,
                         etag=found.filename.partition(".")[0], last_modified=found.created_at)
    public = posts.is_visible(found.post)
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_PHOTO_MAX_AGE}" if public \
        else "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response


def _uploads(field) -> list[photos.Upload]:
    return [photos.Upload.of(file.filename, file.stream) for file in (field.data or [])
            if file is not None and getattr(file, "filename", None)]


# --------------------------------------------------------------------------- helpers


def _own_company() -> Company:
    """The company the current user acts for; 403 for anyone but its active members."""
    company = current_user.company
    if company is None or not permissions.can_act_for_company(current_user, company):
        abort(403)
    return company


def _editable_post(post_id: int) -> Post:
    """The post, if the current user may edit it; 404 if they may not even see it, 403 otherwise."""
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404)
    if not permissions.can_edit_post(current_user, post):
        abort(403 if permissions.can_view_post(current_user, post) else 404)
    return post


def _show_error(form, error: DomainError) -> None:
    if not show_domain_error(form, error):
        flash(str(error.message), "danger")
