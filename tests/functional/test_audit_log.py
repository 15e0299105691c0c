"""The administrators' audit log (/admin/audit): who may see it, its order, each filter, bad parameters and its
SQL query budget."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html import unescape
from urllib.parse import urlsplit

import pytest

from marketplace.extensions import db
from marketplace.models import AuditLog
from marketplace.models.types import utcnow

from .. import factories
from ..conftest import log_in

AUDIT_QUERY_BUDGET = 8  # includes the unread-notifications badge of the header
ROW_RE = re.compile(r"<tr>\s*<td class=\"text-nowrap\">.*?</tr>", re.S)


def entry(action="post.approve", actor="moderateur@cci-lyon.example", target_type="post", target_id=1,
          reason=None, when=None) -> AuditLog:
    row = AuditLog(actor_label=actor, action=action, target_type=target_type, target_id=target_id, reason=reason,
                   details={}, created_at=when or utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def reasons_listed(response) -> list[str]:
    """The reasons of the rows shown, in order (each test entry has a distinct reason)."""
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    return [unescape(m) for m in re.findall(r'<td class="text-break">(.*?)</td>', html, re.S)]


@pytest.fixture
def admin_in(client, login, admin):
    login(admin)
    client.post("/langue/en", data={})
    return admin


# --------------------------------------------------------------------------- who may see it


def test_a_visitor_is_sent_to_the_login_page(client):
    response = client.get("/admin/audit")

    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/connexion"


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_members_and_moderators_are_refused(client, login, who):
    login(factories.MemberFactory() if who == "member" else factories.ModeratorFactory(departements=["69"]))

    assert client.get("/admin/audit").status_code == 403


def test_an_administrator_sees_the_log_newest_first(client, admin_in):
    now = utcnow()
    entry(reason="oldest", when=now - timedelta(days=3))
    entry(reason="newest", when=now)
    entry(reason="middle", when=now - timedelta(days=1))

    assert reasons_listed(client.get("/admin/audit")) == ["newest", "middle", "oldest"]


def test_a_row_says_who_when_what_and_why(client, admin_in):
    post = factories.PostFactory(title="Palettes à donner")
    entry("post.reject", actor="alice@cci.example", target_id=post.id, reason="Doublon <b>évident</b>")
    entry("company.suspend", target_type="company", target_id=post.company_id, reason="Abus")

    html = client.get("/admin/audit").get_data(as_text=True)

    assert "alice@cci.example" in html and "Post rejected" in html and "Company suspended" in html
    assert "Doublon &lt;b&gt;évident&lt;/b&gt;" in html
    assert f'href="/posts/{post.id}">Palettes à donner</a>' in html
    assert f'href="/moderation/companies/{post.company_id}">{post.company.legal_name}</a>' in html


def test_the_actions_of_the_moderation_pages_appear_in_the_log(app, client, login, admin):
    moderator = factories.ModeratorFactory(departements=["69"])
    post = factories.PendingPostFactory()
    login(moderator)
    client.post(f"/moderation/posts/{post.id}/approve")
    client.post(f"/moderation/companies/{post.company_id}/report", data={"text": "Très réactif"})
    administrator = app.test_client()
    assert log_in(administrator, admin.email).status_code == 302

    html = unescape(administrator.get("/admin/audit").get_data(as_text=True))

    assert html.count(moderator.email) == 2 and "Très réactif" in html


# --------------------------------------------------------------------------- filters


def test_filter_by_part_of_the_actor_email(client, admin_in):
    entry(actor="alice@cci-lyon.example", reason="alice")
    entry(actor="bob@cci-corse.example", reason="bob")

    assert reasons_listed(client.get("/admin/audit?actor=CCI-Lyon")) == ["alice"]
    assert reasons_listed(client.get("/admin/audit?actor=%25")) == []


def test_filter_by_action_from_the_actions_present(client, admin_in):
    entry("post.approve", reason="approve")
    entry("company.report", target_type="company", reason="report")

    response = client.get("/admin/audit?action=company.report")

    assert reasons_listed(response) == ["report"]
    html = response.get_data(as_text=True)
    assert '<option selected value="company.report">Report on a company</option>' in html
    assert 'value="post.approve"' in html and 'value="company.suspend"' not in html


def test_filter_by_target_type(client, admin_in):
    entry(target_type="post", reason="on a post")
    entry("company.verify", target_type="company", reason="on a company")

    assert reasons_listed(client.get("/admin/audit?target_type=company")) == ["on a company"]


def test_filter_by_dates_in_the_sites_time_zone(client, admin_in):
    entry(reason="1 March in Paris", when=datetime(2026, 3, 1, 22, 30, tzinfo=timezone.utc))
    entry(reason="2 March in Paris", when=datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc))
    entry(reason="5 March", when=datetime(2026, 3, 5, 12, 0, tzinfo=timezone.utc))

    assert reasons_listed(client.get("/admin/audit?date_from=2026-03-02")) == ["5 March", "2 March in Paris"]
    assert reasons_listed(client.get("/admin/audit?date_to=2026-03-01")) == ["1 March in Paris"]
    assert reasons_listed(client.get("/admin/audit?date_from=2026-03-02&date_to=2026-03-04")) == ["2 March in Paris"]


def test_filters_combine_and_pages_keep_them(client, admin_in):
    for n in range(55):
        entry(actor="alice@cci.example", reason=f"alice {n}", when=utcnow() - timedelta(minutes=n))
    entry(actor="bob@cci.example", reason="bob")

    first = client.get("/admin/audit?actor=alice&action=post.approve&target_type=post&date_from=2020-01-01")
    html = first.get_data(as_text=True)

    assert len(reasons_listed(first)) == 50 and "56 entries" not in html and "55 entries" in html
    link = re.search(r'href="(/admin/audit\?[^"]*page=2[^"]*)"', html).group(1)
    for param in ("actor=alice", "action=post.approve", "target_type=post", "date_from=2020-01-01"):
        assert param in unescape(link)
    assert reasons_listed(client.get(unescape(link))) == [f"alice {n}" for n in range(50, 55)]


# --------------------------------------------------------------------------- bad parameters


@pytest.mark.parametrize("query, message", [
    ("date_from=yesterday", "Enter a date as YYYY-MM-DD"),
    ("date_to=2026-13-45", "Enter a date as YYYY-MM-DD"),
    ("date_from=" + "9" * 5000, "Enter a date as YYYY-MM-DD"),
    ("date_from=2026-03-05&date_to=2026-03-01", "The end date must come after the start date"),
    ("action=drop.table", "Not a valid choice"),
    ("target_type=%3Cscript%3E", "Not a valid choice"),
    ("actor=" + "a" * 300, "254"),
    ("actor=a%00b", "control characters"),
])
def test_bad_filters_give_a_clear_message(client, admin_in, query, message):
    entry(reason="listed")

    response = client.get(f"/admin/audit?{query}")

    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert message in html and "<script>" not in html
    assert "listed" not in reasons_listed_unchecked(response)


def reasons_listed_unchecked(response) -> list[str]:
    return re.findall(r'<td class="text-break">(.*?)</td>', response.get_data(as_text=True), re.S)


@pytest.mark.parametrize("query, notice", [("page=abc", "not understood"), ("page=-3", "not understood"),
                                           ("page=99999999999999999999", "not understood"),
                                           ("page=50", "fewer pages")])
def test_a_bad_page_shows_a_page_and_says_so(client, admin_in, query, notice):
    entry(reason="listed")

    response = client.get(f"/admin/audit?{query}")

    assert reasons_listed(response) == ["listed"]
    assert notice in response.get_data(as_text=True)


def test_the_ends_of_the_calendar_are_accepted(client, admin_in):
    entry(reason="listed")

    assert reasons_listed(client.get("/admin/audit?date_from=0001-01-01&date_to=9999-12-31")) == ["listed"]


def test_unknown_parameters_are_ignored(client, admin_in):
    entry(reason="listed")

    assert reasons_listed(client.get("/admin/audit?_external=1&_scheme=javascript&endpoint=x")) == ["listed"]


# --------------------------------------------------------------------------- query budget


def _measure(client, count_queries, url: str) -> int:
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_audit_log_runs_a_fixed_number_of_queries(client, admin_in, count_queries):
    for n in range(3):
        entry(action=f"post.action{n}", reason=f"r{n}")
    few = _measure(client, count_queries, "/admin/audit")
    for n in range(60):
        target = factories.CompanyFactory() if n % 2 else factories.PostFactory()
        entry(action=f"company.action{n % 7}", target_type=type(target).__name__.lower(), target_id=target.id,
              reason=f"s{n}")
    many = _measure(client, count_queries, "/admin/audit")
    filtered = _measure(client, count_queries, "/admin/audit?actor=cci&target_type=company&date_from=2020-01-01&page=2")
    print(f"\naudit log: {few} queries with 3 entries, {many} with 63, {filtered} filtered page 2")

    assert few == many == filtered
    assert many <= AUDIT_QUERY_BUDGET
