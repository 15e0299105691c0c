"""Postcodes, communes and territories, from the offline tables in ``marketplace/data``.

The tables are built by ``scripts/build_postcodes.py`` (sources in ``data/SOURCES.md``). They
are read on first use and kept for the life of the process: importing this module costs nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from flask_babel import lazy_gettext as _l

from ..errors import DomainError

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
POSTCODE_RE = re.compile(r"[0-9]{5}")
MAX_NAMES_IN_MESSAGE = 8


class InvalidPostcode(DomainError):
    """The text is not shaped like a French postcode (5 digits)."""


class UnknownPostcode(DomainError):
    """Well-formed, but no commune has this postcode."""


class CityNotInPostcode(DomainError):
    """The city given does not belong to the postcode given."""


@dataclass(frozen=True)
class Commune:
    postcode: str
    insee: str
    name: str
    latitude: float
    longitude: float
    departement: str
    departement_name: str
    region: str
    region_name: str

    def location(self) -> dict[str, object]:
        """The location columns (``LOCATION_FIELDS``) of a company or a post placed in this commune."""
        return {"postcode": self.postcode, "city": self.name, "insee_code": self.insee, "latitude": self.latitude,
                "longitude": self.longitude, "departement": self.departement, "region": self.region}


LOCATION_FIELDS = ("postcode", "city", "insee_code", "latitude", "longitude", "departement", "region")


def location_of(located) -> dict[str, object]:
    """The location columns of a company or a post, to place another row at the same spot."""
    return {name: getattr(located, name) for name in LOCATION_FIELDS}


def locate(target, location: Mapping[str, object]) -> None:
    """Set the location columns of a company or a post (from ``Commune.location`` or ``location_of``)."""
    for name in LOCATION_FIELDS:
        setattr(target, name, location[name])


@dataclass(frozen=True)
class _Territory:
    name: str
    region: str
    region_name: str


# --------------------------------------------------------------------------- loading


def _data_text(name: str) -> str:
    resource = files("marketplace") / "data" / name
    if name.endswith(".gz"):
        return gzip.decompress(resource.read_bytes()).decode("utf-8")
    return resource.read_text(encoding="utf-8")


def _rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_data_text(name))))


@cache
def _territories() -> dict[str, _Territory]:
    return {row["code"]: _Territory(row["name"], row["region_code"], row["region_name"])
            for row in _rows("territories.csv")}


@cache
def _communes_by_postcode() -> dict[str, tuple[Commune, ...]]:
    """Every commune of each postcode, sorted by name (accents ignored)."""
    territories = _territories()
    grouped: dict[str, list[Commune]] = {}
    for row in _rows("postcodes.csv.gz"):
        grouped.setdefault(row["postcode"], []).append(_commune(row, territories[row["departement"]]))
    return {code: tuple(sorted(communes, key=lambda c: (_fold(c.name), c.insee)))
            for code, communes in grouped.items()}


def _commune(row: dict[str, str], territory: _Territory) -> Commune:
    return Commune(
        postcode=row["postcode"], insee=row["insee"], name=row["name"],
        latitude=float(row["latitude"]), longitude=float(row["longitude"]),
        departement=row["departement"], departement_name=territory.name,
        region=territory.region, region_name=territory.region_name,
    )


# --------------------------------------------------------------------------- postcodes


def normalize_postcode(raw: str) -> str:
    """"75 001" -> "75001"; anything but 5 digits (once spaces are removed) is refused."""
    code = "".join((raw or "").split())
    if not code:
        raise InvalidPostcode(_l("Enter a postcode (5 digits)."))
    if not POSTCODE_RE.fullmatch(code):
        raise InvalidPostcode(_l("Invalid postcode: %(code)s. A French postcode has exactly 5 digits.",
                                 code=raw.strip()))
    return code


def communes_for(postcode: str) -> list[Commune]:
    code = normalize_postcode(postcode)
    communes = _communes_by_postcode().get(code)
    if not communes:
        raise UnknownPostcode(_l("Unknown postcode: %(code)s. Check the 5 digits.", code=code))
    return list(communes)


def find_commune(postcode: str, city: str | None) -> Commune:
    """The commune of ``postcode`` named ``city``; the first one when no city is given."""
    communes = communes_for(postcode)
    if not city or not city.strip():
        return communes[0]
    match = _match_city(communes, city)
    if match is None:
        raise CityNotInPostcode(_l(
            "%(city)s is not served by postcode %(code)s. Communes with this postcode: %(names)s",
            city=city.strip(), code=communes[0].postcode, names=_names(communes)))
    return match


def _names(communes: list[Commune]) -> str:
    names = [c.name for c in communes[:MAX_NAMES_IN_MESSAGE]]
    if len(communes) > MAX_NAMES_IN_MESSAGE:
        names.append("…")
    return ", ".join(names)


# --------------------------------------------------------------------------- city names

ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
ARTICLES = {"le", "la", "les", "l", "aux", "las", "los"}
CEDEX_RE = re.compile(r"( cedex( \d+)?)$")


def _fold(text: str) -> str:
    """Comparable form of a place name: no case, accents, hyphens or punctuation, and
    La Poste's abbreviations spelt out ("ST ETIENNE" == "Saint-Étienne")."""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "oe"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    words = re.findall(r"[a-z0-9]+", plain)
    return " ".join(ABBREVIATIONS.get(word, word) for word in words)


def _without_article(folded: str) -> str:
    """"le havre" -> "havre": people often drop (or add) the article."""
    first, _, rest = folded.partition(" ")
    return rest if first in ARTICLES and rest else folded


def _match_city(communes: list[Commune], city: str) -> Commune | None:
    """Exact (folded) name first, then without article, then an arrondissement whose name
    starts with the city ("Paris" or "Paris 1er" for "Paris 1er Arrondissement")."""
    wanted = CEDEX_RE.sub("", _fold(city))
    checks = (
        lambda name: name == wanted,
        lambda name: _without_article(name) == _without_article(wanted),
        lambda name: "arrondissement" in name and name.startswith(wanted + " "),
    )
    for check in checks:
        for commune in communes:
            if check(_fold(commune.name)):
                return commune
    return None


# --------------------------------------------------------------------------- territories


def departements() -> list[tuple[str, str]]:
    """(code, name) in code order ("2A" and "2B" fall between "29" and "30")."""
    return sorted((code, t.name) for code, t in _territories().items())


def regions() -> list[tuple[str, str]]:
    """(code, name) in alphabetical order, accents ignored ("Île-de-France" among the I)."""
    found = {t.region: t.region_name for t in _territories().values()}
    return sorted(found.items(), key=lambda item: _fold(item[1]))


def departement_name(code: str) -> str | None:
    territory = _territories().get(code)
    return territory.name if territory else None


def region_of_departement(code: str) -> tuple[str, str] | None:
    territory = _territories().get(code)
    return (territory.region, territory.region_name) if territory else None


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), accurate to about 0.5 % which is plenty here."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
