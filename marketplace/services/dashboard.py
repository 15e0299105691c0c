"""The figures of the CCI dashboard, scoped to a moderator's territory, for a period.

Scope (the rule of ``services.moderation.territory_condition``): companies and posts follow the *company's*
département; a match is in the territory when either post's company is. An administrator without territory sees
everything; a member sees nothing.

Period: two local dates (``BABEL_DEFAULT_TIMEZONE``, Europe/Paris), both included; the series are grouped by ISO
week (labelled by its Monday) or by month, and every bucket of the period is listed, empty ones at 0.

The choices behind each figure:

- companies registered: ``Company.created_at`` in the period;
- posts: the posts *created* in the period, by their current status, kind and category; the series count them
  by creation date;
- matches: proposed = created in the period; approved = approved by a moderator in the period (``decided_at``; the
  match may since have been introduced, refused, concluded or declined); rejected likewise; concluded and declined =
  outcome reported in the period (``closed_at``) with that status;
- time to the first approved match: for the posts published in the period, the hours from ``published_at`` to the
  first moderator approval of a match of the post (posts without one are counted apart); the median in hours and
  days;
- quantities exchanged: concluded matches closed in the period, one quantity per match, as reported in a
  ``MatchOutcome``: the offer's company's report if it gave a quantity (it knows what it gave), else the need's;
  in the unit and category of the reporting company's post. Counting both reports would count each exchange
  twice, often in two units; ``Post.exchanged_quantity`` is not used: it is what a company says when it closes its
  post, not tied to a match, and may include exchanges made outside the marketplace;
- needs unmet after 14 days: a snapshot at the time of the request (not the period): published needs published at
  least 14 days ago with no match approved, introduced or concluded;
- companies by size band and by NAF section: the companies registered by the end of the period (unknown size:
  "Unknown").

Everything is a few GROUP BY queries or one narrow SELECT bucketed in Python (dates are bucketed in Python so that
SQLite and PostgreSQL give the same answer in the local time zone), never a query per row."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from .. import permissions
from ..extensions import db
from ..models import Category, Company, Match, MatchOutcome, MatchStatus, Outcome, Post, PostKind, PostStatus, User
from ..models.types import utcnow
from . import company_sizes, naf
from .categories import CATEGORY_LABELS, KIND_LABELS, STATUS_LABELS
from .moderation import territory_condition

PRESETS = ("30d", "12m", "year")
PRESET_LABELS = {"30d": _l("Last 30 days"), "12m": _l("Last 12 months"), "year": _l("This year"),
                 "custom": _l("Custom dates")}
GROUPINGS = ("week", "month")
GROUPING_LABELS = {"week": _l("By week"), "month": _l("By month")}
DEFAULT_PRESET = "12m"
MAX_DAYS = 366 * 5
UNMET_AFTER = timedelta(days=14)
# A match a moderator approved, whatever became of it since.
APPROVED_ONCE = (MatchStatus.APPROVED, MatchStatus.INTRODUCED, MatchStatus.REFUSED, MatchStatus.CONCLUDED,
                 MatchStatus.DECLINED)
# A need with one of these matches is being met.
MEETING_NEED = (MatchStatus.APPROVED, MatchStatus.INTRODUCED, MatchStatus.CONCLUDED)


# --------------------------------------------------------------------------- the period


@dataclass(frozen=True)
class Period:
    start: date  # included
    end: date  # included
    grouping: str  # "week" or "month"
    preset: str  # one of PRESETS or "custom"

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as UTC datetimes: local midnight of the first day, local midnight after the last."""
        low = datetime.combine(self.start, time(), zone).astimezone(timezone.utc)
        high = datetime.combine(self.end + timedelta(days=1), time(), zone).astimezone(timezone.utc)
        return low, high

    def query_args(self) -> dict[str, str]:
        """The query string that selects this period again (for the charts and the exports)."""
        if self.preset == "custom":
            return {"from": self.start.isoformat(), "to": self.end.isoformat(), "group": self.grouping}
        return {"preset": self.preset, "group": self.grouping}


@dataclass
class ParsedPeriod:
    period: Period
    errors: list = field(default_factory=list)  # lazy messages; the period is then the default one


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def today() -> date:
    return datetime.now(local_zone()).date()


def preset_period(preset: str, on: date, grouping: str | None = None) -> Period:
    if preset == "30d":
        start = on - timedelta(days=29)
    elif preset == "year":
        start = date(on.year, 1, 1)
    else:  # "12m": the same day a year ago, excluded
        start = on - timedelta(days=364)
    return Period(start, on, grouping or _default_grouping(start, on), preset)


