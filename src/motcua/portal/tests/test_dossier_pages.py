"""The citizen's dossier pages: start where they choose, see what the state already holds,
save, attach, submit, download the receipt, find it in "my dossiers"; and the public lookup."""

from __future__ import annotations

import re

import pytest

from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.conftest import OTHER_WARD_CENTRE, WARD_CENTRE, world  # noqa: F401
from motcua.dossiers.tests.helpers import pdf_bytes

from .test_citizen_pages import log_in

pytestmark = pytest.mark.django_db
BIRTH = "1.001193"


def start_birth(client, account, unit=WARD_CENTRE):
    log_in(client, account)
    response = client.post(f"/thu-tuc/{BIRTH}/nop/", {"unit": unit})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def test_start_page_suggests_the_residence_ward_and_finds_others(client, world):  # noqa: F811
    log_in(client, world.father)
    page = client.get(f"/thu-tuc/{BIRTH}/nop/").content.decode()
    assert WARD_CENTRE in page
    found = client.get(f"/thu-tuc/{BIRTH}/nop/", {"q": "Sài Gòn"}).content.decode()
    assert OTHER_WARD_CENTRE in found


def test_form_page_shows_registry_values_read_only_with_their_source(client, world):  # noqa: F811
    page = client.get(start_birth(client, world.father)).content.decode()
    assert re.search(r'value="Nguyễn Văn An"[^>]*readonly', page)
    assert "Lấy từ Cơ sở dữ liệu quốc gia về dân cư" in page
    assert "Nhà nước đã có, bạn không phải nộp" in page
    assert "Đồng ý cho lấy dữ liệu" in page  # family data needs consent first


def test_birth_registration_on_the_web_from_form_to_receipt(client, world):  # noqa: F811
    url = start_birth(client, world.father)
    reference = url.rstrip("/").rsplit("/", 1)[-1]
    client.post(f"/ho-so/{reference}/thao-tac/", {"action": "consent"})
    page = client.get(url).content.decode()
    assert "Trần Thị Bình" in page  # the other parent, from the registry

    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("giay-chung-sinh.pdf", pdf_bytes(), "application/pdf")
    client.post(f"/ho-so/{reference}/tep/", {"component": 2, "file": upload})
    fields = {
        "child.full_name": "Nguyễn Minh An",
        "child.sex": "M",
        "child.birth_date": "2026-11-20",
    }
    dossier = Dossier.objects.get(draft_ref=reference)
    from motcua.dossiers.tests.helpers import example_data
    from motcua.eforms import services as eforms

    data = example_data(eforms.json_schema(eforms.form_for(BIRTH)))
    posted = {
        f"{group}.{key}": ("true" if value is True else value)
        for group, values in data.items()
        if isinstance(values, dict)
        for key, value in values.items()
        if value is not False
    }
    posted.update(fields)
    response = client.post(url, {**posted, "action": "submit", "submit_key": "web-1"})
    assert response.status_code == 302, response.content.decode()[:3000]
    dossier.refresh_from_db()
    assert dossier.status == "submitted" and dossier.code
    assert dossier.data["child"]["full_name"] == "Nguyễn Minh An"

    receipt = client.get(f"/ho-so/{dossier.code}/giay-tiep-nhan.pdf")
    assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF-")
    mine = client.get("/ho-so/").content.decode()
    assert dossier.code in mine and "Đã nộp" in mine
    history = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "— Nộp hồ sơ" in history and "— submitted" not in history  # said, not coded

    client.logout()
    public = client.get("/tra-cuu-ho-so/", {"ma": dossier.code, "bi-mat": dossier.lookup_secret})
    assert "Đã nộp" in public.content.decode()
    assert "Nguyễn Văn An" not in public.content.decode()


def test_a_changed_read_only_value_is_refused_on_the_page(client, world):  # noqa: F811
    url = start_birth(client, world.father)
    response = client.post(url, {"applicant.full_name": "Người Khác", "action": "save"})
    assert response.status_code == 400
    assert "không được sửa" in response.content.decode()
    assert "Người Khác" not in str(Dossier.objects.get().data)


def test_someone_elses_dossier_page_is_not_found(client, world):  # noqa: F811
    url = start_birth(client, world.father)
    log_in(client, world.stranger)
    assert client.get(url).status_code == 404


def test_a_fake_file_is_refused_with_the_reason(client, world):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = start_birth(client, world.father)
    reference = url.rstrip("/").rsplit("/", 1)[-1]
    fake = SimpleUploadedFile("giay.pdf", b"MZ\x90\x00 program", "application/pdf")
    page = client.post(f"/ho-so/{reference}/tep/", {"component": 2, "file": fake}, follow=True)
    assert "giay.pdf" in page.content.decode()
    assert not Dossier.objects.get().files.exists()


def test_a_level_1_session_is_offered_the_step_up_for_a_level_2_procedure(client, world):  # noqa: F811
    log_in(client, world.father, level=1)
    response = client.get("/thu-tuc/3.000333/nop/")
    assert response.status_code == 403
    assert "Đăng nhập lại ở mức độ 2" in response.content.decode()


def test_my_dossiers_pages_through_every_dossier_not_only_the_newest(
    client,
    world,  # noqa: F811
    monkeypatch,
):
    from motcua.portal import dossier_views

    monkeypatch.setattr(dossier_views, "MY_DOSSIERS_PAGE", 2)
    references = [start_birth(client, world.father).rstrip("/").rsplit("/", 1)[-1]]
    references += [start_birth(client, world.father).rstrip("/").rsplit("/", 1)[-1]]
    references += [start_birth(client, world.father).rstrip("/").rsplit("/", 1)[-1]]

    first = client.get("/ho-so/").content.decode()
    assert "Trang sau" in first and "Trang trước" not in first and "Trang 1/2" in first
    assert references[2] in first and references[1] in first and references[0] not in first

    second = client.get("/ho-so/", {"trang": "2"}).content.decode()
    assert "Trang trước" in second and "Trang sau" not in second and "Trang 2/2" in second
    assert references[0] in second and references[2] not in second

    for odd in ("99", "abc", "-1"):  # beyond the end or nonsense: a page, never an error
        assert client.get("/ho-so/", {"trang": odd}).status_code == 200
