"""The translation catalogues: French complete and well-formed, and in step with the source.

The code uses English msgids; ``marketplace/translations/fr`` must translate every one of them.
After adding or changing user-facing text, run ``make messages`` (re-extracts ``messages.pot`` and
updates the catalogues), then translate the new entries of ``fr/LC_MESSAGES/messages.po``.

French typography in the catalogue: a no-break space (U+00A0) before ``: ; ? !`` and inside
``« »``, straight apostrophes.

Nothing is compiled here: the ``.po`` files are parsed, and the source is re-extracted in memory
(a fraction of a second), once per module.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "marketplace" / "translations"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("fr", "en")
# Same keywords and ignored directories as the `messages` target of the Makefile.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
IGNORED_DIRS = (".*", "__pycache__")

# %(name)s, %(count)d, %s, %% ...: what Python's %-formatting (and Jinja's newstyle gettext) reads.
PLACEHOLDER_RE = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>.)?",
                            re.DOTALL)
HOW_TO_FIX = ("run `make messages`, then translate the new entries of "
              "marketplace/translations/fr/LC_MESSAGES/messages.po")


def _key(message_id) -> str:
    """The singular msgid (a plural message has a (singular, plural) tuple as id)."""
    return message_id[0] if isinstance(message_id, (list, tuple)) else message_id


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _messages(catalog) -> dict:
    """(msgid, context) -> message, header excluded."""
    return {(_key(m.id), m.context): m for m in catalog if m.id}


def _strings(value) -> list[str]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _placeholders(text: str) -> list[str]:
    """Sorted placeholders of a format string; '%%' is not one. Raises ValueError on a stray '%'."""
    found = []
    for match in PLACEHOLDER_RE.finditer(text):
        conv = match.group("conv")
        if conv == "%" and match.group(0) == "%%":
            continue
        if conv is None or conv not in "diouxXeEfFgGcrsa":
            raise ValueError(f"stray '%' in {text!r} (write '%%' for a literal percent sign)")
        found.append(f"%({match.group('name')}){conv}" if match.group("name") is not None else f"%{conv}")
    return sorted(found)


def _describe(keys) -> str:
    return "\n".join(f"  - {msgid!r}" + (f" (context {context!r})" if context else "")
                     for msgid, context in sorted(keys, key=lambda k: (k[0], k[1] or "")))


@pytest.fixture(scope="module")
def pot() -> dict:
    return _messages(_read(POT))


@pytest.fixture(scope="module")
def catalogs() -> dict:
    return {locale: _read(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale) for locale in LOCALES}


@pytest.fixture(scope="module")
def fr(catalogs) -> dict:
    return _messages(catalogs["fr"])


@pytest.fixture(scope="module")
def source_msgids() -> dict:
    """(msgid, context) -> locations, freshly extracted from the source with babel.cfg."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")

    def keep_directory(path: str) -> bool:
        name = os.path.basename(path)
        return not any(fnmatch.fnmatch(name, pattern) for pattern in IGNORED_DIRS)

    found: dict = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=keep_directory):
        found.setdefault((_key(message), context), []).append(f"{filename}:{lineno}")
    assert found, "nothing extracted: check babel.cfg"
    return found


# --------------------------------------------------------------------------- in step with the source

def test_every_string_of_the_source_is_translated_into_french(source_msgids, fr):
    missing = {key for key in source_msgids if key not in fr or not all(_strings(fr[key].string))}
    assert not missing, (
        f"{len(missing)} user-facing string(s) without a French translation ({HOW_TO_FIX}):\n"
        + "\n".join(f"  - {key[0]!r}  ({', '.join(source_msgids[key])})" for key in sorted(missing, key=str)))


def test_the_template_is_up_to_date_with_the_source(source_msgids, pot):
    new = set(source_msgids) - set(pot)
    gone = set(pot) - set(source_msgids)
    assert not new and not gone, (
        "marketplace/translations/messages.pot is out of date: run `make messages`.\n"
        + (f"Not in messages.pot yet:\n{_describe(new)}\n" if new else "")
        + (f"No longer in the source:\n{_describe(gone)}\n" if gone else ""))


@pytest.mark.parametrize("locale", LOCALES)
def test_each_catalogue_has_the_msgids_of_the_template(locale, pot, catalogs):
    messages = _messages(catalogs[locale])
    missing = set(pot) - set(messages)
    extra = set(messages) - set(pot)
    assert not missing and not extra, (
        f"{locale}/LC_MESSAGES/messages.po is not in step with messages.pot: "
        "run `pybabel update -i marketplace/translations/messages.pot -d marketplace/translations "
        "--no-fuzzy-matching` (part of `make messages`).\n"
        + (f"Missing:\n{_describe(missing)}\n" if missing else "")
        + (f"Not in messages.pot:\n{_describe(extra)}\n" if extra else ""))


# --------------------------------------------------------------------------- the French catalogue

def test_french_translates_every_msgid_of_the_template(pot, fr):
    untranslated = {key for key in pot if key not in fr or not all(_strings(fr[key].string))}
    assert not untranslated, f"Untranslated in fr ({HOW_TO_FIX}):\n{_describe(untranslated)}"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_fuzzy_entries(locale, catalogs):
    catalog = catalogs[locale]
    # A fuzzy header makes `pybabel compile` (without --use-fuzzy) skip the whole catalogue.
    assert not catalog.fuzzy, f"the header of {locale}/LC_MESSAGES/messages.po is marked fuzzy"
    fuzzy = {key for key, message in _messages(catalog).items() if message.fuzzy}
    assert not fuzzy, (f"Fuzzy entries in {locale} (check the translation, then remove the "
                       f"'#, fuzzy' line):\n{_describe(fuzzy)}")


def test_french_plural_forms(catalogs, fr):
    assert catalogs["fr"].num_plurals == 2
    wrong = {key for key, message in fr.items()
             if message.pluralizable and len(_strings(message.string)) != 2}
    assert not wrong, f"Plural messages without exactly 2 French forms:\n{_describe(wrong)}"


def test_placeholders_are_kept(fr):
    problems = []
    for key, message in sorted(fr.items(), key=lambda item: str(item[0])):
        try:
            expected = _placeholders(_strings(message.id)[-1])
            for translation in _strings(message.string):
                if not translation:
                    continue
                got = _placeholders(translation)
                # A singular form may leave out the count ("une entreprise" for %(count)d).
                if got != expected and not (message.pluralizable and set(got) <= set(expected)):
                    problems.append(f"  - {key[0]!r}: {expected} in English, {got} in {translation!r}")
        except ValueError as error:
            problems.append(f"  - {key[0]!r}: {error}")
    assert not problems, "Placeholders differ between msgid and French msgstr:\n" + "\n".join(problems)


def test_french_typography_is_consistent(fr):
    """A no-break space (U+00A0) before : ; ? ! and inside « », never a plain or a narrow one."""
    rules = [
        (re.compile(r"[ \u202f][:;?!»]"), "a plain or narrow space before : ; ? ! or »"),
        (re.compile(r"«[ \u202f]"), "a plain or narrow space after «"),
        (re.compile(r"[^\s\u00a0][;?!»]|[^\s\u00a0/]:(?=\s|$)"), "no space before ; ? ! : or »"),
        (re.compile(r"«[^\u00a0]"), "no space after «"),
    ]
    problems = [f"  - {translation!r}: {why}"
                for message in fr.values() for translation in _strings(message.string)
                for pattern, why in rules if pattern.search(translation or "")]
    assert not problems, "French typography (use a no-break space, U+00A0):\n" + "\n".join(problems)
