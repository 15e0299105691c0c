"""Translated labels of the stable codes: categories, kinds, statuses, close reasons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..models import Category, CloseReason, PostKind, PostStatus

CATEGORY_LABELS = {
    Category.STORAGE: _l("Storage"),
    Category.PREMISES: _l("Premises"),
    Category.RAW_MATERIALS: _l("Raw materials"),
    Category.SUPPLIES: _l("Supplies, packaging, PPE"),
    Category.EQUIPMENT: _l("Equipment, machines, vehicles"),
    Category.TRANSPORT: _l("Transport and logistics"),
    Category.STAFF: _l("Staff and skills"),
    Category.PRODUCTION: _l("Production capacity, subcontracting"),
    Category.SERVICES: _l("Services and expertise"),
    Category.SURPLUS_GOODS: _l("Stock and unsold goods"),
}

KIND_LABELS = {PostKind.OFFER: _l("Offer"), PostKind.NEED: _l("Need")}

STATUS_LABELS = {
    PostStatus.DRAFT: _l("Draft"),
    PostStatus.PENDING: _l("Awaiting moderation"),
    PostStatus.PUBLISHED: _l("Published"),
    PostStatus.CLOSED: _l("Closed"),
    PostStatus.EXPIRED: _l("Expired"),
    PostStatus.REJECTED: _l("Rejected"),
}

CLOSE_REASON_LABELS = {CloseReason.FULFILLED: _l("Fulfilled"), CloseReason.WITHDRAWN: _l("Withdrawn")}

COMMON_UNITS = ("m²", "m³", "palettes", "kg", "tonnes", "litres", "unités", "heures", "jours", "personnes",
                "chambres", "fûts", "kg par semaine")


def category_choices() -> list[tuple[str, str]]:
    return [(code.value, label) for code, label in CATEGORY_LABELS.items()]


def kind_choices() -> list[tuple[str, str]]:
    return [(code.value, label) for code, label in KIND_LABELS.items()]
