"""Import of companies and posts from the data-exchange format (``../shared/matching/FORMAT.md``).

All or nothing: every item is checked before anything is written, and a file with any invalid item imports
nothing; every problem is reported with the key of its item. Each item's ``key`` is kept as the company's or
post's ``external_ref``, so that importing the same file again changes nothing. Companies are matched by SIRET
(an existing company keeps its details) or created; posts are published as moderator-approved imports.
Messages are for the operator of the command line, in English."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..errors import DomainError
from ..extensions import db
from ..models import Category, Company, Post, PostKind, PostStatus
from ..models.types import utcnow
from . import accounts, audit, companies, geo, naf, posts

SECTIONS = ("companies", "posts")
TOP_LEVEL_KEYS = (*SECTIONS, "relevance")  # the relevance judgements are accepted and ignored
COMPANY_FIELDS = ("key", "name", "siret", "naf", "sector", "address", "postcode", "city", "lat", "lon",
                  "contact_email")
POST_FIELDS = ("key", "company", "kind", "category", "title", "description", "quantity", "unit", "postcode",
               "city", "lat", "lon", "radius_km", "available_from", "available_until", "free")
KEY_MAX, NAME_MAX, SECTOR_MAX, ADDRESS_MAX, CITY_MAX = 100, 200, 200, 250, 120
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
QUERY_CHUNK = 500  # values per IN (...) list: far below every database's limit
_MISSING = object()


class ImportFileError(DomainError):
    """The file cannot be read, is not JSON, or is not shaped like the format: one line says why."""


class InvalidImport(DomainError):
    """Some items are invalid: nothing was imported. ``problems`` has one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s): nothing imported")
        self.problems = problems


@dataclass(frozen=True)
class CompanyItem:
    key: str
    name: str
    siret: str
    naf_code: str
    address: str
    commune: geo.Commune
    contact_email: str | None
    where: str = ""  # "companies[3] (c004)", to report a problem found later


@dataclass(frozen=True)
class PostItem:
    key: str
    company_key: str
    kind: PostKind
    category: Category
    title: str
    description: str
    quantity: float | None
    unit: str | None
    commune: geo.Commune
    radius_km: int | None
    available_from: date | None
    available_until: date | None
    is_free: bool | None
    where: str = ""


@dataclass
class Checked:
    """The items that passed their checks, the problems found, and notes worth telling the operator."""

    companies: list[CompanyItem] = field(default_factory=list)
    posts: list[PostItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    companies_created: int = 0
    companies_matched: int = 0
    posts_created: int = 0
    posts_unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"companies_created": self.companies_created, "companies_matched": self.companies_matched,
                "posts_created": self.posts_created, "posts_unchanged": self.posts_unchanged}


# --------------------------------------------------------------------------- reading the file


