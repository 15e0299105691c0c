"""From what a person types to what the search looks for (``marketplace.search.query``): lenient reading of quotes,
operators, exclusions, wildcards and any text, and the expansion by the synonym thesaurus.

No query-language parser is involved: nothing typed can fail, it can only find more or fewer posts."""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.search.analysis import terms
from marketplace.search.query import (MAX_GROUPS, MAX_QUERY_LENGTH, SYNONYM_WEIGHT, Alternative, ParsedQuery,
                                      Thesaurus, clean_text, merge_phrases, normalize_text, parse)
from marketplace.search.thesaurus import default_groups

SMALL = Thesaurus([["entrepôt", "hangar", "local de stockage"],
                   ["chariot élévateur", "Fenwick", "transpalette"],
                   ["chambre froide", "chambre frigorifique"]])
NONE = Thesaurus([])


def read(text: str, thesaurus: Thesaurus = SMALL) -> ParsedQuery:
    """What the search makes of ``text`` (as ``service.parsed_query`` does, without the spelling correction)."""
    return merge_phrases(parse(text, thesaurus), thesaurus)


def first_terms(parsed: ParsedQuery) -> list[tuple[str, ...]]:
    """The terms each group looks for first (what was typed, analysed)."""
    return [group.alternatives[0].terms for group in parsed.groups]


def alternatives(group) -> set[tuple[str, ...]]:
    return {alternative.terms for alternative in group.alternatives}


def t(word: str) -> tuple[str, ...]:
    return tuple(terms(word))


# --------------------------------------------------------------------------- the text read


@pytest.mark.parametrize(("raw", "expected"), [
    ("  entrepôt   lyon  ", "entrepôt lyon"),
    ("entrepôt\tlyon\nrhône\r\n", "entrepôt lyon rhône"),
    ("entre\x00pôt", "entre pôt"),
    ("a\x07b\x1bc\x7fd\x85e", "a b c d e"),
    ("zero\u200bwidth\u200fmarks\u202eRTL\ufeff", "zero width marks RTL"),
    (None, ""),
    ("", ""),
    ("\x00\x01\x02", ""),
])
def test_clean_text_drops_control_characters_and_collapses_spaces(raw, expected):
    assert clean_text(raw) == expected


def test_clean_text_composes_decomposed_accents():
    decomposed = unicodedata.normalize("NFD", "entrepôt élévateur")
    assert clean_text(decomposed) == "entrepôt élévateur"
    assert read(decomposed).groups and first_terms(read(decomposed, NONE)) == [t("entrepôt"), t("élévateur")]


def test_clean_text_keeps_the_first_500_characters():
    text = ("entrepôt " * 300).strip()
    assert len(text) > 2000
    cleaned = clean_text(text)
    assert len(cleaned) == MAX_QUERY_LENGTH == 500
    assert text.startswith(cleaned)
    assert normalize_text(text) == text  # what tells the page the text was cut


def test_spaces_alone_do_not_make_a_text_too_long():
    text = "entrepôt" + " " * 2000 + "lyon"
    assert normalize_text(text) == clean_text(text) == "entrepôt lyon"


# --------------------------------------------------------------------------- words, phrases, quotes


def test_every_word_is_a_group_that_must_match():
    parsed = read("palettes gratuites lyon", NONE)
    assert first_terms(parsed) == [t("palettes"), t("gratuites"), t("lyon")]
    assert parsed.words == ["palettes", "gratuites", "lyon"]


def test_stop_words_make_no_group():
    assert first_terms(read("les palettes de la ville", NONE)) == [t("palettes"), t("ville")]


def test_a_quoted_phrase_is_one_group():
    parsed = read('"chariot élévateur" lyon')
    assert first_terms(parsed) == [("chariot", "elev"), ("lyon",)]


@pytest.mark.parametrize("text", ['"chariot élévateur lyon', 'chariot élévateur lyon"', '"chariot" "élévateur lyon',
                                  'chariot "élévateur" lyon"'])
def test_unbalanced_quotes_are_read_leniently(text):
    parsed = read(text)
    assert [term for group in first_terms(parsed) for term in group] == ["chariot", "elev", "lyon"]


@pytest.mark.parametrize("text", ['"', '""', '"""', '" "', '"les de la"'])
def test_quotes_without_words_find_nothing_to_look_for(text):
    parsed = read(text)
    assert parsed.empty and not parsed.excluded


# --------------------------------------------------------------------------- operators


@pytest.mark.parametrize("operator", ["OR", "OU", "|", "||"])
def test_or_joins_two_words_into_one_group(operator):
    parsed = read(f"palettes {operator} cartons lyon", NONE)
    assert len(parsed.groups) == 2
    assert alternatives(parsed.groups[0]) == {t("palettes"), t("cartons")}
    assert first_terms(parsed)[1] == t("lyon")


def test_or_keeps_the_synonyms_of_both_sides():
    parsed = read("entrepôt OR Fenwick")
    assert len(parsed.groups) == 1
    found = alternatives(parsed.groups[0])
    assert {t("entrepôt"), t("hangar"), t("Fenwick"), t("transpalette"), ("chariot", "elev")} <= found


