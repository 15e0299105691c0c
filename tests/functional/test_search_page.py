"""The search page (/search) and the header search box: any input gives a page, highlighting is escaped, sorts,
distances, pagination, "did you mean", expired and suspended posts, the thesaurus edited by an administrator, and
the database fallback when the index is missing or corrupt.

Posts made by the factories are committed, then the change log is drained (``publish``), as the end of a request
does; each test has an index directory of its own (``search_index`` fixture)."""

from __future__ import annotations

import gc
import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import marketplace.search
from marketplace.extensions import db
from marketplace.models import Category, PostStatus, SynonymGroup
from marketplace.models.types import utcnow
from marketplace.search import service as search_service
from marketplace.search import thesaurus
from marketplace.search.query import MAX_QUERY_LENGTH

from .. import factories

RESULT_RE = re.compile(r'id="result-(\d+)-title"')
TOTAL_RE = re.compile(r'id="results-title"[^>]*>\s*(\d+) posts?')
SCRIPT = "<script>alert(1)</script>"
REBUILT = "The search index is being rebuilt"
HEADER_FORM_RE = re.compile(r'<form method="get" action="/search" role="search" class="header-search[^"]*"[^>]*>'
                            r'(.*?)</form>', re.S)

# --------------------------------------------------------------------------- places

LYON = dict(postcode="69007", city="Lyon 7e Arrondissement", insee_code="69387", latitude=45.7456, longitude=4.8418,
            departement="69", region="84")
VILLEURBANNE = dict(postcode="69100", city="Villeurbanne", insee_code="69266", latitude=45.7719, longitude=4.8902,
                    departement="69", region="84")
GRENOBLE = dict(postcode="38000", city="Grenoble", insee_code="38185", latitude=45.1842, longitude=5.7155,
                departement="38", region="84")
MARSEILLE = dict(postcode="13001", city="Marseille 1er Arrondissement", insee_code="13201", latitude=43.2999,
                 longitude=5.3841, departement="13", region="93")
PARIS = dict(postcode="75011", city="Paris 11e Arrondissement", insee_code="75111", latitude=48.859, longitude=2.38,
             departement="75", region="11")


# --------------------------------------------------------------------------- helpers


def publish() -> None:
    """Commit what the factories made and apply the change log to the index (as the end of a request does)."""
    db.session.commit()
    marketplace.search.drain_now()


def post_in(place: dict, **values):
    return factories.PostFactory(company=factories.CompanyFactory(**place), **values)


def page_html(response) -> str:
    assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:2000])
    return response.get_data(as_text=True)


def result_ids(response) -> list[int]:
    """The posts of the results page, in order."""
    return [int(found) for found in RESULT_RE.findall(page_html(response))]


def total_of(response) -> int:
    match = TOTAL_RE.search(page_html(response))
    assert match, "no result count on the page"
    return int(match.group(1))


def notices(response) -> str:
    match = re.search(r'<div class="alert alert-info" role="status">(.*?)</div>', page_html(response), re.S)
    return unescape(" ".join(match.group(1).split())) if match else ""


def result_card(response, post_id: int) -> str:
    match = re.search(rf'<article [^>]*aria-labelledby="result-{post_id}-title">.*?</article>', page_html(response),
                      re.S)
    assert match, f"no result card for post {post_id}"
    return match.group(0)


def search(client, **args):
    return client.get("/search", query_string=args)


def days_ago(days: float):
    return utcnow() - timedelta(days=days)


# --------------------------------------------------------------------------- the page itself


def test_the_empty_search_page_invites_to_type(english):
    response = english.get("/search")
    html = page_html(response)
    assert 'id="search-q"' in html and 'name="q"' in html
    assert "Type what you are looking for, or choose filters." in html
    assert result_ids(response) == []


def test_a_search_finds_a_published_post_and_not_the_others(english):
    found = factories.PostFactory(title="Entrepôt sec à Lyon")
    factories.PendingPostFactory(title="Entrepôt en attente de modération")
    factories.PostFactory(title="Entrepôt brouillon", status=PostStatus.DRAFT, published_at=None)
    factories.PostFactory(title="Entrepôt clos", status=PostStatus.CLOSED)
    factories.PostFactory(title="Palettes gratuites", description="Des palettes en bois.",
                          category=Category.SUPPLIES)
    publish()

    response = search(english, q="entrepôt")

    assert result_ids(response) == [found.id]
    assert total_of(response) == 1


def test_a_search_without_results_says_so(english):
    factories.PostFactory(title="Entrepôt sec")
    publish()
    html = page_html(search(english, q="zzzyyyxxx"))
    assert "No published post matches this search." in html


@pytest.mark.parametrize("query", ["entrepot", "Entrepôts", "ENTREPÔT", "l'entrepôt", "les entrepôts", "entrepôt*",
                                   "entrepô*", "hangar", "hangars", "local de stockage"])
