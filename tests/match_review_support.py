"""Helpers of the match review tests (unit and functional)."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from marketplace.models import Company

from . import factories

LYON = dict(departement="69", postcode="69007", city="Lyon 7e Arrondissement", insee_code="69387", region="84",
            latitude=45.7456, longitude=4.8418)
MARSEILLE = dict(departement="13", postcode="13001", city="Marseille 1er Arrondissement", insee_code="13201",
                 region="93", latitude=43.2999, longitude=5.3841)
AJACCIO = dict(departement="2A", postcode="20000", city="Ajaccio", insee_code="2A004", region="94",
               latitude=41.9267, longitude=8.7369)


@pytest.fixture(autouse=True)
def match_page_route(app):
    """The company-side match page (``matches.detail``) that the approval mails link to. It belongs to the
    introductions blueprint; until that is registered, a bare rule lets the links be built."""
    if not any(rule.endpoint == "matches.detail" for rule in app.url_map.iter_rules()):
        app.url_map.add(Rule("/matches/<int:match_id>", endpoint="matches.detail"))


def company_in(place: dict, **overrides) -> Company:
    return factories.CompanyFactory(**{**place, **overrides})


def match_between(offer_place: dict = LYON, need_place: dict = LYON, members: bool = True, **overrides):
    """A proposed suggested match between an offer and a need of two new companies (each with a member)."""
    offer_company, need_company = company_in(offer_place), company_in(need_place)
    if members:
        factories.MemberFactory(company=offer_company, locale="en")
        factories.MemberFactory(company=need_company, locale="en")
    offer = factories.PostFactory(company=offer_company)
    need = factories.NeedFactory(company=need_company, category=offer.category)
    return factories.MatchFactory(offer=offer, need=need, **overrides)
