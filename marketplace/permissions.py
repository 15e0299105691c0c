"""Every authorization rule of the application, in one place (and tested one by one)."""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING

from flask import abort
from flask_login import current_user

if TYPE_CHECKING:
    from .models import Company, Match, Post, User


def _role(user) -> str | None:
    return getattr(getattr(user, "role", None), "value", None) if getattr(user, "is_authenticated", False) else None


def is_admin(user: User) -> bool:
    return _role(user) == "admin"


def is_moderator(user: User) -> bool:
    """Administrators can do everything moderators can."""
    return _role(user) in {"moderator", "admin"}


def is_staff(user: User) -> bool:
    return is_moderator(user)


def covers_departement(user: User, departement: str) -> bool:
    """A moderator acts on his départements; an administrator without territory acts everywhere."""
    if not is_moderator(user):
        return False
    if is_admin(user) and not user.territories:
        return True
    return departement in user.departements


def can_act_for_company(user: User, company: Company) -> bool:
    """Post, edit and answer in the company's name: an active member only."""
    return _role(user) == "member" and user.is_active_member and user.company_id == company.id


def can_edit_company(user: User, company: Company) -> bool:
    return can_act_for_company(user, company) or covers_departement(user, company.departement)


def can_manage_members(user: User, company: Company) -> bool:
    return can_act_for_company(user, company)


def can_see_contact_details(user: User, company: Company) -> bool:
    """Contact details are for the company itself and the CCI staff of its territory."""
    if _role(user) == "member":
        return user.company_id == company.id and user.is_active_member
    return covers_departement(user, company.departement)


def can_manage_staff(user: User) -> bool:
    return is_admin(user)


def can_browse_audit_log(user: User) -> bool:
    return is_admin(user)


def can_moderate_company(user: User, company: Company) -> bool:
    """Moderation follows the company's département (its CCI), wherever a post is located."""
    return covers_departement(user, company.departement)


def can_moderate_post(user: User, post: Post) -> bool:
    return can_moderate_company(user, post.company)


def can_edit_post(user: User, post: Post) -> bool:
    """The company's active members, and the CCI staff of its territory (posts taken by phone)."""
    return can_act_for_company(user, post.company) or can_moderate_post(user, post)


def can_view_post(user: User, post: Post) -> bool:
    """Anyone sees a visible post; the company and its moderators also see drafts, pending, closed..."""
    from .services.posts import is_visible

    return is_visible(post) or can_edit_post(user, post)


def require(check):
    """Decorator: 403 unless ``check(current_user)`` holds (login is handled by ``login_required``)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# Matches: review


def can_review_match(user: User, match: Match) -> bool:
    """Approve or reject a match: the moderators of either post's département (administrators without
    territory: every match)."""
    return covers_departement(user, match.offer.departement) or covers_departement(user, match.need.departement)


def can_request_introduction(user: User, post: Post) -> bool:
    """"Je suis intéressé·e": an active member of another company than the post's (never CCI staff)."""
    company = getattr(user, "company", None)
    return company is not None and can_act_for_company(user, company) and post.company_id != company.id


# Matches: introductions


def match_side(user: User, match: Match) -> str | None:
    """"offer" or "need": the side of the match the user acts for (an active member of that post's company)."""
    if _role(user) != "member" or not user.is_active_member:
        return None
    return match.side_of(user.company_id)


def can_view_match(user: User, match: Match) -> bool:
    """The match page: the two companies once a moderator approved the match (never a proposed or rejected one),
    and, read-only, the CCI staff of either post's or either company's territory."""
    if match_side(user, match) is not None:
        return match.status.value not in ("proposed", "rejected")
    places = {match.offer.departement, match.need.departement, match.offer.company.departement,
              match.need.company.departement}
    return any(covers_departement(user, departement) for departement in places)


def can_answer_for_side(user: User, match: Match, side: str) -> bool:
    """Accept or decline the introduction, write in the thread, report the outcome for ``side``: only an active
    member of that side's company (never the other company, never the CCI staff)."""
    return side in ("offer", "need") and match_side(user, match) == side