def _default_grouping(start: date, end: date) -> str:
    return "week" if (end - start).days < 92 else "month"


def _parse_date(raw: str, label) -> tuple[date | None, object | None]:
    try:
        return date.fromisoformat(raw), None
    except ValueError:
        return None, _l("The %(which)s date is not a valid date (expected YYYY-MM-DD): %(value)s.",
                        which=label, value=raw[:20])


def parse_period(args: Mapping[str, str], on: date | None = None) -> ParsedPeriod:
    """The period of a query string: ``preset`` (30d, 12m, year) or ``from`` and ``to`` (YYYY-MM-DD), and
    ``group`` (week, month). A bad value gives a clear message and the default period (the last 12 months)."""
    on = on or today()
    errors: list = []
    grouping = (args.get("group") or "").strip() or None
    if grouping is not None and grouping not in GROUPINGS:
        errors.append(_l("Group the figures by week or by month."))
        grouping = None
    raw_from, raw_to = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    preset = (args.get("preset") or "").strip()
    if (raw_from or raw_to) and preset in ("", "custom"):
        if not (raw_from and raw_to):
            errors.append(_l("Give both dates of the period, or choose a preset."))
        else:
            start, error_from = _parse_date(raw_from, _l("start"))
            end, error_to = _parse_date(raw_to, _l("end"))
            errors += [error for error in (error_from, error_to) if error]
            if start and end:
                if start > end:
                    errors.append(_l("The start date is after the end date."))
                elif (end - start).days > MAX_DAYS:
                    errors.append(_l("The period is too long: 5 years at most."))
                elif start > on:
                    errors.append(_l("The period starts in the future."))
                elif not errors:
                    return ParsedPeriod(Period(start, end, grouping or _default_grouping(start, end), "custom"))
        return ParsedPeriod(preset_period(DEFAULT_PRESET, on, grouping), errors)
    if preset and preset not in PRESETS and preset != "custom":
        errors.append(_l("Unknown period: choose the last 30 days, the last 12 months or this year."))
        preset = ""
    return ParsedPeriod(preset_period(preset if preset in PRESETS else DEFAULT_PRESET, on, grouping), errors)


def bucket_of(moment: datetime, grouping: str, zone: ZoneInfo) -> date:
    day = moment.astimezone(zone).date()
    if grouping == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def buckets(period: Period) -> list[date]:
    first = period.start - timedelta(days=period.start.weekday()) if period.grouping == "week" \
        else period.start.replace(day=1)
    found = []
    current = first
    while current <= period.end:
        found.append(current)
        if period.grouping == "week":
            current += timedelta(days=7)
        else:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
    return found


def bucket_label(bucket: date, grouping: str) -> str:
    return bucket.isoformat() if grouping == "week" else bucket.strftime("%Y-%m")


# --------------------------------------------------------------------------- tables


@dataclass
class Table:
    """A table of figures: the first cell of each row is its header; ``chart`` says how to draw it (or None)."""

    name: str
    title: object
    columns: list
    rows: list[list]
    chart: str | None = None  # "bar", "line", "pie", "hbar"
    series: tuple[int, ...] = ()  # the columns drawn (indices); the first column gives the labels
    note: object | None = None


def company_scope(user: User):
    """The companies of the user's territory."""
    return territory_condition(user)


def match_scope(user: User, offer_company, need_company):
    """A match is in the territory when either post's company is."""
    if not permissions.is_moderator(user):
        return sa.false()
    if permissions.is_admin(user) and not user.territories:
        return sa.true()
    departements = user.departements
    return sa.or_(offer_company.departement.in_(departements), need_company.departement.in_(departements))


def _in(column, low: datetime, high: datetime):
    return sa.and_(column >= low, column < high)


def _series(period: Period, moments, zone) -> Counter:
    return Counter(bucket_of(moment, period.grouping, zone) for moment in moments)


def _share(count: int, total: int) -> float:
    return round(100.0 * count / total, 1) if total else 0.0


@dataclass
class Dashboard:
    period: Period
    summary: Table
    tables: list[Table]

    def table(self, name: str) -> Table | None:
        if name == self.summary.name:
            return self.summary
        return next((table for table in self.tables if table.name == name), None)


