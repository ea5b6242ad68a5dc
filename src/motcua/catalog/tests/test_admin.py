import pytest
from django.contrib.auth import get_user_model

from motcua.catalog.models import Procedure
from motcua.identity.admin_site import session_acr
from motcua.identity.views import SESSION_ACR

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("quantri", "qt@example.vn", "mat-khau-dai-1")
    client.force_login(user)
    session = client.session
    session[SESSION_ACR] = session_acr()  # the provider's level-2 login, the only way in
    session.save()
    return client


def test_editing_a_published_procedure_in_admin_publishes_a_new_version(
    admin_client, small_catalog
):
    v1 = Procedure.objects.get(code="1.001193").current
    url = f"/admin/catalog/procedureversion/{v1.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    form = {
        "name": v1.name, "name_en": v1.name_en, "online_level": v1.online_level,
        "processing_days": "5", "result_type": v1.result_type, "description": "",
        "fees": '[{"label": "Lệ phí", "amount": 8000, "note": ""}]',
        "legal_basis": '["Luật Hộ tịch 2014"]', "at_commune": "on",
    }  # fmt: skip
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    procedure = Procedure.objects.get(code="1.001193")
    assert procedure.current.version == 2
    assert procedure.current.processing_days == 5
    assert procedure.current.components.count() == 2
    v1.refresh_from_db()
    assert (v1.status, v1.processing_days) == ("superseded", 3)


def test_superseded_versions_cannot_be_edited(admin_client, small_catalog):
    from motcua.catalog import services

    v1 = Procedure.objects.get(code="1.001193").current
    services.revise("1.001193", {"processing_days": 4}, actor="test")
    response = admin_client.post(f"/admin/catalog/procedureversion/{v1.pk}/change/", {})
    assert response.status_code == 403
