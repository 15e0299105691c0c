"""The dashboard's figures on a known fixture (tests/support/dashboard_support.py), number by number."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from flask_babel import force_locale

from marketplace.models import CompanySizeBand
from marketplace.services import company_sizes, dashboard
from marketplace.services.dashboard import Period, buckets, parse_period

from .. import factories
from ..support.dashboard_support import MARCH, NOW, build_fixture

WEEKS = ["2025-02-24", "2025-03-03", "2025-03-10", "2025-03-17", "2025-03-24", "2025-03-31"]


@pytest.fixture(autouse=True)
def english_messages(app):
    with force_locale("en"):
        yield


@pytest.fixture
def fixture(db):
    return build_fixture()


def rows(figures, name):
    return [[str(cell) if not isinstance(cell, (int, float)) else cell for cell in row]
            for row in figures.table(name).rows]


def test_every_figure_of_a_moderator_of_the_rhone(fixture):
    moderator = factories.ModeratorFactory(departements=["69"])
    figures = dashboard.build(moderator, MARCH, now=NOW)

    assert rows(figures, "companies_registered") == [[w, n] for w, n in zip(WEEKS, [0, 1, 1, 0, 0, 0])]
    assert rows(figures, "posts_by_status") == [["Draft", 1], ["Awaiting moderation", 1], ["Published", 4], ["Closed", 1],
                                                ["Expired", 0], ["Rejected", 0]]
    assert rows(figures, "posts_over_time") == [["2025-02-24", 0, 0], ["2025-03-03", 1, 1], ["2025-03-10", 1, 1],
                                                ["2025-03-17", 0, 1], ["2025-03-24", 1, 1], ["2025-03-31", 0, 0]]
    by_category = {row[0]: row[1:] for row in rows(figures, "posts_by_category")}
    assert by_category["Storage"] == [1, 1, 2]
    assert by_category["Transport and logistics"] == [1, 1, 2]
    assert by_category["Equipment, machines, vehicles"] == [0, 1, 1]
    assert by_category["Supplies, packaging, PPE"] == [1, 0, 1]
    assert by_category["Services and expertise"] == [0, 1, 1]
    assert sum(row[2] for row in by_category.values()) == 7
    # proposed, approved, rejected, concluded, declined per week
    assert rows(figures, "matches_over_time") == [["2025-02-24", 1, 0, 0, 0, 0], ["2025-03-03", 2, 1, 1, 0, 0],
                                        ["2025-03-10", 2, 2, 0, 0, 0], ["2025-03-17", 1, 0, 0, 2, 0],
                                        ["2025-03-24", 0, 0, 0, 0, 1], ["2025-03-31", 0, 0, 0, 0, 0]]
    # p1 72 h, p2 48 h, p3 36 h, p4 12 h; p10 waits: median 42 h
    assert [row[1] for row in rows(figures, "time_to_match")] == [5, 4, 1, 42.0, round(42 / 24, 1)]
    # m1: the offer's report (150, not the need's 140) in m²; m3: only the need reported, in its unit
    assert rows(figures, "quantities") == [["Storage", "m²", 150.0, 1], ["Transport and logistics", "tonnes", 2.5, 1]]
    unmet = {row[0]: row[1] for row in rows(figures, "unmet_needs")}
    assert unmet["Storage"] == 1 and sum(unmet.values()) == 1  # p7 only: p2, p4 are met, p10 too recent
    assert rows(figures, "company_sizes") == [["No employee", 0, 0.0], ["1 to 9 employees", 1, 33.3],
                                              ["10 to 49 employees", 1, 33.3], ["50 to 249 employees", 0, 0.0],
                                              ["250 employees or more", 0, 0.0], ["Unknown", 1, 33.3]]
    assert [row[0] for row in rows(figures, "naf_sections")] == ["C", "H", "I"]
    assert [row[2:] for row in rows(figures, "naf_sections")] == [[1, 33.3]] * 3
    assert [row[1] for row in rows(figures, "summary")] == [2, 7, 6, 3, 2, 1, 42.0, 1]


def test_a_moderator_of_the_rhone_does_not_see_the_bouches_du_rhone(fixture):
    marseille = factories.ModeratorFactory(departements=["13"])
    figures = dashboard.build(marseille, MARCH, now=NOW)
    # c13; p8, p9; m4 (both in 13) and m5 (offer of 13): proposed 2, approved 1, concluded 1
    assert [row[1] for row in rows(figures, "summary")] == [1, 2, 2, 1, 1, 0, 60.0, 0]
    assert rows(figures, "quantities") == [["Storage", "m²", 99.0, 1]]
    assert rows(figures, "company_sizes")[4] == ["250 employees or more", 1, 100.0]
    lyon = dashboard.build(factories.ModeratorFactory(departements=["69"]), MARCH, now=NOW)
    assert all(row[2] != 99.0 for row in rows(lyon, "quantities"))


def test_an_administrator_without_territory_sees_everything_and_a_member_nothing(fixture):
    figures = dashboard.build(factories.AdminFactory(), MARCH, now=NOW)
    assert [row[1] for row in rows(figures, "summary")][:6] == [3, 9, 7, 4, 3, 1]
    member = factories.MemberFactory()
    nothing = dashboard.build(member, MARCH, now=NOW)
    assert [row[1] for row in rows(nothing, "summary")] == [0, 0, 0, 0, 0, 0, "", 0]


def test_period_boundaries_follow_the_local_days(db):
    moderator = factories.ModeratorFactory(departements=["69"])
    # 2025-02-28 23:30 UTC is 1 March 00:30 in Paris (in); 2025-03-31 22:30 UTC is 1 April 00:30 (out)
    factories.CompanyFactory(created_at=datetime(2025, 2, 28, 23, 30, tzinfo=timezone.utc))
    factories.CompanyFactory(created_at=datetime(2025, 2, 28, 22, 30, tzinfo=timezone.utc))
    factories.CompanyFactory(created_at=datetime(2025, 3, 31, 21, 30, tzinfo=timezone.utc))
    factories.CompanyFactory(created_at=datetime(2025, 3, 31, 22, 30, tzinfo=timezone.utc))
    figures = dashboard.build(moderator, MARCH, now=NOW)
    assert rows(figures, "summary")[0][1] == 2
    monthly = dashboard.build(moderator, Period(date(2025, 3, 1), date(2025, 4, 30), "month", "custom"), now=NOW)
    assert rows(monthly, "companies_registered") == [["2025-03", 2], ["2025-04", 1]]


def test_presets_and_buckets():
    today = date(2025, 6, 15)
    assert parse_period({"preset": "30d"}, today).period == Period(date(2025, 5, 17), today, "week", "30d")
    assert parse_period({"preset": "year"}, today).period == Period(date(2025, 1, 1), today, "month", "year")
    assert parse_period({}, today).period == Period(date(2024, 6, 16), today, "month", "12m")
    assert parse_period({"preset": "12m", "group": "week"}, today).period.grouping == "week"
    custom = parse_period({"from": "2025-03-01", "to": "2025-03-31"}, today)
    assert custom.errors == [] and custom.period == MARCH
    assert buckets(Period(date(2025, 1, 31), date(2025, 3, 1), "month", "custom")) == [
        date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    assert custom.period.query_args() == {"from": "2025-03-01", "to": "2025-03-31", "group": "week"}


@pytest.mark.parametrize(("args", "message"), [
    ({"from": "2025-13-01", "to": "2025-03-31"}, "The start date is not a valid date"),
    ({"from": "2025-03-01", "to": "hier"}, "The end date is not a valid date"),
    ({"from": "2025-03-31", "to": "2025-03-01"}, "The start date is after the end date."),
    ({"from": "2025-03-01"}, "Give both dates of the period"),
    ({"from": "2015-03-01", "to": "2025-03-01"}, "The period is too long"),
    ({"from": "2026-03-01", "to": "2026-03-02"}, "The period starts in the future."),
    ({"preset": "forever"}, "Unknown period"),
    ({"group": "day"}, "Group the figures by week or by month."),
])
def test_bad_period_values_give_a_message_and_the_default_period(args, message):
    today = date(2025, 6, 15)
    parsed = parse_period(args, today)
    assert any(str(error).startswith(message) for error in parsed.errors), parsed.errors
    assert parsed.period.preset == "12m" and parsed.period.end == today


def test_size_bands():
    assert company_sizes.parse_size_band("") is None
    assert company_sizes.parse_size_band("10-49") is CompanySizeBand.SMALL
    with pytest.raises(company_sizes.InvalidSizeBand):
        company_sizes.parse_size_band("12")
    assert str(company_sizes.size_label(None)) == "Unknown"
    assert [code for code, _ in company_sizes.size_choices()] == ["", "0", "1-9", "10-49", "50-249", "250+"]


def test_a_missing_figure_reads_as_a_dash_not_as_none(app):
    from marketplace.dashboard.views import format_figure

    with app.test_request_context():
        assert format_figure(None) == format_figure("") == "—"
        assert format_figure(0) == "0"
        assert format_figure("Stockage") == "Stockage"
