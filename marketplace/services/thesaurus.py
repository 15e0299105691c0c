"""The administrators' edits of the synonym thesaurus of the search.

Every function checks that the person is an administrator, records the action in the audit log and flushes; the
caller commits. Once committed, the groups kept in memory by the search are dropped
(``marketplace.search.thesaurus.invalidate``), so this process searches with the new groups at once and the
others within ``SEARCH_THESAURUS_TTL`` seconds."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from .. import permissions
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..models import SynonymGroup, User
from ..search import thesaurus
from ..search.thesaurus import InvalidSynonyms, normalize_terms, search_key, term_key
from . import audit, effects

__all__ = ["InvalidSynonyms", "create_group", "delete_group", "get_group", "list_groups", "restore_defaults",
           "update_group"]


def list_groups(contains: str | None = None) -> list[SynonymGroup]:
    """Every group, sorted by its first term; with ``contains``, the groups with a term holding that text (case,
    accents and punctuation aside)."""
    groups = db.session.scalars(sa.select(SynonymGroup).options(selectinload(SynonymGroup.updated_by))
                                .order_by(SynonymGroup.id)).all()
    needle = term_key(contains or "")
    if needle:
        groups = [group for group in groups if any(needle in term_key(term) for term in group.term_list)]
    return sorted(groups, key=lambda group: [term_key(term) for term in group.term_list[:1]])


def get_group(group_id: int) -> SynonymGroup:
    group = db.session.get(SynonymGroup, group_id)
    if group is None:
        raise NotFound(_l("This synonym group does not exist, or no longer does."))
    return group


def create_group(admin: User, raw_terms: str) -> SynonymGroup:
    """A new group from the terms as typed (separated by commas or new lines)."""
    _require_admin(admin)
    terms = normalize_terms(raw_terms)
    _refuse_terms_of_other_groups(terms)
    group = SynonymGroup(terms=_joined(terms), updated_by=admin)
    db.session.add(group)
    db.session.flush()
    audit.record(admin, "thesaurus.create", group, terms=terms)
    _invalidate_after_commit()
    return group


def update_group(admin: User, group: SynonymGroup, raw_terms: str) -> SynonymGroup:
    """Replace the terms of a group; nothing is recorded when they are the same."""
    _require_admin(admin)
    terms = normalize_terms(raw_terms)
    _refuse_terms_of_other_groups(terms, group)
    before = group.term_list
    if terms == before:
        return group
    group.terms = _joined(terms)
    group.updated_by = admin
    db.session.flush()
    audit.record(admin, "thesaurus.update", group, before=before, after=terms)
    _invalidate_after_commit()
    return group


def delete_group(admin: User, group: SynonymGroup) -> None:
    _require_admin(admin)
    audit.record(admin, "thesaurus.delete", group, terms=group.term_list)
    db.session.delete(group)
    db.session.flush()
    _invalidate_after_commit()


def restore_defaults(admin: User) -> int:
    """Replace every group with the list shipped with the project; the number of groups restored."""
    _require_admin(admin)
    groups = [normalize_terms(", ".join(terms)) for terms in thesaurus.default_groups()]
    removed = db.session.execute(sa.delete(SynonymGroup)).rowcount
    db.session.add_all(SynonymGroup(terms=_joined(terms), updated_by=admin) for terms in groups)
    db.session.flush()
    audit.record(admin, "thesaurus.restore", None, groups_removed=removed, groups_restored=len(groups))
    _invalidate_after_commit()
    return len(groups)


# --------------------------------------------------------------------------- rules


def _require_admin(user: User) -> None:
    if not permissions.is_admin(user):
        raise Forbidden(_l("Only an administrator can edit the synonym thesaurus."))


def _refuse_terms_of_other_groups(terms: list[str], group: SynonymGroup | None = None) -> None:
    """A term belongs to one group only: in two, a query for it would mix two meanings."""
    wanted = {search_key(term): term for term in terms}
    others = sa.select(SynonymGroup)
    if group is not None and group.id is not None:
        others = others.where(SynonymGroup.id != group.id)
    for other in db.session.scalars(others.order_by(SynonymGroup.id)):
        for existing in other.term_list:
            key = search_key(existing)
            if key in wanted:
                raise InvalidSynonyms(_l("“%(term)s” is already in the group “%(group)s”: a term belongs to one "
                                         "group only. Edit that group, or remove the term from this one.",
                                         term=wanted[key], group=_summary(other)))


def _summary(group: SynonymGroup, shown: int = 4) -> str:
    terms = group.term_list
    return ", ".join(terms[:shown]) + (", …" if len(terms) > shown else "")


def _joined(terms: list[str]) -> str:
    return ", ".join(terms)


def _invalidate_after_commit() -> None:
    effects.after_commit(thesaurus.invalidate)