TABLE_NAMES = ("summary", "companies_registered", "posts_by_status", "posts_over_time", "posts_by_category",
               "matches_over_time", "time_to_match", "quantities", "unmet_needs", "company_sizes", "naf_sections")


def build(user: User, period: Period, now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    zone = local_zone()
    low, high = period.bounds(zone)
    all_buckets = buckets(period)
    period_label = _l("Week of") if period.grouping == "week" else _l("Month")

    # Companies registered
    created = db.session.scalars(sa.select(Company.created_at).where(company_scope(user),
                                                                      _in(Company.created_at, low, high))).all()
    per_bucket = _series(period, created, zone)
    companies_registered = Table(
        "companies_registered", _l("Companies registered"), [period_label, _l("Companies registered")],
        [[bucket_label(b, period.grouping), per_bucket[b]] for b in all_buckets], "bar", (1,))

    # Posts created in the period: one narrow query, counted in Python (status, kind, category, bucket)
    post_rows = db.session.execute(
        sa.select(Post.created_at, Post.status, Post.kind, Post.category).join(Company, Post.company_id == Company.id)
        .where(company_scope(user), _in(Post.created_at, low, high))).all()
    by_status = Counter(row.status for row in post_rows)
    by_kind_bucket = Counter((bucket_of(row.created_at, period.grouping, zone), row.kind) for row in post_rows)
    by_category = Counter((row.category, row.kind) for row in post_rows)
    posts_by_status = Table(
        "posts_by_status", _l("Posts by status"), [_l("Status"), _l("Posts")],
        [[STATUS_LABELS[status], by_status[status]] for status in PostStatus], "hbar", (1,),
        _l("Posts created in the period, by their status today."))
    posts_over_time = Table(
        "posts_over_time", _l("Posts over time"), [period_label, KIND_LABELS[PostKind.OFFER],
                                                   KIND_LABELS[PostKind.NEED]],
        [[bucket_label(b, period.grouping), by_kind_bucket[(b, PostKind.OFFER)], by_kind_bucket[(b, PostKind.NEED)]]
         for b in all_buckets], "line", (1, 2), _l("Posts created, by creation date."))
    posts_by_category = Table(
        "posts_by_category", _l("Posts by category"), [_l("Category"), KIND_LABELS[PostKind.OFFER],
                                                       KIND_LABELS[PostKind.NEED], _l("Total")],
        [[CATEGORY_LABELS[c], by_category[(c, PostKind.OFFER)], by_category[(c, PostKind.NEED)],
          by_category[(c, PostKind.OFFER)] + by_category[(c, PostKind.NEED)]] for c in Category], "hbar", (1, 2))

    # Matches
    offer, need = aliased(Post, name="offer_post"), aliased(Post, name="need_post")
    offer_company, need_company = aliased(Company, name="offer_company"), aliased(Company, name="need_company")

    def matches_joined(statement):
        return (statement.join(offer, Match.offer_id == offer.id).join(offer_company, offer.company_id == offer_company.id)
                .join(need, Match.need_id == need.id).join(need_company, need.company_id == need_company.id)
                .where(match_scope(user, offer_company, need_company)))

    match_rows = db.session.execute(matches_joined(
        sa.select(Match.status, Match.created_at, Match.decided_at, Match.closed_at)
        .where(sa.or_(_in(Match.created_at, low, high), _in(Match.decided_at, low, high),
                      _in(Match.closed_at, low, high))))).all()
    events: dict[str, list[datetime]] = defaultdict(list)
    for row in match_rows:
        if low <= row.created_at < high:
            events["proposed"].append(row.created_at)
        if row.decided_at is not None and low <= row.decided_at < high:
            if row.status in APPROVED_ONCE:
                events["approved"].append(row.decided_at)
            elif row.status is MatchStatus.REJECTED:
                events["rejected"].append(row.decided_at)
        if row.closed_at is not None and low <= row.closed_at < high:
            if row.status is MatchStatus.CONCLUDED:
                events["concluded"].append(row.closed_at)
            elif row.status is MatchStatus.DECLINED:
                events["declined"].append(row.closed_at)
    event_names = ("proposed", "approved", "rejected", "concluded", "declined")
    event_labels = {"proposed": _l("Proposed"), "approved": _l("Approved"), "rejected": _l("Rejected"),
                    "concluded": _l("Concluded"), "declined": _l("Declined")}
    event_buckets = {name: _series(period, events[name], zone) for name in event_names}
    matches = Table(
        "matches_over_time", _l("Matches"), [period_label] + [event_labels[name] for name in event_names],
        [[bucket_label(b, period.grouping)] + [event_buckets[name][b] for name in event_names] for b in all_buckets],
        "bar", (1, 2, 4, 5),
        _l("Proposed: created in the period; approved or rejected: decided by a moderator in the period; concluded "
           "or declined: outcome reported in the period."))

    # Time from publication to the first approved match
    first_approval = (sa.select(Post.id, Post.published_at, sa.func.min(Match.decided_at).label("first"))
                      .join(Company, Post.company_id == Company.id)
                      .outerjoin(Match, sa.and_(sa.or_(Match.offer_id == Post.id, Match.need_id == Post.id),
                                                Match.status.in_(APPROVED_ONCE), Match.decided_at.is_not(None)))
                      .where(company_scope(user), _in(Post.published_at, low, high))
                      .group_by(Post.id, Post.published_at))
    delays, waiting = [], 0
    for row in db.session.execute(first_approval):
        if row.first is None:
            waiting += 1
        else:
            delays.append(max((row.first - row.published_at).total_seconds() / 3600, 0.0))
    median_hours = round(statistics.median(delays), 1) if delays else None
    time_to_match = Table(
        "time_to_match", _l("Time from publication to the first approved match"), [_l("Figure"), _l("Value")],
        [[_l("Posts published in the period"), len(delays) + waiting],
         [_l("… with an approved match"), len(delays)],
         [_l("… without one yet"), waiting],
         [_l("Median time (hours)"), median_hours if median_hours is not None else ""],
         [_l("Median time (days)"), round(median_hours / 24, 1) if median_hours is not None else ""]],
        None, (), _l("From the publication of the post to the first match of it a moderator approved."))

    # Quantities exchanged: one report per concluded match (the offer's first), in the reporter's unit
    report_rows = db.session.execute(matches_joined(
        sa.select(Match.id, MatchOutcome.company_id, MatchOutcome.quantity, offer.company_id.label("offer_company_id"),
                  offer.unit.label("offer_unit"), offer.category.label("offer_category"),
                  need.unit.label("need_unit"), need.category.label("need_category"))
        .join(MatchOutcome, MatchOutcome.match_id == Match.id)
        .where(Match.status == MatchStatus.CONCLUDED, _in(Match.closed_at, low, high),
               MatchOutcome.outcome == Outcome.CONCLUDED, MatchOutcome.quantity.is_not(None)))).all()
    chosen: dict[int, tuple] = {}
    for row in report_rows:
        is_offer = row.company_id == row.offer_company_id
        current = chosen.get(row.id)
        if current is None or (is_offer and not current[0]):
            unit, category = (row.offer_unit, row.offer_category) if is_offer else (row.need_unit, row.need_category)
            chosen[row.id] = (is_offer, row.quantity, normalize_unit(unit), category)
    totals: dict[tuple, list] = {}
    for _, quantity, unit, category in chosen.values():
        total = totals.setdefault((category, unit), [0.0, 0])
        total[0] += quantity
        total[1] += 1
    ordered = sorted(totals.items(), key=lambda item: (list(Category).index(item[0][0]), item[0][1]))
    quantities = Table(
        "quantities", _l("Quantities exchanged"), [_l("Category"), _l("Unit"), _l("Quantity"), _l("Matches")],
        [[CATEGORY_LABELS[category], unit or _l("(no unit)"), round(total, 3), count]
         for (category, unit), (total, count) in ordered], "hbar", (2,),
        _l("Concluded matches closed in the period: one quantity per match, the offering company's report if it "
           "gave one, else the other's, in the unit and category of the reporting company's post."))

    # Needs unmet after 14 days (a snapshot now)
    meeting = (sa.select(Match.id).where(Match.need_id == Post.id, Match.status.in_(MEETING_NEED))
               .correlate(Post).exists())
    unmet = Counter(dict(db.session.execute(
        sa.select(Post.category, sa.func.count(Post.id)).join(Company, Post.company_id == Company.id)
        .where(company_scope(user), Post.kind == PostKind.NEED, Post.status == PostStatus.PUBLISHED,
               Post.published_at <= now - UNMET_AFTER, ~meeting)
        .group_by(Post.category)).all()))
    unmet_needs = Table(
        "unmet_needs", _l("Needs still unmet after 14 days"), [_l("Category"), _l("Needs")],
        [[CATEGORY_LABELS[c], unmet[c]] for c in Category], "hbar", (1,),
        _l("Today, whatever the period: published needs published 14 days ago or more, without any match "
           "approved, introduced or concluded."))

    # Companies by size band and NAF section (registered by the end of the period)
    registered = sa.and_(company_scope(user), Company.created_at < high)
    sizes = dict(db.session.execute(sa.select(Company.size_band, sa.func.count(Company.id)).where(registered)
                                    .group_by(Company.size_band)).all())
    size_total = sum(sizes.values())
    size_order = [*company_sizes.SIZE_LABELS, None]
    company_sizes_table = Table(
        "company_sizes", _l("Companies by size"), [_l("Size"), _l("Companies"), _l("Share (per cent)")],
        [[company_sizes.size_label(band), sizes.get(band, 0), _share(sizes.get(band, 0), size_total)]
         for band in size_order], "pie", (1,), _l("Companies registered by the end of the period."))
    codes = db.session.execute(sa.select(Company.naf_code, sa.func.count(Company.id)).where(registered)
                               .group_by(Company.naf_code)).all()
    per_section: Counter = Counter()
    for code, count in codes:
        try:
            per_section[naf.get_naf(code).section] += count
        except naf.InvalidNafCode:
            per_section["?"] += count
        except naf.UnknownNafCode:
            per_section["?"] += count
    section_labels = dict(naf.sections())
    section_total = sum(per_section.values())
    naf_sections = Table(
        "naf_sections", _l("Companies by activity (NAF section)"),
        [_l("Section"), _l("Activity"), _l("Companies"), _l("Share (per cent)")],
        [[section, section_labels.get(section, _l("Unknown")), count, _share(count, section_total)]
         for section, count in sorted(per_section.items())], "pie", (2,),
        _l("Companies registered by the end of the period."))

    summary = Table(
        "summary", _l("Key figures"), [_l("Figure"), _l("Value")],
        [[_l("Companies registered"), len(created)],
         [_l("Posts created"), len(post_rows)],
         [_l("Matches proposed"), len(events["proposed"])],
         [_l("Matches approved"), len(events["approved"])],
         [_l("Matches concluded"), len(events["concluded"])],
         [_l("Matches declined"), len(events["declined"])],
         [_l("Median time to the first approved match (hours)"), median_hours if median_hours is not None else ""],
         [_l("Needs still unmet after 14 days"), sum(unmet.values())]])
    return Dashboard(period, summary, [companies_registered, posts_by_status, posts_over_time, posts_by_category,
                                       matches, time_to_match, quantities, unmet_needs, company_sizes_table,
                                       naf_sections])


def normalize_unit(unit: str | None) -> str:
    """Group "Tonnes", " tonnes " together; "" when the post has no unit."""
    return " ".join((unit or "").split()).lower()


# --------------------------------------------------------------------------- full exports


def posts_export(user: User) -> sa.Select:
    return (sa.select(Post.id, Post.kind, Post.category, Post.status, Post.title, Post.quantity, Post.unit,
                      Post.exchanged_quantity, Post.postcode, Post.city, Post.departement, Company.id.label("company_id"),
                      Company.legal_name, Company.siret, Post.created_at, Post.published_at, Post.closed_at)
            .join(Company, Post.company_id == Company.id).where(company_scope(user)).order_by(Post.id))


def matches_export(user: User) -> sa.Select:
    offer, need = aliased(Post, name="offer_post"), aliased(Post, name="need_post")
    offer_company, need_company = aliased(Company, name="offer_company"), aliased(Company, name="need_company")
    return (sa.select(Match.id, Match.status, Match.origin, Match.score, offer.id.label("offer_id"),
                      offer.title.label("offer_title"), offer_company.legal_name.label("offer_company"),
                      need.id.label("need_id"), need.title.label("need_title"),
                      need_company.legal_name.label("need_company"), Match.created_at, Match.decided_at,
                      Match.introduced_at, Match.closed_at)
            .join(offer, Match.offer_id == offer.id).join(offer_company, offer.company_id == offer_company.id)
            .join(need, Match.need_id == need.id).join(need_company, need.company_id == need_company.id)
            .where(match_scope(user, offer_company, need_company)).order_by(Match.id))


def companies_export(user: User) -> sa.Select:
    return (sa.select(Company.id, Company.legal_name, Company.siret, Company.naf_code, Company.size_band,
                      Company.postcode, Company.city, Company.departement, Company.region, Company.phone,
                      Company.contact_email, Company.verified, Company.created_at, Company.suspended_at)
            .where(company_scope(user)).order_by(Company.id))
