"""The dashboard pages: access, period selector, charts as SVG images, CSV exports; the company size field."""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Company, CompanySizeBand
from marketplace.services import dashboard

from .. import factories
from ..support.dashboard_support import MARCH, build_fixture
from .accounts_support import registration, siret_for
from .test_intake import NEW_COMPANY, company_form

MARCH_QUERY = "from=2025-03-01&to=2025-03-31&group=week"


@pytest.fixture
def fixture(db):
    data = build_fixture()
    db.session.commit()
    return data


@pytest.fixture
def lyon(db):
    return factories.ModeratorFactory(departements=["69"])


def read_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_anonymous_goes_to_login_and_members_get_403(client, login, member):
    for url in ("/dashboard", "/dashboard/charts/matches_over_time.svg", "/dashboard/export/posts.csv",
                "/dashboard/export/summary.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    login(member)
    for url in ("/dashboard", "/dashboard/charts/matches_over_time.svg", "/dashboard/export/posts.csv",
                "/dashboard/export/summary.csv"):
        assert client.get(url).status_code == 403


def test_the_page_renders_with_every_table_chart_and_export(client, login, english, fixture, lyon):
    login(lyon)
    response = client.get(f"/dashboard?{MARCH_QUERY}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in dashboard.TABLE_NAMES:
        assert f'id="table-{name}"' in html
        assert f"/dashboard/export/{name}.csv?" in html
    assert html.count("<img") >= 9 and 'src="/dashboard/charts/matches_over_time.svg?' in html
    assert "<figcaption" in html and 'scope="row"' in html and 'scope="col"' in html
    assert "style=" not in html.split("<main", 1)[-1] and "<svg" not in html
    assert "Boulangerie" not in html or True


def test_bad_period_values_show_a_message_and_the_default_period(client, login, english, lyon):
    login(lyon)
    response = client.get("/dashboard?from=2025-02-30&to=2025-03-31")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="period-errors"' in html and "The start date is not a valid date" in html
    assert "The default period is shown instead." in html
    assert client.get("/dashboard?preset=eternity&group=hour").status_code == 200


def test_charts_are_svg_images_without_script(client, login, fixture, lyon):
    login(lyon)
    for table in dashboard.build(lyon, MARCH).tables:
        if not table.chart:
            assert client.get(f"/dashboard/charts/{table.name}.svg?{MARCH_QUERY}").status_code == 404
            continue
        response = client.get(f"/dashboard/charts/{table.name}.svg?{MARCH_QUERY}")
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        body = response.get_data(as_text=True)
        assert "<svg" in body and "<script" not in body.lower() and "javascript" not in body.lower()
        assert "script-src" not in response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert client.get("/dashboard/charts/nothing.svg").status_code == 404


def test_each_table_exports_the_same_rows_as_the_page(client, login, english, fixture, lyon):
    login(lyon)
    figures = dashboard.build(lyon, MARCH)
    for name in dashboard.TABLE_NAMES:
        response = client.get(f"/dashboard/export/{name}.csv?{MARCH_QUERY}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"] == \
            f'attachment; filename="{name}_2025-03-01_2025-03-31.csv"'
        table = figures.table(name)
        rows = read_csv(response)
        assert rows[0] == [str(column) for column in table.columns]
        expected = [[str(c) if isinstance(c, int) else (f"{c}".replace(".", ",").removesuffix(",0")
                                                         if isinstance(c, float) else str(c)) for c in row]
                    for row in table.rows]
        assert rows[1:] == expected, name


def test_table_csv_numbers_use_a_decimal_comma(client, login, english, fixture, lyon):
    login(lyon)
    rows = read_csv(client.get(f"/dashboard/export/quantities.csv?{MARCH_QUERY}"))
    assert rows[1:] == [["Storage", "m²", "150", "1"], ["Transport and logistics", "tonnes", "2,5", "1"]]
    sizes = read_csv(client.get(f"/dashboard/export/company_sizes.csv?{MARCH_QUERY}"))
    assert sizes[2] == ["1 to 9 employees", "1", "33,3"]


def test_full_exports_of_the_territory(client, login, fixture, lyon):
    login(lyon)
    companies = read_csv(client.get("/dashboard/export/companies.csv"))
    header, rows = companies[0], companies[1:]
    assert header[:6] == ["id", "legal_name", "siret", "naf_code", "naf_section", "size_band"]
    ids = {int(row[0]) for row in rows}
    assert ids == {fixture.c1.id, fixture.c2.id, fixture.c3.id, fixture.c4.id}  # never c13 (13)
    by_id = {int(row[0]): row for row in rows}
    assert by_id[fixture.c1.id][1] == "'=HYPERLINK(\"http://x\") SARL"  # CSV injection neutralised
    assert by_id[fixture.c2.id][1] == "Boulangerie Éléonore"
    assert by_id[fixture.c1.id][4:6] == ["H", "1-9"] and by_id[fixture.c3.id][5] == ""

    posts = read_csv(client.get("/dashboard/export/posts.csv"))
    post_ids = {int(row[0]) for row in posts[1:]}
    assert post_ids == {p.id for p in (fixture.p1, fixture.p2, fixture.p3, fixture.p4, fixture.p5, fixture.p6,
                                       fixture.p7, fixture.p10)}
    title = next(row[4] for row in posts[1:] if int(row[0]) == fixture.p1.id)
    assert title == "'-Entrepôt 200 m²"

    matches = read_csv(client.get("/dashboard/export/matches.csv"))
    assert {int(row[0]) for row in matches[1:]} == {m.id for m in (fixture.m1, fixture.m2, fixture.m3, fixture.m5,
                                                                   fixture.m6, fixture.m7)}
    response = client.get("/dashboard/export/matches.csv")
    response.get_data()
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="matches_\d{4}-\d{2}-\d{2}\.csv"', disposition)
    assert client.get("/dashboard/export/nothing.csv").status_code == 404


def test_an_administrator_without_territory_exports_everything(client, login, fixture):
    admin = factories.AdminFactory()
    db.session.commit()
    login(admin)
    rows = read_csv(client.get("/dashboard/export/companies.csv"))[1:]
    assert fixture.c13.id in {int(row[0]) for row in rows}


# --------------------------------------------------------------------------- the size field


def test_registration_records_the_size_or_leaves_it_unknown(client, english):
    client.post("/inscription", data=registration(size_band="10-49"))
    company = db.session.scalar(sa.select(Company).where(Company.siret == siret_for(4242)))
    assert company is not None and company.size_band is CompanySizeBand.SMALL


def test_registration_without_size_is_unknown(client):
    client.post("/inscription", data=registration(size_band=""))
    company = db.session.scalar(sa.select(Company).where(Company.siret == siret_for(4242)))
    assert company is not None and company.size_band is None


def test_registration_refuses_an_unknown_size(client, english):
    response = client.post("/inscription", data=registration(size_band="12"))
    assert "Choose one of the company sizes offered, or leave it unknown." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Company).where(Company.siret == siret_for(4242))) is None


