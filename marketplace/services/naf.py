"""NAF rév. 2 activity codes (the "code APE" of a company), from ``marketplace/data/naf.csv``.

The table is built by ``scripts/build_naf_table.py``; it is read on first use and kept for the
life of the process.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from flask_babel import lazy_gettext as _l

from ..errors import DomainError

# Four digits and a letter once dots and spaces are gone: "0111Z" for "01.11Z".
COMPACT_RE = re.compile(r"([0-9]{2})([0-9]{2})([A-Z])")


class InvalidNafCode(DomainError):
    """The text is not shaped like a NAF code."""


class UnknownNafCode(DomainError):
    """Well-formed, but not in the NAF rév. 2 list."""


@dataclass(frozen=True)
class NafCode:
    code: str
    label: str
    section: str
    section_label: str


@cache
def _codes() -> dict[str, NafCode]:
    text = (files("marketplace") / "data" / "naf.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return {row["code"]: NafCode(row["code"], row["label"], row["section"], row["section_label"])
            for row in rows}


def normalize_naf(raw: str) -> str:
    """"0111z", "01.11 Z", "01.11Z" -> "01.11Z"."""
    compact = re.sub(r"[\s.]", "", raw or "").upper()
    if not compact:
        raise InvalidNafCode(_l("Enter a NAF code (4 digits and a letter, e.g. 56.10A)."))
    match = COMPACT_RE.fullmatch(compact)
    if match is None:
        raise InvalidNafCode(_l("Invalid NAF code: %(code)s. Expected 4 digits and a letter, e.g. 56.10A.",
                                code=raw.strip()))
    return "{}.{}{}".format(*match.groups())


def get_naf(code: str) -> NafCode:
    normalized = normalize_naf(code)
    found = _codes().get(normalized)
    if found is None:
        raise UnknownNafCode(_l("Unknown NAF code: %(code)s.", code=normalized))
    return found


def naf_choices() -> list[tuple[str, str]]:
    """[("01.11Z", "01.11Z — Culture de céréales…")] in code order, for a <select>."""
    return [(naf.code, f"{naf.code} — {naf.label}") for naf in _codes().values()]


def sections() -> list[tuple[str, str]]:
    """[("A", "Agriculture, sylviculture et pêche"), ...] in section order."""
    found = {naf.section: naf.section_label for naf in _codes().values()}
    return sorted(found.items())
