"""What a post says (``facts.read_post``), kept with the post: written once when the post is indexed or changed,
read back in one query with the candidates instead of analysing their text at query time.

The stored form is compact JSON of plain values (no pickle): only what ``read_post`` derives from the text (terms,
phrases and their groups, towns, amounts, conditions); the post's own columns (kind, category, place, dates...) are
taken from the row read with it. A stored reading is valid for one version of the post (its ``updated_at``) and
one *version* of the analysis: ``FORMAT`` (bumped whenever ``read_post`` or this encoding changes) and a digest
of the phrase groups (the thesaurus and the related families; group numbers depend on them)."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections import Counter
from typing import Any

from .facts import PostFacts
from .places import Town
from .quantities import Amount
from .text import TextFacts

FORMAT = 1  # bump when read_post, text_facts or this encoding changes what is stored
_FLAGS = ("nationwide", "ships", "pickup_only", "accepts_shipping", "remote", "on_site_only", "one_way", "dry_only",
          "job_advert", "general_labour")


def version_of(groups_key: str) -> str:
    """The analysis version of stored facts: the format and a digest of the phrase groups (40 characters)."""
    return hashlib.sha1(f"{FORMAT}\x00{groups_key}".encode("utf-8")).hexdigest()


def _unit(unit: str | tuple[str, ...]) -> str | list[str]:
    return unit if isinstance(unit, str) else list(unit)


def _key(key: tuple[str, int]) -> str:
    return f"{key[0]}{key[1]}"


def _unkey(text: str) -> tuple[str, int]:
    return (text[0], int(text[1:]))


def dump(facts: PostFacts) -> bytes:
    """The text-derived part of ``facts``, as compressed JSON."""
    text = facts.text
    data = {
        "t": [[_unit(u), n] for u, n in text.title.items()],
        "b": [[_unit(u), n] for u, n in text.body.items()],
        "n": dict(text.negated),
        "w": sorted(text.terms),
        "g": [[list(p), sorted(_key(k) for k in keys)] for p, keys in text.groups.items()],
        "q": {word: sorted(quals) for word, quals in text.qualified.items()},
        "tw": [[t.name, t.latitude, t.longitude, t.departement] for t in facts.towns],
        "ar": sorted(facts.areas),
        "am": [[a.value, a.dimension, a.period_days] for a in facts.amounts],
        "r": facts.reach_km,
        "f": [name for name in _FLAGS if getattr(facts, name)],
        "c": sorted(facts.cold),
        "l": sorted(facts.languages),
        "ql": sorted(facts.qualifiers),
        "cu": sorted(facts.cues),
    }
    return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)


def load(blob: bytes, row: Any) -> PostFacts:
    """The facts of the post of ``row`` (a mapping with the engine's post columns) from their stored form."""
    data = json.loads(zlib.decompress(blob))
    groups = {tuple(p): frozenset(_unkey(k) for k in keys) for p, keys in data["g"]}
    group_keys: set = set()
    for keys in groups.values():
        group_keys |= keys
    text = TextFacts(
        title=Counter({(u if isinstance(u, str) else tuple(u)): n for u, n in data["t"]}),
        body=Counter({(u if isinstance(u, str) else tuple(u)): n for u, n in data["b"]}),
        negated=Counter(data["n"]), terms=set(data["w"]), groups=groups, group_keys=group_keys,
        qualified={word: set(quals) for word, quals in data["q"].items()},
    )
    facts = from_row(row)
    facts.text = text
    facts.towns = [Town(*town) for town in data["tw"]]
    facts.areas = set(data["ar"])
    facts.amounts = [Amount(*amount) for amount in data["am"]]
    facts.reach_km = data["r"]
    for name in data["f"]:
        setattr(facts, name, True)
    facts.cold, facts.languages = frozenset(data["c"]), frozenset(data["l"])
    facts.qualifiers, facts.cues = frozenset(data["ql"]), frozenset(data["cu"])
    return facts


def _enum(value: Any) -> Any:
    return getattr(value, "value", value)


def from_row(row: Any) -> PostFacts:
    """The facts a post's columns give directly (what ``read_post`` takes from the row, before its text)."""
    return PostFacts(
        id=row["id"], kind=_enum(row["kind"]), category=_enum(row["category"]), company_id=row["company_id"],
        latitude=float(row["latitude"]), longitude=float(row["longitude"]), departement=row["departement"] or "",
        radius_km=row["radius_km"], available_from=row["available_from"], available_until=row["available_until"],
        ref=row.get("external_ref") or "",
    )