def read_file(path: str | Path) -> Any:
    """The JSON document of ``path``, or ImportFileError with a one-line reason."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig") as stream:  # a BOM (spreadsheet exports) is tolerated
            return json.load(stream)
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path} is not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") \
            from exc
    except (ValueError, RecursionError) as exc:
        raise ImportFileError(f"{path} is not valid JSON") from exc


def check_top_level(data: Any) -> None:
    """ImportFileError unless ``data`` is an object with the lists ``companies`` and ``posts``."""
    if not isinstance(data, dict):
        raise ImportFileError(f"the file must hold one JSON object with the keys {', '.join(TOP_LEVEL_KEYS)}, "
                              f"not {_type_name(data)}")
    unexpected = [key for key in data if key not in TOP_LEVEL_KEYS]
    if unexpected:
        raise ImportFileError(f"unexpected top-level key(s) {', '.join(map(repr, unexpected))} "
                              f"(expected {', '.join(TOP_LEVEL_KEYS)})")
    for section in SECTIONS:
        if section not in data:
            raise ImportFileError(f"the top-level key {section!r} is missing")
        if not isinstance(data[section], list):
            raise ImportFileError(f"{section!r} must be a list, not {_type_name(data[section])}")


# --------------------------------------------------------------------------- checking the items


class ItemReader:
    """Reads the fields of one item of the file, noting every problem instead of stopping at the first."""

    def __init__(self, section: str, index: int, raw: dict, checked: Checked):
        key = _key(raw.get("key"))
        self.where = f"{section}[{index}] ({key})" if key else f"{section}[{index}]"
        self.raw, self.checked, self.valid = raw, checked, True

    def problem(self, message: str) -> None:
        self.checked.problems.append(f"{self.where}: {message}")
        self.valid = False

    def note(self, message: str) -> None:
        self.checked.notes.append(f"{self.where}: {message}")

    def value(self, name: str) -> Any:
        if name not in self.raw:
            self.problem(f"missing field {name!r}")
            return _MISSING
        return self.raw[name]

    def text(self, name: str, max_length: int, *, nullable: bool = False, multiline: bool = False) -> str | None:
        value = self.value(name)
        if value is _MISSING or (value is None and nullable):
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(f"{name} must be a non-empty string{' or null' if nullable else ''}, got {_show(value)}")
            return None
        cleaned = value.strip() if multiline else " ".join(value.split())
        if len(cleaned) > max_length:
            self.problem(f"{name} is too long ({len(cleaned)} characters, {max_length} at most)")
            return None
        return cleaned

    def number(self, name: str, minimum: float, maximum: float, *, nullable: bool = True) -> float | None:
        value = self.value(name)
        if value is _MISSING or (value is None and nullable):
            return None
        if not _is_number(value):
            self.problem(f"{name} must be a number{' or null' if nullable else ''}, got {_show(value)}")
            return None
        if not minimum <= value <= maximum:
            self.problem(f"{name} must be between {_number_text(minimum)} and {_number_text(maximum)}, "
                         f"got {_number_text(value)}")
            return None
        return float(value)

    def choice(self, name: str, enum_cls) -> Any:
        value = self.value(name)
        if value is _MISSING:
            return None
        try:
            return enum_cls(value)
        except (ValueError, TypeError):
            allowed = ", ".join(member.value for member in enum_cls)
            self.problem(f"{name} {_show(value)} is not one of {allowed}")
            return None

    def date(self, name: str) -> date | None:
        value = self.value(name)
        if value is _MISSING or value is None:
            return None
        if isinstance(value, str) and ISO_DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.problem(f"{name} must be an ISO date YYYY-MM-DD or null, got {_show(value)}")
        return None

    def boolean(self, name: str) -> bool | None:
        value = self.value(name)
        if value is _MISSING or value is None:
            return None
        if not isinstance(value, bool):
            self.problem(f"{name} must be true, false or null, got {_show(value)}")
            return None
        return value

    def siret(self) -> str | None:
        value = self.value("siret")
        if value is _MISSING:
            return None
        try:
            return companies.normalize_siret(value if isinstance(value, str) else "")
        except DomainError:
            self.problem(f"siret must be a valid SIRET (14 digits, Luhn check digit), got {_show(value)}")
            return None

    def naf_code(self) -> str | None:
        value = self.value("naf")
        if value is _MISSING:
            return None
        try:
            return naf.get_naf(value if isinstance(value, str) else "").code
        except DomainError:
            self.problem(f"naf must be a NAF rév. 2 code such as '10.71C', got {_show(value)}")
            return None

    def email(self, name: str) -> str | None:
        value = self.value(name)
        if value is _MISSING or value is None or value == "":
            return None
        try:
            return accounts.valid_email(value if isinstance(value, str) and len(value) <= 254 else "")
        except DomainError:
            self.problem(f"{name} must be an email address or null, got {_show(value)}")
            return None

    def place(self) -> geo.Commune | None:
        """The commune of the postcode and city; when the city is not one of the postcode's communes, the
        commune of that postcode nearest to the item's coordinates (noted for the operator)."""
        postcode, city = self.value("postcode"), self.text("city", CITY_MAX)
        lat, lon = self.number("lat", -90, 90, nullable=False), self.number("lon", -180, 180, nullable=False)
        communes = self._communes(postcode)
        if communes is None or city is None:
            return None
        try:
            return geo.find_commune(postcode, city)
        except geo.CityNotInPostcode:
            return self._nearest(communes, postcode, city, lat, lon)

    def _communes(self, postcode: Any) -> list[geo.Commune] | None:
        """The communes of the postcode; None when it is missing or not a known postcode (a problem noted)."""
        if postcode is _MISSING:
            return None
        if not isinstance(postcode, str):
            self.problem(f"postcode must be a string of 5 digits, got {_show(postcode)}")
            return None
        try:
            return geo.communes_for(postcode)
        except geo.InvalidPostcode:
            self.problem(f"postcode must be 5 digits, got {_show(postcode)}")
        except geo.UnknownPostcode:
            self.problem(f"unknown postcode {_show(postcode)}")
        return None

    def _nearest(self, communes: list[geo.Commune], postcode: str, city: str, lat: float | None,
                 lon: float | None) -> geo.Commune | None:
        """The commune of the postcode nearest to the item's coordinates, noted for the operator (None without)."""
        if lat is None or lon is None:
            return None
        nearest = min(communes, key=lambda c: geo.distance_km(lat, lon, c.latitude, c.longitude))
        self.note(f"{city!r} is not a commune of postcode {postcode}: {nearest.name!r} used (nearest to {lat}, {lon})")
        return nearest