def test_accents_case_plurals_articles_and_synonyms_do_not_matter(english, query):
    post = factories.PostFactory(title="Entrepôt sec de 200 m²", description="Quai de chargement.",
                                 category=Category.PREMISES)
    factories.PostFactory(title="Palettes gratuites", description="Des palettes en bois.",
                          category=Category.SUPPLIES)
    publish()
    assert result_ids(search(english, q=query)) == [post.id]


def test_excluded_words_and_or(english):
    dry = factories.PostFactory(title="Entrepôt sec", description="Stockage au sec.", category=Category.PREMISES)
    cold = factories.PostFactory(title="Entrepôt frigorifique", description="Chambre froide à +4 °C.",
                                 category=Category.PREMISES)
    pallets = factories.PostFactory(title="Palettes à donner", description="Palettes en bois.",
                                    category=Category.SUPPLIES)
    publish()
    assert set(result_ids(search(english, q="entrepôt -frigorifique"))) == {dry.id}
    assert set(result_ids(search(english, q="entrepôt NOT sec"))) == {cold.id}
    assert set(result_ids(search(english, q='entrepôt -"chambre froide"'))) == {dry.id}
    assert set(result_ids(search(english, q="palettes OR frigorifique"))) == {cold.id, pallets.id}
    assert set(result_ids(search(english, q="entrepôt AND sec"))) == {dry.id}
    assert set(result_ids(search(english, q="-palettes"))) == {dry.id, cold.id}


def test_a_negative_temperature_is_searched_not_excluded(english):
    freezer = factories.PostFactory(title="Chambre négative à -20 °C", description="30 palettes libres.")
    publish()
    assert result_ids(search(english, q="chambre -20")) == [freezer.id]


def test_decomposed_accents_in_the_query_find_the_post(english):
    post = factories.PostFactory(title="Chariot élévateur à prêter", category=Category.EQUIPMENT)
    publish()
    assert result_ids(search(english, q="chariot e\u0301le\u0301vateur")) == [post.id]


@pytest.mark.parametrize("query", ["склад", "СКЛАД", "仓库", "مستودع", "\u200fمستودع\u200f", "Ελλάδα", "ΕΛΛΆΔΑ"])
def test_words_of_other_scripts_find_their_post(english, query):
    post = factories.PostFactory(title="Склад 200 м² — 仓库 — مستودع", description="Ελλάδα.",
                                 category=Category.PREMISES)
    factories.PostFactory(title="Palettes", description="Bois.", category=Category.SUPPLIES)
    publish()
    assert result_ids(search(english, q=query)) == [post.id]


def test_the_query_stays_in_the_search_box_escaped(english):
    html = page_html(search(english, q=f'"{SCRIPT} entrepôt'))
    assert SCRIPT not in html
    assert 'value="&#34;&lt;script&gt;alert(1)&lt;/script&gt; entrepôt"' in html


# --------------------------------------------------------------------------- any input: a page, never a 500

NASTY_QUERIES = [
    '"', '""', '"""', '"entrepôt', 'entrepôt"', '"entrepôt" "lyon', "(", ")", "((((", "(entrepôt", "entrepôt)",
    "(entrepôt OR hangar) AND (lyon", "AND", "OR", "NOT", "OU", "ET", "SAUF", "AND OR NOT", "NOT NOT NOT", "OR OR",
    "-", "--", "---entrepôt", "+", "++entrepôt", "!", "|", "||", "&&", "*", "**", "?", "???", "*entrepôt", "entrep*",
    "e*", "entrep?t", "entrepôt~2", "entrepôt^3", "title:entrepôt", "[a TO z]", "{a TO z}", "entrepôt:", ":", "\\",
    "%", "_", "%_\\", "' OR 1=1 --", "'; DROP TABLE post; --", "{{ 7*7 }}", "${7*7}", "{% raw %}", SCRIPT,
    '"><img src=x onerror=alert(1)>', "&amp;", "&#0;", "x" * 2000, "entrepôt " * 250, "-" * 2000, "(" * 2000,
    '"' * 2000, "*" * 2000, "a* " * 600, "OR " * 600, "\x00", "entre\x00pôt", "\x01\x02\x03", "\x1b[31mrouge",
    "\x7f\x85", "\t\n\r", "\u202e", "\u200f\u200e", "\ufeff", "\u200b", "\u2028\u2029", "仓库", "上海仓库出租",
    "склад", "مستودع في دبي", "מחסן", "Ελλάδα", "गोदाम", "한국어", "😀", "🏭" * 500, "👨‍👩‍👧‍👦", "\U0001F1EB\U0001F1F7",
    "e\u0301" * 300, "\u0301", "\U0010fffd", "\ufffd", "ﬁ ﬂ œ æ", " ", "", "   \t  ",
]
NASTY_VALUES = [
    "", " ", "x" * 10_000, "\x00", SCRIPT, "😀", "-1", "0", "1e9", "NaN", "99999999999999999999", "../../etc/passwd",
    "%00", "\u202e69", "６９", "٦٩٠٠١", "offer\x00", "storage ", " 69 ", "2a", "2A", "company\x00", "COMPANY",
    "69 001", "1.5", "-5", "inf",
]
PARAMETERS = ["kind", "category", "region", "departement", "free", "near", "km", "sort", "page"]


