"""French analysis of the search (``marketplace.search.analysis``): what a text becomes in the index and in a query.

Accents, case, ligatures, elided articles, stop words and plurals must not matter, so that "entrepôts", "entrepot" and
"Entrepôt" meet; the highlighter reads the same tokens, so their positions in the original text must stay right."""

from __future__ import annotations

import unicodedata

import pytest

from marketplace.search.analysis import analyzer, fold, stop_words, terms


def same_terms(*texts: str) -> list[str]:
    """The terms of the first text, after checking that every other text gives the same ones."""
    first = terms(texts[0])
    assert first, f"{texts[0]!r} gives no term"
    for text in texts[1:]:
        assert terms(text) == first, (text, terms(text), first)
    return first


# --------------------------------------------------------------------------- accents, case, ligatures


@pytest.mark.parametrize("variants", [
    ("entrepôts", "entrepot", "Entrepôt", "ENTREPÔTS", "EntrePots", "entrepôt"),
    ("élévateur", "elevateur", "ÉLÉVATEUR", "Elevateurs"),
    ("réfrigéré", "refrigere", "RÉFRIGÉRÉ"),
    ("matériel", "materiel", "MATÉRIEL"),
    ("Noël", "noel", "NOËL"),
    ("façonnage", "faconnage", "FAÇONNAGE"),
    ("gratuites", "gratuit", "Gratuits", "GRATUITE"),
])
def test_accents_case_and_plurals_do_not_matter(variants):
    assert len(same_terms(*variants)) == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("Œuvre", "oeuvre"), ("cœur", "coeur"), ("Æsthète", "aesthete"), ("Straße", "strasse"), ("ﬁchier", "fichier"),
    ("ﬂacon", "flacon"), ("Entrepôt", "entrepot"), ("ÇA", "ca"), ("Ÿ", "y"),
])
def test_fold_removes_case_accents_and_ligatures(text, expected):
    assert fold(text) == expected


@pytest.mark.parametrize(("ligature", "plain"), [
    ("bœuf", "boeuf"), ("Œufs", "oeufs"), ("main-d'œuvre", "main-d'oeuvre"), ("ﬁlm étirable", "film etirable"),
    ("ﬂacons pompes", "flacons pompes"), ("cæcum", "caecum"),
])
def test_ligatures_index_like_their_letters(ligature, plain):
    same_terms(ligature, plain)


# --------------------------------------------------------------------------- Unicode forms


def test_decomposed_accents_fold_like_composed_ones():
    decomposed = unicodedata.normalize("NFD", "élévateur")
    assert decomposed != "élévateur" and len(decomposed) > len("élévateur")
    assert fold(decomposed) == fold("élévateur") == "elevateur"


@pytest.mark.parametrize("word", ["entrepôts", "élévateur", "réfrigéré"])
def test_decomposed_accents_give_the_same_terms_as_composed_ones(word):
    """A text typed or pasted in the decomposed form (e + U+0301, as macOS file names are) is the same text."""
    decomposed = unicodedata.normalize("NFD", word)
    assert decomposed != word
    assert terms(decomposed) == terms(word)


def test_compatibility_forms_fold_to_plain_letters():
    same_terms("ｅｎｔｒｅｐｏｔ", "entrepot")  # full-width Latin letters
    assert fold("m²") == "m2"


# --------------------------------------------------------------------------- elision


@pytest.mark.parametrize("text", [
    "l'entrepôt", "l’entrepôt", "L'ENTREPÔT", "d'entrepôts", "D’Entrepôt", "qu'entrepôt", "jusqu'à l'entrepôt",
    "lorsqu'entrepôt", "l'Entrepôts",
])
def test_elided_articles_are_dropped(text):
    assert terms(text) == ["entrepot"]


@pytest.mark.parametrize(("text", "expected"), [
    ("c'est l'entrepôt d'Annecy", ["entrepot", "annecy"]),
    ("qu'il n'y ait", []),
    ("aujourd'hui", ["aujourd", "hui"]),  # not an elision: indexed as its two parts
])
def test_elision_keeps_the_words_that_follow(text, expected):
    assert terms(text) == expected