def test_lowercase_or_is_a_plain_word():
    parsed = read("palettes or cartons", NONE)
    assert len(parsed.groups) == 3  # "or" (gold) is a word like another


@pytest.mark.parametrize("operator", ["AND", "ET", "&", "&&", "+"])
def test_and_is_ignored(operator):
    assert first_terms(read(f"entrepôt {operator} lyon", NONE)) == [t("entrepôt"), t("lyon")]


@pytest.mark.parametrize("text", ["entrepôt -hangar", "entrepôt NOT hangar", "NOT hangar entrepôt",
                                  "entrepôt SAUF hangar", "entrepôt ! hangar", "-hangar entrepôt"])
def test_not_and_minus_exclude_a_word(text):
    parsed = read(text, NONE)
    assert first_terms(parsed) == [t("entrepôt")]
    assert parsed.excluded == [t("hangar")]


@pytest.mark.parametrize("text", ['entrepôt -"chambre froide"', 'entrepôt NOT "chambres froides"'])
def test_an_excluded_phrase_is_excluded_as_a_whole(text):
    parsed = read(text)
    assert first_terms(parsed) == [t("entrepôt")]
    assert parsed.excluded == [("chambr", "froid")]  # a post needs both words to be left out


@pytest.mark.parametrize("text", ["chambre négative -20", "chambre négative -18 °C"])
def test_a_negative_number_is_a_number_not_an_exclusion(text):
    parsed = read(text, NONE)
    assert parsed.excluded == []
    assert first_terms(parsed)[2][0].isdigit()


def test_only_exclusions_leave_no_group_but_are_kept():
    parsed = read("-hangar NOT entrepôt", NONE)
    assert parsed.empty
    assert parsed.excluded == [t("hangar"), t("entrepôt")]


@pytest.mark.parametrize("text", ["AND", "OR", "NOT", "OU", "ET", "SAUF", "|", "&&", "!", "-", "--", "+", "*", "**",
                                  "?", "AND OR NOT", "NOT NOT", "OR OR OR", "- - -", "* ? *", "NOT -", "OR -"])
def test_operators_alone_look_for_nothing(text):
    parsed = read(text)
    assert parsed.empty and parsed.excluded == [] and parsed.words == []


@pytest.mark.parametrize(("text", "expected"), [
    ("lyon OR", [("lyon",)]), ("OR lyon", [("lyon",)]), ("lyon NOT", [("lyon",)]), ("lyon AND", [("lyon",)]),
])
def test_a_dangling_operator_is_ignored(text, expected):
    parsed = read(text, NONE)
    assert first_terms(parsed) == expected and parsed.excluded == []


@pytest.mark.parametrize("text", ["(entrepôt OR hangar) AND (lyon)", "((entrepôt OR hangar)) lyon)",
                                  "(entrepôt OR hangar lyon", "entrepôt) OR (hangar) (lyon"])
def test_parentheses_are_read_as_spaces(text):
    parsed = read(text, NONE)
    assert len(parsed.groups) == 2
    assert alternatives(parsed.groups[0]) == {t("entrepôt"), t("hangar")}
    assert first_terms(parsed)[1] == ("lyon",)


@pytest.mark.parametrize("text", ["(", ")", "((((", "))))", "()", "( )", "(-)", "(*)", "(((-)))"])
def test_parentheses_alone_look_for_nothing(text):
    assert read(text).empty


# --------------------------------------------------------------------------- wildcards


def test_a_star_looks_for_words_that_start_so():
    parsed = read("entrep* lyon", NONE)
    first = parsed.groups[0].alternatives[0]
    assert first == Alternative(("entrep",), prefix=True)
    assert first_terms(parsed)[1] == ("lyon",)


@pytest.mark.parametrize(("text", "start"), [("Entrép*", "entrep"), ("l'entrep*", "entrep"), ("L’ENTREP*", "entrep"),
                                             ("(entrep*", "entrep"), ("entrep**", "entrep")])
def test_the_start_of_a_word_is_folded_and_loses_its_article(text, start):
    assert read(text, NONE).groups[0].alternatives[0] == Alternative((start,), prefix=True)


def test_a_whole_word_with_a_star_also_finds_its_stem():
    group = read("entrepôts*", NONE).groups[0]
    assert Alternative(("entrepots",), prefix=True) in group.alternatives
    assert Alternative(("entrepot",)) in group.alternatives


@pytest.mark.parametrize("text", ["e*", "*", "é*", "*entrepôt", "entre*pôt", "entrep?t", "?"])
def test_short_or_inner_wildcards_are_not_prefixes(text):
    parsed = read(text, NONE)
    assert not any(alt.prefix for group in parsed.groups for alt in group.alternatives)


def test_prefix_words_are_not_highlighted_but_the_others_are():
    parsed = read("entrep* lyon", NONE)
    assert parsed.highlight_terms() == {"lyon"}


