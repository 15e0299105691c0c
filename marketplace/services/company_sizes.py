"""Company size bands (headcount, close to INSEE's "tranches d'effectif"): stable codes, translated labels.

The code is what is stored (``Company.size_band``) and exported; a company may leave it unknown (NULL), which the
dashboard shows as "Unknown"."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..errors import DomainError
from ..models import CompanySizeBand

SIZE_LABELS = {
    CompanySizeBand.NONE: _l("No employee"),
    CompanySizeBand.MICRO: _l("1 to 9 employees"),
    CompanySizeBand.SMALL: _l("10 to 49 employees"),
    CompanySizeBand.MEDIUM: _l("50 to 249 employees"),
    CompanySizeBand.LARGE: _l("250 employees or more"),
}
UNKNOWN_LABEL = _l("Unknown")
CODES = tuple(band.value for band in CompanySizeBand)


class InvalidSizeBand(DomainError):
    pass


def parse_size_band(raw: str | None) -> CompanySizeBand | None:
    """"" or None -> unknown (None); a known code -> its band; anything else -> a clear error."""
    code = (raw or "").strip()
    if not code:
        return None
    try:
        return CompanySizeBand(code)
    except ValueError:
        raise InvalidSizeBand(_l("Choose one of the company sizes offered, or leave it unknown.")) from None


def size_label(band: CompanySizeBand | str | None):
    if band is None or band == "":
        return UNKNOWN_LABEL
    return SIZE_LABELS[CompanySizeBand(band)]


def size_choices() -> list[tuple[str, object]]:
    """For a <select>: unknown first, then the bands from the smallest."""
    return [("", _l("— Not given —"))] + [(band.value, label) for band, label in SIZE_LABELS.items()]