def check_company(reader: ItemReader) -> CompanyItem | None:
    values = dict(
        key=reader.text("key", KEY_MAX), name=reader.text("name", NAME_MAX), siret=reader.siret(),
        naf_code=reader.naf_code(), address=reader.text("address", ADDRESS_MAX), commune=reader.place(),
        contact_email=reader.email("contact_email"),
    )
    reader.text("sector", SECTOR_MAX)  # required by the format; the sector shown comes from the NAF code
    return CompanyItem(**values, where=reader.where) if reader.valid else None


def check_post(reader: ItemReader, company_keys: set[str]) -> PostItem | None:
    kind = reader.choice("kind", PostKind)
    values = dict(
        key=reader.text("key", KEY_MAX), company_key=_company_key(reader, company_keys), kind=kind,
        category=reader.choice("category", Category), title=reader.text("title", posts.TITLE_MAX),
        description=reader.text("description", posts.DESCRIPTION_MAX, multiline=True),
        quantity=reader.number("quantity", 0, posts.QUANTITY_MAX),
        unit=reader.text("unit", posts.UNIT_MAX, nullable=True), commune=reader.place(),
        radius_km=_radius(reader, kind), is_free=reader.boolean("free"), **_dates(reader),
    )
    return PostItem(**values, where=reader.where) if reader.valid else None


def _company_key(reader: ItemReader, company_keys: set[str]) -> str | None:
    value = reader.value("company")
    if value is _MISSING:
        return None
    if _key(value) not in company_keys:
        reader.problem(f"company {_show(value)} is not the key of a company of this file")
        return None
    return _key(value)


def _radius(reader: ItemReader, kind: PostKind | None) -> int | None:
    radius = reader.number("radius_km", posts.RADIUS_MIN, posts.RADIUS_MAX)
    if radius is not None and kind is PostKind.OFFER:
        reader.problem(f"radius_km must be null for an offer, got {_number_text(radius)}")
        return None
    return None if radius is None else round(radius)


def _dates(reader: ItemReader) -> dict[str, date | None]:
    start, end = reader.date("available_from"), reader.date("available_until")
    if start and end and end < start:
        reader.problem(f"available_until {end} is before available_from {start}")
    return {"available_from": start, "available_until": end}


def check_items(data: dict) -> Checked:
    """Every item checked on its own, then the keys and SIRETs checked for duplicates (no database)."""
    checked = Checked()
    company_keys = {_key(c.get("key")) for c in data["companies"] if isinstance(c, dict)} - {None}
    for index, raw in enumerate(data["companies"]):
        item = _check_one("companies", index, raw, checked, check_company)
        if item:
            checked.companies.append(item)
    for index, raw in enumerate(data["posts"]):
        item = _check_one("posts", index, raw, checked, lambda reader: check_post(reader, company_keys))
        if item:
            checked.posts.append(item)
    _check_unique(data["companies"], "companies", "key", checked)
    _check_unique(data["posts"], "posts", "key", checked)
    _check_unique_sirets(checked)
    return checked


def _check_one(section: str, index: int, raw: Any, checked: Checked, check):
    if not isinstance(raw, dict):
        checked.problems.append(f"{section}[{index}]: must be an object, got {_type_name(raw)}")
        return None
    return check(ItemReader(section, index, raw, checked))


def _check_unique(items: list, section: str, name: str, checked: Checked) -> None:
    first: dict[str, int] = {}
    for index, raw in enumerate(items):
        value = _key(raw.get(name)) if isinstance(raw, dict) else None
        if not value:
            continue
        if value in first:
            checked.problems.append(f"{section}[{index}] ({value}): duplicate {name} {value!r} "
                                    f"(first at {section}[{first[value]}])")
        else:
            first[value] = index


def _check_unique_sirets(checked: Checked) -> None:
    first: dict[str, str] = {}
    for item in checked.companies:
        if item.siret in first:
            checked.problems.append(f"{item.where}: SIRET {item.siret} is also the SIRET of company "
                                    f"{first[item.siret]!r}")
        else:
            first[item.siret] = item.key


# --------------------------------------------------------------------------- checking against the database


@dataclass
class Plan:
    """What the import will do, once everything has been checked."""

    companies: list[CompanyItem]
    posts: list[PostItem]
    by_siret: dict[str, Company]  # existing companies of the file's SIRETs
    existing_posts: set[str]  # keys of the posts imported before (skipped)
    notes: list[str]


