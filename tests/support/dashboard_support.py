"""A known fixture for the dashboard: two companies of the Rhône registered in March 2025, one older, one of the
Bouches-du-Rhône, posts in several statuses, kinds and categories, matches in each status with outcomes. Every
figure expected from it is worked out by hand in ``tests/unit/test_dashboard_service.py``."""

from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

from marketplace.extensions import db
from marketplace.models import (
    Category,
    CompanySizeBand,
    MatchOutcome,
    MatchStatus,
    Outcome,
    PostKind,
    PostStatus,
)
from marketplace.services.dashboard import Period

from .. import factories

MARCH = Period(date(2025, 3, 1), date(2025, 3, 31), "week", "custom")
NOW = datetime(2025, 4, 1, 12, tzinfo=timezone.utc)


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=timezone.utc)


def _company(departement: str, size, naf_code: str, created: datetime, **extra):
    place = {"postcode": "13007", "city": "Marseille", "insee_code": "13207", "region": "93"} \
        if departement == "13" else {}
    return factories.CompanyFactory(departement=departement, size_band=size, naf_code=naf_code, created_at=created,
                                    **place, **extra)


def _post(company, kind, category, status, created, published=None, unit="m²", title=None):
    return factories.PostFactory(company=company, kind=kind, category=category, status=status, created_at=created,
                                 published_at=published, renewed_at=published, unit=unit,
                                 submitted_at=created if status is not PostStatus.DRAFT else None,
                                 **({"title": title} if title else {}))


def build_fixture() -> SimpleNamespace:
    c1 = _company("69", CompanySizeBand.MICRO, "52.10B", at(3, 3), legal_name="=HYPERLINK(\"http://x\") SARL")
    c2 = _company("69", CompanySizeBand.SMALL, "10.71C", at(3, 10), legal_name="Boulangerie Éléonore")
    c3 = _company("69", None, "56.10A", at(2, 15))
    c4 = _company("69", CompanySizeBand.NONE, "52.10B", at(4, 10))  # after the period
    c13 = _company("13", CompanySizeBand.LARGE, "52.10B", at(3, 5))
    O, N = PostKind.OFFER, PostKind.NEED
    PUB, CLOSED = PostStatus.PUBLISHED, PostStatus.CLOSED
    p1 = _post(c1, O, Category.STORAGE, PUB, at(3, 3), at(3, 3), title="-Entrepôt 200 m²")
    p2 = _post(c2, N, Category.STORAGE, PUB, at(3, 4), at(3, 4))
    p3 = _post(c1, O, Category.TRANSPORT, CLOSED, at(3, 11), at(3, 11), unit="Tonnes")
    p4 = _post(c2, N, Category.TRANSPORT, PUB, at(3, 12), at(3, 12), unit=" tonnes")
    p5 = _post(c1, N, Category.EQUIPMENT, PostStatus.PENDING, at(3, 18))
    p6 = _post(c2, O, Category.SUPPLIES, PostStatus.DRAFT, at(3, 25))
    p7 = _post(c3, N, Category.STORAGE, PUB, at(2, 1), at(2, 1))
    p8 = _post(c13, O, Category.STORAGE, PUB, at(3, 5), at(3, 5))
    p9 = _post(c13, N, Category.STORAGE, PUB, at(3, 6), at(3, 6))
    p10 = _post(c1, N, Category.SERVICES, PUB, at(3, 26), at(3, 26), unit="heures")

    def match(offer, need, status, created, decided=None, closed=None):
        return factories.MatchFactory(offer=offer, need=need, status=status, created_at=created, decided_at=decided,
                                      closed_at=closed)

    m1 = match(p1, p2, MatchStatus.CONCLUDED, at(3, 5), at(3, 6), at(3, 20))
    m2 = match(p3, p4, MatchStatus.DECLINED, at(3, 12), at(3, 13, 0), at(3, 25))
    m3 = match(p1, p4, MatchStatus.CONCLUDED, at(3, 14), at(3, 15), at(3, 21))
    m4 = match(p8, p9, MatchStatus.CONCLUDED, at(3, 7), at(3, 8), at(3, 9))
    m5 = match(p8, p2, MatchStatus.PROPOSED, at(3, 7))
    m6 = match(p1, p7, MatchStatus.REJECTED, at(3, 2), at(3, 3))
    m7 = match(p3, p7, MatchStatus.PROPOSED, at(3, 20))
    for m, company, outcome, quantity, reported in (
            (m1, c1, Outcome.CONCLUDED, 150.0, at(3, 20)), (m1, c2, Outcome.CONCLUDED, 140.0, at(3, 22)),
            (m2, c2, Outcome.DECLINED, None, at(3, 25)), (m3, c2, Outcome.CONCLUDED, 2.5, at(3, 21)),
            (m4, c13, Outcome.CONCLUDED, 99.0, at(3, 9))):
        db.session.add(MatchOutcome(match=m, company_id=company.id, outcome=outcome, quantity=quantity,
                                    reported_at=reported))
    db.session.flush()
    return SimpleNamespace(**{name: value for name, value in locals().items()
                              if name[0] in "cpm" and name[1:].isdigit()})