def test_an_elided_word_and_the_same_word_alone_meet():
    assert terms("l'atelier d'usinage") == terms("atelier usinage")


# --------------------------------------------------------------------------- stop words


@pytest.mark.parametrize("word", ["les", "Les", "LES", "le", "la", "des", "de", "du", "un", "une", "et", "ou", "à",
                                  "au", "aux", "pour", "sur", "avec", "dans", "ces", "leurs"])
def test_french_stop_words_are_dropped(word):
    assert terms(word) == []
    assert fold(word) in stop_words() or len(fold(word)) < 2


def test_les_is_a_stop_word_although_whoosh_forgot_it():
    assert "les" in stop_words()
    assert terms("les entrepôts de la ville") == terms("entrepôts ville")


def test_stop_words_leave_the_meaningful_words_in_order():
    assert terms("Les chariots élévateurs et les transpalettes de l'entrepôt") == \
        terms("chariot élévateur transpalette entrepôt")


# --------------------------------------------------------------------------- plurals and stemming


@pytest.mark.parametrize(("singular", "plural"), [
    ("entrepôt", "entrepôts"), ("palette", "palettes"), ("chariot", "chariots"), ("vélo", "vélos"),
    ("hangar", "hangars"), ("bureau", "bureaux"), ("transpalette", "transpalettes"), ("gant", "gants"),
    ("masque", "masques"), ("chambre froide", "chambres froides"),
])
def test_plurals_meet_their_singular(singular, plural):
    same_terms(singular, plural)


@pytest.mark.parametrize("forms", [
    ("stockage", "stockages"), ("réfrigéré", "réfrigérés"), ("disponible", "disponibles"),
    ("gratuit", "gratuite", "gratuits", "gratuites"), ("couvert", "couverte", "couverts"),
    ("électrique", "électriques"),
])
def test_inflections_share_a_stem(forms):
    same_terms(*forms)


@pytest.mark.parametrize("forms", [
    ("réfrigéré", "réfrigérée", "réfrigérées"), ("sécurisé", "sécurisée"), ("climatisé", "climatisée"),
    ("équipé", "équipée"), ("fermé", "fermée"),
])
def test_feminine_past_participles_meet_the_masculine(forms):
    same_terms(*forms)


def test_different_words_keep_different_terms():
    assert terms("entrepôt") != terms("entreprise")
    assert terms("palette") != terms("paletot") or terms("palette") == ["palet"]
    assert len(set(terms("chariot hangar palette gants"))) == 4


def test_numbers_stay_searchable():
    assert "1500" in terms("1500 m²")
    assert "80x120" in terms("palette 80x120")


# --------------------------------------------------------------------------- any script, any input


@pytest.mark.parametrize("text", [
    "仓库", "склады", "مستودع", "מחסן", "倉庫 東京", "Ελλάδα", "한국어", "ქართული",
])
def test_other_scripts_are_kept_as_words(text):
    assert terms(text), text


@pytest.mark.parametrize("text", ["गोदाम", "கிடங்கு"])
def test_scripts_with_combining_vowel_signs_are_kept_as_words(text):
    """Their vowel signs are combining marks, which \\w does not take: a word must not fall apart at them."""
    assert terms(text) == [fold(text)]


@pytest.mark.parametrize("text", [
    "", " ", "\x00", "😀🏭", "\u202e\u200f", "''''", "’’", "-*-", "\ufeff", "\U0010fffd", "\ud800".encode(
        "utf-8", "surrogatepass").decode("utf-8", "replace"), "e\u0301\u0301\u0301", "l'", "qu’",
])
def test_any_text_is_analysed_without_error(text):
    assert isinstance(terms(text), list)
    assert all(term for term in terms(text))


def test_none_is_an_empty_text():
    assert terms(None) == []


# --------------------------------------------------------------------------- positions for the highlighter


def test_token_positions_point_at_the_original_text():
    text = "Les Entrepôts d’Annecy : l'entrepôt est libre"
    found = [(token.text, text[token.startchar:token.endchar])
             for token in analyzer()(text, chars=True, mode="query")]
    assert ("entrepot", "Entrepôts") in found
    assert ("entrepot", "l'entrepôt") in found
    assert ("annecy", "d’Annecy") in found
