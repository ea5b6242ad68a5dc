"""Small helpers copied from the dossiers tests (tests do not import test modules)."""

from __future__ import annotations

from motcua.dossiers import services as dossiers
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.conftest import CHILD_ID, MOTHER_ID, PARENT_ID
from motcua.dossiers.tests.helpers import example_data, pdf_bytes
from motcua.eforms import services as eforms
from motcua.identity import services as identity
from motcua.identity.testing import make_person
from motcua.workflow import services

BIRTH, JUDICIAL, LAND = "1.001193", "3.000333", "1.013831"
WARD_CENTRE, WARD_UBND, PROVINCE_CENTRE = "01.00070.tthcc", "01.00070.ubnd", "01.tthcc"
FATHER = dossiers.Applicant(subject_id=PARENT_ID, actor_id=PARENT_ID, name="Nguyễn Văn An")


def consent(*codes: str) -> None:
    from motcua.exchange import services as exchange

    for person in (PARENT_ID, MOTHER_ID, CHILD_ID):
        for code in codes:
            exchange.grant_consent(person, f"thu-tuc:{code}", consumer="motcua-eforms")


def data_for(code: str) -> dict:
    return example_data(eforms.json_schema(eforms.form_for(code)))


def submitted(code: str = BIRTH, unit: str = WARD_CENTRE, data: dict | None = None) -> Dossier:
    consent(code)
    dossier = dossiers.create_draft(FATHER, code, unit, data or data_for(code))
    for component in dossiers.component_states(dossier):
        # What the form and the registries the test holds do not cover.
        if component["state"] == "missing":
            dossiers.add_file(
                FATHER,
                dossier.reference,
                component=component["key"],
                name="a.pdf",
                content=pdf_bytes(),
            )
    dossier = dossiers.submit(FATHER, dossier.reference)
    if dossier.payment_status == Dossier.Payment.AWAITING:  # paid at the counter
        Dossier.objects.filter(pk=dossier.pk).update(payment_status=Dossier.Payment.PAID)
        dossier.refresh_from_db()
    return dossier


def official(
    personal_id: str, agency: str, *roles: str, unit_codes: tuple[str, ...] = ()
) -> services.OfficialRef:
    make_person(personal_id, full_name=f"Cán bộ {personal_id[-3:]}")
    identity.appoint_official(
        personal_id=personal_id, agency_code=agency, roles=roles, unit_codes=unit_codes
    )
    return services.official_ref(personal_id)