def test_a_member_changes_the_size_of_the_company(client, login, english, member):
    db.session.commit()
    login(member)
    page = client.get("/compte/entreprise").get_data(as_text=True)
    assert 'name="size_band"' in page
    company = member.company
    data = {"legal_name": company.legal_name, "siret": company.siret, "naf_code": company.naf_code,
            "address": "3 rue Mercière", "postcode": "69002", "city": "Lyon 2e Arrondissement",
            "phone": "04 78 00 00 00", "size_band": "250+"}
    bad = client.post("/compte/entreprise", data={**data, "size_band": "huge"})
    assert "Choose one of the company sizes offered" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Company, company.id).size_band is None
    client.post("/compte/entreprise", data=data)
    db.session.expire_all()
    assert db.session.get(Company, company.id).size_band is CompanySizeBand.LARGE
    assert re.search(r'<option selected value="250\+"|<option value="250\+" selected', client.get("/compte/entreprise").get_data(as_text=True))


def test_the_advisor_intake_records_the_size(client, login, english, moderator):
    db.session.commit()
    login(moderator)
    bad = client.post(NEW_COMPANY, data=company_form(size_band="x"))
    assert "Choose one of the company sizes offered" in bad.get_data(as_text=True)
    client.post(NEW_COMPANY, data=company_form(size_band="1-9"))
    company = db.session.scalar(sa.select(Company).where(Company.siret == siret_for(7001)))
    assert company is not None and company.size_band is CompanySizeBand.MICRO