def nasty_label(value: str) -> str:
    if len(value) > 30:
        return f"{len(value)}x{value[:1].encode('unicode_escape').decode('ascii')}"
    return value.encode("unicode_escape").decode("ascii") or "empty"


@pytest.fixture
def some_posts():
    posts = [factories.PostFactory(title="Entrepôt sec de 200 m²"),
             post_in(PARIS, title="Chariot élévateur à prêter", category=Category.EQUIPMENT, is_free=False),
             factories.NeedFactory(title="Cherche chambre froide")]
    publish()
    return posts


@pytest.mark.parametrize("query", [pytest.param(q, id=nasty_label(q)) for q in NASTY_QUERIES])
def test_any_text_gives_a_page(english, some_posts, query):
    response = search(english, q=query)
    html = page_html(response)
    assert SCRIPT not in html and "<img src=x" not in html
    assert 'id="results-title"' in html
    assert re.search(r"\d+ posts?", html)


NO_WORDS = "Your text holds no word that can be searched (only symbols or very common words): it has been ignored."


@pytest.mark.parametrize("query", ["%", "_", "les", "de la", "😀", "AND OR", '"', "(*)", "e*"])
def test_a_text_without_searchable_words_is_ignored_and_the_page_says_so(english, some_posts, query):
    response = search(english, q=query)
    assert NO_WORDS in notices(response)
    assert sorted(result_ids(response)) == sorted(post.id for post in some_posts)


@pytest.mark.parametrize("query", ["entrepôt", "-entrepôt", "仓库", "entrepô*"])
def test_a_text_with_searchable_words_has_no_such_notice(english, some_posts, query):
    assert NO_WORDS not in notices(search(english, q=query))


@pytest.mark.parametrize(("name", "value"), [pytest.param(name, value, id=f"{name}-{nasty_label(value)}")
                                             for name in PARAMETERS for value in NASTY_VALUES])
def test_any_parameter_value_gives_a_page(english, some_posts, name, value):
    for q in ("", "entrepôt"):
        response = search(english, q=q, **{name: value})
        html = page_html(response)
        assert SCRIPT not in html
        assert 'id="results-title"' in html


@pytest.mark.parametrize("query", [
    "q=a&q=b", "q[]=entrepôt", "q=%ff%fe", "q=%", "q=%zz", "q=%00%00", "kind=offer&kind=need", "=&&==", "q",
    "q=entrep%C3%B4t&near=69001&km=5&sort=distance&page=2", "near=company&km=10&sort=distance",
    "sort=distance", "km=50", "near=69001", "page=2&q=", "q=" + "%E2%80%AE" * 200, "free=1&free=0&free=on",
    "q=entrep%C3%B4t&" + "&".join(f"x{n}=y" for n in range(300)),
])
def test_any_query_string_gives_a_page(english, some_posts, query):
    response = english.get("/search?" + query)
    assert 'id="results-title"' in page_html(response)


TEXT_PARAMS = st.dictionaries(
    keys=st.sampled_from(PARAMETERS),
    values=st.sampled_from(["offer", "need", "storage", "equipment", "84", "69", "2A", "1", "on", "0", "-1", "5", "50",
                            "1000", "company", "69001", "75011", "99999", "relevance", "date", "distance", "2"])
    | st.text(max_size=30),
    max_size=len(PARAMETERS),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(), params=TEXT_PARAMS)
