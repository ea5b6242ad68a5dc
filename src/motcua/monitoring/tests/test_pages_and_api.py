"""Who sees which page: the centre the nation, a province its own and its communes', a
commune its own; the public the open statistics, with small cells left out."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from motcua.monitoring import selectors, services
from motcua.monitoring.models import CentreReadiness

from .helpers import WARD, finish, log_in, official, submit, token_headers

pytestmark = pytest.mark.django_db

CENTRE_ID, HANOI_ID, WARD_ID, SAIGON_ID = (
    "001080000900",
    "001080000901",
    "001080000902",
    "079080000903",
)


@pytest.fixture
def people(world):
    return {
        "centre": official(CENTRE_ID, "01.ubnd", ["monitor"], ("VN",)),
        "hanoi": official(HANOI_ID, "01.ubnd", ["leader"]),
        "ward": official(WARD_ID, "01.00070.ubnd", ["leader"]),
        "saigon": official(SAIGON_ID, "79.ubnd", ["monitor"]),
    }


@pytest.fixture
def counted(world):
    finish(submit())
    submit()
    services.catch_up()


def test_the_centre_sees_the_nation_with_charts_rankings_and_red_units(client, people, counted):
    log_in(client, CENTRE_ID, "01.ubnd", ["monitor"])
    page = client.get("/giam-sat/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Toàn quốc" in html and "<svg" in html and "Hà Nội" in html
    assert "http" not in html.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    )
    drill = client.get(f"/giam-sat/don-vi/{WARD}/")
    assert drill.status_code == 200


def test_a_province_sees_its_own_page_and_not_another(client, people, counted):
    log_in(client, HANOI_ID, "01.ubnd", ["leader"])
    landing = client.get("/giam-sat/")
    assert landing.status_code == 302 and landing["Location"].endswith("/giam-sat/don-vi/01/")
    own = client.get("/giam-sat/don-vi/01/")
    assert own.status_code == 200 and "Xếp hạng xã, phường" in own.content.decode()
    assert client.get(f"/giam-sat/don-vi/{WARD}/").status_code == 200
    assert client.get("/giam-sat/don-vi/79/").status_code == 403


def test_a_commune_updates_its_readiness_and_the_province_verifies_it(client, people):
    log_in(client, WARD_ID, "01.00070.ubnd", ["leader"])
    assert client.get("/giam-sat/").status_code == 302
    assert client.get("/giam-sat/don-vi/01/").status_code == 403
    done = client.post(f"/giam-sat/don-vi/{WARD}/san-sang/", {"devices": "1", "staff_trained": "1"})
    assert done.status_code == 302
    row = CentreReadiness.objects.get(commune=WARD)
    assert (row.devices, row.staff_trained, row.online_meetings, row.verified) == (
        True,
        True,
        False,
        False,
    )
    refused = client.post(f"/giam-sat/don-vi/{WARD}/san-sang/", {"action": "verify"})
    assert refused.status_code == 403

    log_in(client, HANOI_ID, "01.ubnd", ["leader"])
    assert (
        client.post(f"/giam-sat/don-vi/{WARD}/san-sang/", {"action": "verify"}).status_code == 302
    )
    assert CentreReadiness.objects.get(commune=WARD).verified

    log_in(client, SAIGON_ID, "79.ubnd", ["monitor"])
    assert (
        client.post(f"/giam-sat/don-vi/{WARD}/san-sang/", {"action": "verify"}).status_code == 403
    )

    log_in(client, WARD_ID, "01.00070.ubnd", ["leader"])
    client.post(f"/giam-sat/don-vi/{WARD}/san-sang/", {"devices": "1"})
    assert not CentreReadiness.objects.get(commune=WARD).verified  # a change needs verifying again


def test_pages_need_an_official_login(client, world):
    response = client.get("/giam-sat/")
    assert response.status_code == 302 and "/can-bo/dang-nhap/" in response["Location"]


def test_the_api_gives_a_units_indexes_to_officials_who_may_see_it(client, people, counted):
    year = f"{timezone.localdate():%Y}"
    mine = client.get(
        f"/api/v1/monitoring/units/{WARD}?period={year}", **token_headers(people["hanoi"])
    )
    assert mine.status_code == 200, mine.content
    body = mine.json()
    assert body["counters"]["submitted"] == 2 and body["colour"] in ("green", "yellow", "red")
    assert {i["key"] for i in body["indexes"]} == {
        "publicity",
        "progress",
        "online",
        "satisfaction",
        "digitization",
    }
    other = client.get("/api/v1/monitoring/units/01", **token_headers(people["saigon"]))
    assert other.status_code == 403
    bad = client.get("/api/v1/monitoring/units/01?period=2025-13", **token_headers(people["hanoi"]))
    assert bad.status_code == 400
    assert client.get("/api/v1/monitoring/units/01").status_code == 401


def test_late_tasks_over_the_api(client, people):
    services.import_tasks(
        "code,title,group,pillar,phase,owner_agency,assigned_units,deadline,status,output_measure\n"
        "NV-01,Kết nối,3,platforms,urgent,Bộ Công an,79,2020-01-01,done,đo\n"
        "NV-02,Tập huấn,6,human_resources,urgent,Bộ Nội vụ,01,2099-01-01,done,đo\n",
        actor="test",
    )
    late = client.get("/api/v1/monitoring/tasks?late=true", **token_headers(people["centre"]))
    assert late.json()["total"] == 1
    assert [t["code"] for t in late.json()["items"]] == ["NV-01"] and late.json()["items"][0][
        "late"
    ]
    hanoi = client.get("/api/v1/monitoring/tasks", **token_headers(people["hanoi"]))
    assert [t["code"] for t in hanoi.json()["items"]] == ["NV-02"]


def all_rows(client, url):
    """Every row of a paged open-data JSON, page after page."""
    rows, offset = [], 0
    while True:
        body = client.get(f"{url}&limit=200&offset={offset}").json()
        rows += body["items"]
        offset += 200
        if offset >= body["total"]:
            return rows


def test_many_late_tasks_page_instead_of_being_cut(client, people):
    lines = [
        f"NV-{n:04d},Việc {n},3,platforms,urgent,Bộ Công an,VN,2020-01-01,done,đo"
        for n in range(1005)
    ]
    services.import_tasks(
        "code,title,group,pillar,phase,owner_agency,assigned_units,deadline,status,"
        "output_measure\n" + "\n".join(lines) + "\n",
        actor="test",
    )
    headers = token_headers(people["centre"])
    last = client.get("/api/v1/monitoring/tasks?late=true&limit=10&offset=1000", **headers)
    assert last.json()["total"] == 1005  # was silently cut at 1000
    assert [t["code"] for t in last.json()["items"]] == [f"NV-{n:04d}" for n in range(1000, 1005)]


def test_open_data_has_no_small_cells_and_matches_in_csv_and_json(client, counted, settings):
    year = f"{timezone.localdate():%Y}"
    settings.MONITORING = {"SUPPRESS_BELOW": 2}
    rows = all_rows(client, f"/api/v1/open-data/indexes.json?level=commune&period={year}")
    assert len(rows) == 3321 and len({r["code"] for r in rows}) == 3321
    ward = next(r for r in rows if r["code"] == WARD)
    assert ward["submitted"] == 2 and ward["finished"] is None and ward["progress_index"] is None
    assert "applicant" not in str(rows[:5])
    settings.MONITORING = {"SUPPRESS_BELOW": 10}
    hidden = all_rows(client, f"/api/v1/open-data/indexes.json?level=commune&period={year}")
    assert next(r for r in hidden if r["code"] == WARD)["submitted"] is None
    response = client.get(f"/api/v1/open-data/indexes.csv?level=province&period={year}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(table) == 34 and next(r for r in table if r["code"] == "01")["submitted"] == ""
    page = client.get("/giam-sat/cong-khai/?cap=xa")
    assert page.status_code == 200 and "indexes.csv?level=commune" in page.content.decode()


def test_a_late_ward_is_red_on_the_dashboard_and_its_province_page_with_the_reason(
    client, people, world
):
    """The pages read the judged reports the counting job keeps; a unit turns RED there
    as soon as the job has counted the late result."""
    today = timezone.localdate()
    finish(submit(), due=today - dt.timedelta(days=2))
    services.catch_up()
    year = selectors.period(f"{today:%Y}")
    assert selectors.stored(year)
    name = selectors.unit_name(WARD)

    log_in(client, CENTRE_ID, "01.ubnd", ["monitor"])
    for url in (f"/giam-sat/?ky={year.code}", f"/giam-sat/don-vi/01/?ky={year.code}"):
        html = client.get(url).content.decode()
        red = html.split('id="red-h"', 1)[1].split("</section>", 1)[0]
        assert name in red and "Tiến độ giải quyết 0,0% &lt; 80%" in red, url

    api = client.get(
        f"/api/v1/monitoring/units/01?period={year.code}", **token_headers(people["hanoi"])
    )
    body = api.json()
    assert body["colour"] == "red" and body["reasons"][0]["index"] == "progress"
    assert body["green_communes_share"] == 0.0
    rows = client.get(f"/api/v1/open-data/indexes.json?level=province&period={year.code}").json()
    assert rows["total"] == len(rows["items"]) == 34
    rows = rows["items"]
    hanoi = next(r for r in rows if r["code"] == "01")
    assert hanoi["submitted"] is None  # 1 dossier: below the open-data floor