def plan_import(data: Any) -> Plan:
    """Check everything (shape, items, then the database); InvalidImport lists every problem."""
    check_top_level(data)
    checked = check_items(data)
    by_siret = {c.siret: c for c in _fetch(Company, Company.siret, [i.siret for i in checked.companies])}
    by_ref = {c.external_ref: c for c in _fetch(Company, Company.external_ref, [i.key for i in checked.companies])}
    old_posts = {p.external_ref: p for p in _fetch(Post, Post.external_ref, [i.key for i in checked.posts],
                                                   joinedload(Post.company))}
    sirets = {item.key: item.siret for item in checked.companies}
    problems = checked.problems + _company_conflicts(checked.companies, by_siret, by_ref)
    problems += _post_conflicts(checked.posts, sirets, by_siret, old_posts)
    if problems:
        raise InvalidImport(problems)
    return Plan(checked.companies, checked.posts, by_siret, set(old_posts), checked.notes)


def _fetch(model, column, values: list[str], *options) -> list:
    found = []
    for start in range(0, len(values), QUERY_CHUNK):
        chunk = values[start:start + QUERY_CHUNK]
        found += db.session.scalars(sa.select(model).where(column.in_(chunk)).options(*options)).all()
    return found


def _company_conflicts(items: list[CompanyItem], by_siret: dict[str, Company], by_ref: dict[str, Company]) -> list[str]:
    """A key already kept by a company of another SIRET (keys are only unique within one file)."""
    return [f"{item.where}: the key {item.key!r} is already the reference of another company "
            f"(SIRET {by_ref[item.key].siret}) imported before"
            for item in items if item.key in by_ref and by_ref[item.key].siret != item.siret]


def _post_conflicts(items: list[PostItem], sirets: dict[str, str], by_siret: dict[str, Company],
                    old_posts: dict[str, Post]) -> list[str]:
    problems = []
    for item in items:
        siret, old = sirets.get(item.company_key), old_posts.get(item.key)
        if siret is None:  # its company is invalid: already reported
            continue
        if old is not None and old.company.siret != siret:
            problems.append(f"{item.where}: the key {item.key!r} is already the reference of a post of "
                            f"another company (SIRET {old.company.siret}) imported before")
        elif old is None and siret in by_siret and by_siret[siret].is_suspended:
            problems.append(f"{item.where}: company {item.company_key!r} (SIRET {siret}) is suspended: "
                            f"its posts cannot be published")
    return problems


# --------------------------------------------------------------------------- writing


def import_data(data: Any, source: str) -> ImportResult:
    """Import a parsed file (flush, no commit); InvalidImport or ImportFileError leave the database untouched."""
    plan = plan_import(data)
    result = ImportResult(notes=plan.notes)
    by_key = {item.key: _company_for(item, plan.by_siret, result) for item in plan.companies}
    now = utcnow()
    for item in plan.posts:
        if item.key in plan.existing_posts:
            result.posts_unchanged += 1
        else:
            db.session.add(_new_post(item, by_key[item.company_key], now))
            result.posts_created += 1
    db.session.flush()
    audit.record(None, "import", None, file=source, **result.counts())
    db.session.flush()
    return result


def import_file(path: str | Path) -> ImportResult:
    return import_data(read_file(path), Path(path).name)


def _company_for(item: CompanyItem, by_siret: dict[str, Company], result: ImportResult) -> Company:
    company = by_siret.get(item.siret)
    if company is not None:
        result.companies_matched += 1
        company.external_ref = company.external_ref or item.key
        return company
    result.companies_created += 1
    company = Company(legal_name=item.name, siret=item.siret, siren=item.siret[:9], naf_code=item.naf_code,
                      address=item.address, phone="", contact_email=item.contact_email, verified=False,
                      external_ref=item.key, **item.commune.location())
    db.session.add(company)
    return company


def _new_post(item: PostItem, company: Company, now) -> Post:
    return Post(
        company=company, author=None, kind=item.kind, category=item.category, title=item.title,
        description=item.description, quantity=item.quantity, unit=item.unit, radius_km=item.radius_km,
        available_from=item.available_from, available_until=item.available_until, is_free=item.is_free,
        status=PostStatus.PUBLISHED, entered_by_cci=False, external_ref=item.key, moderated_by=None,
        submitted_at=now, published_at=now, renewed_at=now, moderated_at=now, **item.commune.location(),
    )


# --------------------------------------------------------------------------- helpers


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _key(value: Any) -> str | None:
    """A key as ``ItemReader.text`` reads it (spaces trimmed and collapsed), to compare keys alike."""
    return (" ".join(value.split()) or None) if isinstance(value, str) else None


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


def _show(value: Any) -> str:
    """A value as the operator typed it, shortened."""
    text = json.dumps(value, ensure_ascii=False) if value is not _MISSING else "nothing"
    return text if len(text) <= 60 else text[:57] + "..."