def test_hypothesis_any_search_gives_a_page(client, some_posts, q, params):
    response = client.get("/search", query_string={"q": q, **params})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert b'id="results-title"' in response.data


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(alphabet=st.sampled_from(list('entrepôt lyon"()*?-+|!&ORANDNOT ')), max_size=60))
def test_hypothesis_operator_soup_gives_a_page(client, some_posts, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200


# --------------------------------------------------------------------------- messages about the input


def test_a_long_text_is_cut_at_500_characters_and_the_page_says_so(english):
    post = factories.PostFactory(title="Entrepôt sec")
    publish()
    text = "entrepôt " + "x" * 1991
    assert len(text) == 2000

    response = search(english, q=text)

    assert "Your text is very long: only its beginning was used." in notices(response)
    assert result_ids(response) == [post.id]  # the first word still counts
    box = re.search(r'id="search-q" name="q" value="([^"]*)"', page_html(response)).group(1)
    assert len(unescape(box)) == MAX_QUERY_LENGTH


@pytest.mark.parametrize("text", ["entrepôt" + " " * 1000 + "lyon", "entrepôt\x00\x01" * 10, " entrepôt " * 3,
                                  "e\u0301" * 400])
def test_spaces_control_characters_or_accents_alone_do_not_make_a_text_too_long(english, text):
    assert "very long" not in notices(search(english, q=text))


def test_control_characters_are_read_as_spaces(english):
    post = factories.PostFactory(title="Entrepôt sec à Lyon")
    publish()
    assert result_ids(search(english, q="entrepôt\x00lyon\x1b")) == [post.id]


@pytest.mark.parametrize(("name", "value", "label"), [
    ("kind", "both", "Offers or needs"), ("category", "castles", "Category"), ("region", "99", "Region"),
    ("departement", "6", "Département"), ("free", "maybe", "Free only"), ("km", "-5", "Within"),
    ("km", "100000", "Within"), ("sort", "price", "Sort by"), ("page", "abc", "Page"),
])
def test_a_value_not_understood_is_ignored_and_named(english, name, value, label):
    response = search(english, q="entrepôt", **{name: value})
    assert f"The value of “{label}” was not understood: it has been ignored." in notices(response)


def test_a_distance_without_a_place_asks_for_a_postcode(english):
    response = search(english, q="entrepôt", km="50")
    assert "Give a postcode to search within a distance." in notices(response)


# --------------------------------------------------------------------------- highlighting


def test_highlighting_escapes_the_title_and_marks_the_match(english):
    post = factories.PostFactory(title=f"{SCRIPT} entrepôt", description=f"Un {SCRIPT} dans l'entrepôt <b>gras</b>.")
    publish()

    response = search(english, q="entrepot")

    card = result_card(response, post.id)
    assert SCRIPT not in page_html(response)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark" in card
    assert re.search(r'<mark[^>]*>entrepôt</mark>', card)
    assert re.search(r"<mark[^>]*>l'entrepôt</mark>|l'<mark[^>]*>entrepôt</mark>|<mark[^>]*>l&#39;entrepôt</mark>",
                     card)
    assert "<b>gras</b>" not in card and "&lt;b&gt;gras" in card


def test_synonyms_are_highlighted_too(english):
    post = factories.PostFactory(title="Hangar agricole de 300 m²", category=Category.PREMISES)
    publish()
    card = result_card(search(english, q="entrepôt"), post.id)
    assert re.search(r"<mark[^>]*>Hangar</mark>", card)


def test_without_a_match_in_the_text_the_title_is_shown_plainly(english):
    post = factories.PostFactory(title=f"{SCRIPT} Palettes", description="Des palettes.")
    publish()
    card = result_card(search(english, category="storage"), post.id)
    assert "<mark" not in card
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Palettes" in card


# --------------------------------------------------------------------------- expired, suspended, hidden


def test_expired_posts_never_appear_even_before_the_sweep(english):
    shown = factories.PostFactory(title="Entrepôt disponible", available_until=(utcnow() + timedelta(days=3)).date())
    past_end = factories.PostFactory(title="Entrepôt fini", available_until=(utcnow() - timedelta(days=1)).date())
    too_old = factories.PostFactory(title="Entrepôt ancien", published_at=days_ago(400), renewed_at=days_ago(400),
                                    submitted_at=days_ago(400))
    publish()
    assert past_end.status is PostStatus.PUBLISHED and too_old.status is PostStatus.PUBLISHED  # no sweep yet

    for args in ({"q": "entrepôt"}, {}, {"category": "storage"}, {"q": "entrepôt", "sort": "date"}):
        response = search(english, **args)
        ids = result_ids(response)
        assert past_end.id not in ids and too_old.id not in ids, args
        if args:
            assert shown.id in ids
    assert total_of(search(english, category="storage")) == total_of(english.get("/posts?category=storage")) == 1


def test_a_post_whose_end_date_passes_after_indexing_disappears(english, monkeypatch):
    post = factories.PostFactory(title="Entrepôt pour deux jours",
                                 available_until=(utcnow() + timedelta(days=1)).date())
    publish()
    assert result_ids(search(english, q="entrepôt")) == [post.id]

    later = utcnow() + timedelta(days=3)
    monkeypatch.setattr(search_service, "utcnow", lambda: later)

    assert result_ids(search(english, q="entrepôt")) == []


def test_posts_of_a_suspended_company_never_appear(english):
    suspended = factories.CompanyFactory(suspended_at=utcnow(), suspension_reason="Fraude")
    hidden = factories.PostFactory(company=suspended, title="Entrepôt suspendu")
    shown = factories.PostFactory(title="Entrepôt visible")
    publish()
    assert result_ids(search(english, q="entrepôt")) == [shown.id]
    assert hidden.id not in result_ids(search(english))


def test_a_company_suspended_after_indexing_disappears_from_search(english):
    post = factories.PostFactory(title="Entrepôt de la société")
    publish()
    assert result_ids(search(english, q="entrepôt")) == [post.id]

    post.company.suspended_at = utcnow()
    publish()

    assert result_ids(search(english, q="entrepôt")) == []
    post.company.suspended_at = None
    publish()
    assert result_ids(search(english, q="entrepôt")) == [post.id]


def test_a_post_the_index_still_holds_but_the_database_hides_is_not_shown(english):
    """The page rechecks the posts it shows against the database (the index may lag behind by one drain)."""
    post = factories.PostFactory(title="Entrepôt retiré")
    publish()
    db.session.execute(sa.update(type(post)).where(type(post).id == post.id).values(status=PostStatus.CLOSED))
    db.session.commit()  # behind the ORM's back: no change logged, the index still has it

    assert post.id not in result_ids(search(english, q="entrepôt"))


# --------------------------------------------------------------------------- sorting


def test_relevance_puts_a_title_match_before_a_description_match(english):
    in_title = factories.PostFactory(title="Hangar de stockage", description="Sec et propre.",
                                     published_at=days_ago(20), category=Category.PREMISES)
    in_text = factories.PostFactory(title="Local à partager", description="Ancien hangar, sec et propre.",
                                    published_at=days_ago(1), category=Category.PREMISES)
    publish()
    assert result_ids(search(english, q="hangar")) == [in_title.id, in_text.id]
    assert result_ids(search(english, q="hangar", sort="date")) == [in_text.id, in_title.id]


def test_relevance_puts_the_word_typed_before_its_synonyms(english):
    synonym = factories.PostFactory(title="Local de stockage sec", description="Un local de stockage fermé.",
                                    category=Category.PREMISES, published_at=days_ago(1))
    typed = factories.PostFactory(title="Entrepôt sec", description="Un entrepôt fermé.",
                                  category=Category.PREMISES, published_at=days_ago(10))
    publish()
    assert result_ids(search(english, q="entrepôt")) == [typed.id, synonym.id]


def test_relevance_puts_posts_with_more_of_the_words_first(english):
    both = factories.PostFactory(title="Entrepôt à Lyon", published_at=days_ago(9))
    publish()
    assert result_ids(search(english, q="entrepôt lyon")) == [both.id]


def test_when_no_post_has_every_word_those_with_all_but_one_are_shown(english):
    lyon = post_in(LYON, title="Entrepôt sec à Lyon")
    post_in(LYON, title="Bureau à Lyon", description="Au calme.", category=Category.PREMISES)
    publish()

    response = search(english, q="entrepôt sec marseille")

    assert result_ids(response) == [lyon.id]
    assert "No post contains all these words: here are the posts that contain most of them." in page_html(response)
    single = search(english, q="marseille")
    assert result_ids(single) == [] and "contain most of them" not in page_html(single)


def test_the_search_box_keeps_the_filters_and_the_sidebar_keeps_the_words(english):
    html = page_html(search(english, q="entrepôt", kind="offer", category="storage", near="69001", km="20",
                            sort="distance", page="1"))
    main_form = re.search(r'<form method="get" action="/search" role="search" class="mb-3".*?</form>', html, re.S)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', main_form.group(0)))
    assert hidden == {"kind": "offer", "category": "storage", "near": "69001", "km": "20", "sort": "distance"}
    assert 'id="search-q-side" name="q" value="entrepôt"' in html
    assert re.search(r'<option value="20"\s+selected>', html)
    assert re.search(r'<option value="distance"\s+selected>', html)


def test_date_sort_and_no_words_list_the_newest_first(english):
    posts = [factories.PostFactory(title=f"Entrepôt n°{n}", published_at=days_ago(n)) for n in (5, 1, 3)]
    publish()
    newest_first = [posts[1].id, posts[2].id, posts[0].id]
    assert result_ids(search(english, q="entrepôt", sort="date")) == newest_first
    assert result_ids(search(english, category="storage")) == newest_first
    assert result_ids(search(english)) == newest_first


def test_distance_sort_puts_the_nearest_first_and_shows_the_distance(english):
    paris = post_in(PARIS, title="Entrepôt à Paris")
    grenoble = post_in(GRENOBLE, title="Entrepôt à Grenoble")
    lyon = post_in(LYON, title="Entrepôt à Lyon")
    marseille = post_in(MARSEILLE, title="Entrepôt à Marseille")
    publish()

    response = search(english, q="entrepôt", near="69001", sort="distance")

    assert result_ids(response) == [lyon.id, grenoble.id, marseille.id, paris.id]
    assert re.search(r"\b\d\.\d km away", result_card(response, lyon.id))
    assert re.search(r"\b39\d\.\d km away", result_card(response, paris.id))


def test_distance_sort_without_a_place_falls_back_to_the_date(english):
    old = post_in(PARIS, title="Entrepôt à Paris", published_at=days_ago(3))
    new = post_in(LYON, title="Entrepôt à Lyon", published_at=days_ago(1))
    publish()
    response = search(english, q="entrepôt", sort="distance")
    assert result_ids(response) == [new.id, old.id]
    assert "km away" not in page_html(response)


# --------------------------------------------------------------------------- distances


def test_within_n_km_of_a_postcode(english):
    lyon = post_in(LYON, title="Entrepôt à Lyon")
    villeurbanne = post_in(VILLEURBANNE, title="Entrepôt à Villeurbanne")
    grenoble = post_in(GRENOBLE, title="Entrepôt à Grenoble")
    post_in(PARIS, title="Entrepôt à Paris")
    publish()

    assert set(result_ids(search(english, q="entrepôt", near="69001", km="10"))) == {lyon.id, villeurbanne.id}
    assert set(result_ids(search(english, q="entrepôt", near="69 001", km="100"))) == {lyon.id, villeurbanne.id,
                                                                                        grenoble.id}
    assert set(result_ids(search(english, near="38000", km="5"))) == {grenoble.id}
    assert len(result_ids(search(english, q="entrepôt", near="69001"))) == 4  # a place alone: every distance


def test_facets_count_within_the_distance(english):
    post_in(LYON, title="Entrepôt à Lyon")
    post_in(PARIS, title="Entrepôt à Paris")
    publish()
    html = page_html(search(english, near="69001", km="50"))
    assert re.search(r'<option value="storage"[^>]*>Storage \(1\)</option>', html)


def test_within_n_km_of_my_company(client, login):
    member = login(factories.MemberFactory(company=factories.CompanyFactory(**GRENOBLE)))
    near = post_in(GRENOBLE, title="Entrepôt à Grenoble")
    post_in(LYON, title="Entrepôt à Lyon")
    far = post_in(PARIS, title="Entrepôt à Paris")
    publish()

    response = search(client, q="entrepôt", near="company", km="20")

    assert result_ids(response) == [near.id]
    html = page_html(response)
    assert 'value="company"' in html  # the choice is kept in the form
    ids = result_ids(search(client, q="entrepôt", near="company", sort="distance"))
    assert ids[0] == near.id and ids[-1] == far.id
    assert member.company.latitude == GRENOBLE["latitude"]


def test_a_visitor_asking_for_my_company_gets_a_notice(english):
    post = factories.PostFactory(title="Entrepôt sec")
    publish()
    response = search(english, q="entrepôt", near="company", km="20", sort="distance")
    assert "Distances from your company need you to be logged in as a member of a company." in notices(response)
    assert result_ids(response) == [post.id]  # the distance is dropped, not the search


@pytest.mark.parametrize(("near", "message"), [
    ("99999", "Unknown postcode: 99999. Check the 5 digits."),
    ("00000", "Unknown postcode: 00000. Check the 5 digits."),
    ("abcde", "Invalid postcode: abcde. A French postcode has exactly 5 digits."),
    ("6900", "Invalid postcode: 6900. A French postcode has exactly 5 digits."),
    ("690011", "Invalid postcode: 690011. A French postcode has exactly 5 digits."),
    (SCRIPT, "Invalid postcode"),
    ("company\u200b", "Invalid postcode"),
])
def test_a_bad_postcode_is_a_clear_message(english, near, message):
    post = factories.PostFactory(title="Entrepôt sec")
    publish()
    response = search(english, q="entrepôt", near=near, km="10")
    assert message in notices(response)
    assert result_ids(response) == [post.id]
    assert SCRIPT not in page_html(response)


# --------------------------------------------------------------------------- pagination


def test_pages_of_results(app, english):
    per_page = app.config["POSTS_PER_PAGE"]
    posts = [factories.PostFactory(title=f"Entrepôt n°{n}", published_at=days_ago(n)) for n in range(per_page + 5)]
    publish()

    first = search(english, q="entrepôt", sort="date")
    second = search(english, q="entrepôt", sort="date", page="2")

    assert total_of(first) == total_of(second) == per_page + 5
    assert result_ids(first) == [post.id for post in posts[:per_page]]
    assert result_ids(second) == [post.id for post in posts[per_page:]]
    assert "page 2 of 2" in page_html(second)
    assert notices(second) == ""
    next_link = re.search(r'<a class="page-link" rel="next" href="([^"]+)"', page_html(first)).group(1)
    args = parse_qs(urlsplit(unescape(next_link)).query)
    assert args == {"q": ["entrepôt"], "sort": ["date"], "page": ["2"]}


def test_a_page_past_the_end_shows_the_last_page_with_a_notice(app, english):
    per_page = app.config["POSTS_PER_PAGE"]
    posts = [factories.PostFactory(title=f"Entrepôt n°{n}", published_at=days_ago(n)) for n in range(per_page + 2)]
    publish()

    response = search(english, q="entrepôt", sort="date", page="99")

    assert result_ids(response) == [post.id for post in posts[per_page:]]
    assert "There are fewer pages than that: the last page is shown." in notices(response)


def test_a_page_past_the_end_of_no_results_is_the_empty_first_page(english):
    response = search(english, q="zzzyyyxxx", page="3")
    assert result_ids(response) == []
    assert "There are fewer pages than that" in notices(response)


# --------------------------------------------------------------------------- did you mean


@pytest.mark.parametrize("typo", ["entrepto", "entrepaut", "enterpot", "entrpôt"])
def test_a_typo_is_forgiven(english, typo):
    post = factories.PostFactory(title="Entrepôt sec de 200 m²", category=Category.PREMISES,
                                 description="Quai de chargement.")
    factories.PostFactory(title="Palettes à donner", description="Bois.", category=Category.SUPPLIES)
    publish()
    assert result_ids(search(english, q=typo)) == [post.id]


def test_did_you_mean_offers_the_corrected_words_with_the_filters(english):
    post = factories.PostFactory(title="Chariot élévateur à prêter", category=Category.EQUIPMENT,
                                 description="Levée 4 m.")
    publish()

    response = search(english, q="charriot", category="equipment")

    html = page_html(response)
    assert post.id in result_ids(response)
    match = re.search(r'<p class="lead" id="did-you-mean">Did you mean:\s*<a href="([^"]+)"><strong>([^<]+)</strong>',
                      html)
    assert match, "no 'did you mean'"
    assert match.group(2) == "chariot"
    assert parse_qs(urlsplit(unescape(match.group(1))).query) == {"q": ["chariot"], "category": ["equipment"]}
    assert result_ids(english.get(unescape(match.group(1)))) == [post.id]


def test_no_suggestion_when_the_words_are_right_or_many_posts_match(english):
    for n in range(4):
        factories.PostFactory(title=f"Entrepôt n°{n}")
    publish()
    assert 'id="did-you-mean"' not in page_html(search(english, q="entrepôt"))
    assert 'id="did-you-mean"' not in page_html(search(english, q="entrepto"))  # found enough: no need


def test_a_suggestion_is_escaped(english):
    factories.PostFactory(title="Chariot élévateur")
    publish()
    html = page_html(search(english, q=f"charriot {SCRIPT}"))
    assert SCRIPT not in html


# --------------------------------------------------------------------------- the thesaurus edited by an admin


def test_an_administrators_new_group_changes_the_results(english):
    silo = factories.PostFactory(title="Silo de 2 000 tonnes à louer", description="Ventilé, pour la récolte.",
                                 category=Category.SUPPLIES)
    publish()
    thesaurus.invalidate()
    assert result_ids(search(english, q="cellule à grain")) == []

    db.session.add(SynonymGroup(terms="cellule à grain, silo, stockage de céréales"))
    db.session.commit()
    thesaurus.invalidate()
    try:
        assert result_ids(search(english, q="cellule à grain")) == [silo.id]
        assert result_ids(search(english, q="stockage de céréales")) == [silo.id]
        assert re.search(r"<mark[^>]*>Silo</mark>", result_card(search(english, q="cellule à grain"), silo.id))
    finally:
        thesaurus.invalidate()


def test_a_multi_word_synonym_typed_apart_finds_the_others(english):
    fenwick = factories.PostFactory(title="Fenwick à louer", description="Pour vos palettes.",
                                    category=Category.EQUIPMENT)
    pallet_truck = factories.PostFactory(title="Transpalette manuel", description="2 t.", category=Category.EQUIPMENT)
    factories.PostFactory(title="Chariot de courses", description="Pour le marché.", category=Category.EQUIPMENT)
    publish()
    thesaurus.invalidate()
    for text in ("chariot élévateur", "chariots élévateurs", "chariot elevateur", '"chariot élévateur"'):
        assert set(result_ids(search(english, q=text))) == {fenwick.id, pallet_truck.id}, text


# --------------------------------------------------------------------------- the database fallback


def corrupt(index_dir) -> int:
    """Overwrite every file of the current index generation with garbage; the number of files spoiled."""
    current = (index_dir / "current").resolve()
    spoiled = 0
    for path in current.iterdir():
        if path.is_file() and path.name != "schema-version":
            path.write_bytes(b"\x00garbage\xff" * 64)
            spoiled += 1
    return spoiled


# Whoosh does not close the file of a TOC it fails to read: the warning of that leak is not this test's subject
whoosh_leaks_files = pytest.mark.filterwarnings("ignore::ResourceWarning",
                                                "ignore::pytest.PytestUnraisableExceptionWarning")


@whoosh_leaks_files
def test_a_corrupt_index_falls_back_to_the_database_and_is_rebuilt(english, search_index):
    post = factories.PostFactory(title="Entrepôt sec")
    factories.PostFactory(title="Palettes", description="Bois.", category=Category.SUPPLIES)
    publish()
    assert result_ids(search(english, q="entrepôt")) == [post.id]
    search_service.current_store()._forget()  # a new process: nothing of the old index kept open
    assert corrupt(search_index) > 0

    response = search(english, q="entrepôt")  # rebuilt at once in tests (SEARCH_AUTO_REBUILD="sync"), then used

    assert REBUILT not in page_html(response)
    assert result_ids(response) == [post.id]
    assert search_service.check().ok
    gc.collect()  # the files Whoosh left open are reported now, under this test's filter


@whoosh_leaks_files
def test_a_corrupt_index_kept_open_still_answers(english, search_index):
    post = factories.PostFactory(title="Entrepôt sec")
    publish()
    assert result_ids(search(english, q="entrepôt")) == [post.id]
    corrupt(search_index)

    response = search(english, q="entrepôt")

    assert response.status_code == 200
    assert post.id in result_ids(response)
    search_service.current_store()._forget()
    reopened = search(english, q="entrepôt")  # reopened (a new process): rebuilt, then answered from the index
    assert REBUILT not in page_html(reopened)
    assert result_ids(reopened) == [post.id]
    gc.collect()


def test_a_missing_index_without_rebuild_answers_from_the_database(app, english):
    app.config["SEARCH_AUTO_REBUILD"] = False  # restored by the search_index fixture
    old = factories.PostFactory(title="Entrepôt sec à Lyon", published_at=days_ago(2))
    new = factories.PostFactory(title="Petit entrepôt", published_at=days_ago(1))
    factories.PostFactory(title="Palettes", description="Bois.", category=Category.SUPPLIES)
    factories.PostFactory(title="Entrepôt fini", available_until=(utcnow() - timedelta(days=1)).date())
    db.session.commit()

    response = search(english, q="entrepôt")

    html = page_html(response)
    assert REBUILT in html
    assert result_ids(response) == [new.id, old.id]  # SQL: the words as typed, newest first, visible posts only
    assert result_ids(search(english, q="entrepôt lyon")) == [old.id]
    assert result_ids(search(english, q="100%")) == []
    filtered = search(english, q="entrepôt", kind="need")
    assert REBUILT in page_html(filtered) and result_ids(filtered) == []
    for query in NASTY_QUERIES[::7]:
        assert REBUILT in page_html(search(english, q=query, near="69001", sort="distance", page="3"))


def test_a_missing_index_is_rebuilt_by_the_next_drain(english, search_index):
    post = factories.PostFactory(title="Entrepôt sec")
    db.session.commit()
    assert not search_service.current_store().exists()

    marketplace.search.drain_now()

    assert search_service.current_store().exists()
    assert result_ids(search(english, q="entrepôt")) == [post.id]
    assert REBUILT not in page_html(search(english, q="entrepôt"))


# --------------------------------------------------------------------------- the header search box


def header_form(response) -> str | None:
    match = HEADER_FORM_RE.search(response.get_data(as_text=True))
    return match.group(1) if match else None


def simple_get_pages(app) -> list[str]:
    """The GET pages of the site that take no argument."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            urls.append(rule.rule)
    return sorted(urls)


@pytest.mark.parametrize("who", ["visitor", "member", "moderator", "admin"])
def test_the_header_search_box_is_on_every_page_but_the_search_page(app, client, login, who):
    post = factories.PostFactory()
    if who != "visitor":
        user = {"member": factories.MemberFactory, "moderator": factories.ModeratorFactory,
                "admin": factories.AdminFactory}[who]()
        login(user)
    publish()
    pages = [url for url in simple_get_pages(app) if url != "/search"]
    pages += [f"/posts/{post.id}", f"/companies/{post.company_id}", "/no-such-page"]
    checked = 0
    for url in pages:
        response = client.get(url)
        if response.status_code != 200 and url != "/no-such-page":
            continue  # redirects (login required, logged in already...) and files
        if response.mimetype != "text/html":
            continue
        form = header_form(response)
        assert form is not None, f"no header search box on {url} ({who})"
        assert re.search(r'<input type="search" id="header-q" name="q"', form), url
        checked += 1
    assert checked >= 8
    search_page = page_html(client.get("/search?q=entrep%C3%B4t"))
    assert 'id="header-q"' not in search_page and 'id="search-q"' in search_page


def test_the_header_box_submits_to_the_search_page(english):
    post = factories.PostFactory(title="Entrepôt sec")
    publish()
    home = page_html(english.get("/posts"))
    action = re.search(r'<form method="get" action="([^"]+)" role="search" class="header-search', home).group(1)
    response = english.get(action, query_string={"q": "entrepot"})
    assert result_ids(response) == [post.id]