# --------------------------------------------------------------------------- any script, any length


@pytest.mark.parametrize(("text", "count"), [
    ("仓库 上海", 2), ("склад Москва", 2), ("مستودع في دبي", 3), ("מחסן", 1), ("Ελλάδα", 1), ("倉庫", 1),
    ("entrepôt 😀", 1), ("😀🏭🚚", 0), ("\u202eentrepôt\u202c", 1), ("\u200fمستودع\u200e", 1),
    ("\U0001F1EB\U0001F1F7 palettes", 1), ("palettes \u0000 gratuites", 2),
])
def test_every_script_is_read_and_symbols_are_ignored(text, count):
    assert len(read(text, NONE).groups) == count


def test_a_very_long_text_is_cut_and_holds_at_most_12_groups():
    words = [f"mot{n}" for n in range(400)]
    parsed = read(" ".join(words), NONE)
    assert len(parsed.groups) == MAX_GROUPS == 12
    assert first_terms(parsed)[0] == t("mot0")


def test_a_2000_character_word_is_one_harmless_group():
    parsed = read("a" * 2000, NONE)
    assert len(parsed.groups) == 1
    [(term,)] = first_terms(parsed)
    assert set(term) == {"a"} and len(term) <= MAX_QUERY_LENGTH


@pytest.mark.parametrize("text", ["", " ", "\t\n", "\x00", "\u3000", "\u00a0\u00a0"])
def test_empty_and_blank_texts_look_for_nothing(text):
    parsed = read(text)
    assert parsed.empty and parsed.excluded == [] and parsed.words == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=600) | st.text(alphabet=string.printable + '"()*?-|!&+’\'', max_size=200))
def test_any_text_parses(text):
    parsed = read(text, Thesaurus(default_groups()))
    assert len(parsed.groups) <= MAX_GROUPS
    for group in parsed.groups:
        assert group.alternatives and all(alt.terms and all(alt.terms) for alt in group.alternatives)


# --------------------------------------------------------------------------- the thesaurus


def test_a_word_of_the_thesaurus_looks_for_its_synonyms_with_a_lower_weight():
    group = read("entrepôts").groups[0]
    assert group.alternatives[0] == Alternative(("entrepot",))
    assert Alternative(t("hangar"), SYNONYM_WEIGHT) in group.alternatives
    assert Alternative(t("local de stockage"), SYNONYM_WEIGHT) in group.alternatives


@pytest.mark.parametrize("text", ["chariot élévateur", "chariots élévateurs", "Chariot Elevateur",
                                  '"chariot élévateur"', "le chariot élévateur", "chariot, élévateur"])
def test_a_phrase_of_the_thesaurus_typed_apart_finds_its_synonyms(text):
    parsed = read(text)
    assert len(parsed.groups) == 1
    assert {("chariot", "elev"), t("Fenwick"), t("transpalette")} <= alternatives(parsed.groups[0])


def test_a_thesaurus_phrase_among_other_words():
    parsed = read("prêt de chariot élévateur à Lyon")
    assert first_terms(parsed) == [t("prêt"), ("chariot", "elev"), ("lyon",)]
    assert t("Fenwick") in alternatives(parsed.groups[1])


def test_a_synonym_finds_the_phrase_of_its_group():
    parsed = read("Fenwick")
    assert ("chariot", "elev") in alternatives(parsed.groups[0])


def test_words_of_a_phrase_separated_by_another_word_are_not_joined():
    parsed = read("chariot lyon élévateur")
    assert len(parsed.groups) == 3


def test_the_longest_phrase_of_the_thesaurus_wins():
    thesaurus = Thesaurus([["chambre froide", "chambre frigorifique"],
                           ["chambre froide négative", "chambre de congélation"]])
    parsed = read("chambre froide négative", thesaurus)
    assert len(parsed.groups) == 1
    assert t("chambre de congélation") in alternatives(parsed.groups[0])
    assert t("chambre frigorifique") not in alternatives(parsed.groups[0])


def test_a_word_out_of_the_thesaurus_has_only_itself():
    assert [alternatives(group) for group in read("palettes").groups] == [{t("palettes")}]


def test_the_shipped_thesaurus_knows_the_examples_of_the_issue():
    thesaurus = Thesaurus(default_groups())
    storage = alternatives(read("entrepôt", thesaurus).groups[0])
    assert {t("hangar"), t("local de stockage")} <= storage
    lifting = alternatives(read("chariot élévateur", thesaurus).groups[0])
    assert {t("Fenwick"), t("transpalette")} <= lifting
    ppe = alternatives(read("EPI", thesaurus).groups[0])
    assert {t("masques"), t("gants")} <= ppe


def test_a_new_group_changes_the_expansion():
    before = read("silo", SMALL)
    after = read("silo", Thesaurus([["silo", "cellule à grain"]]))
    assert alternatives(before.groups[0]) == {t("silo")}
    assert t("cellule à grain") in alternatives(after.groups[0])
