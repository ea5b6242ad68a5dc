"""Dossiers made through the dossier services, the way the office would move them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from motcua.dossiers import services as dossiers
from motcua.dossiers.models import Dossier, Status
from motcua.dossiers.tests.conftest import PARENT_ID
from motcua.dossiers.tests.helpers import attach_required, example_data
from motcua.eforms import services as eforms
from motcua.identity import services as identity
from motcua.identity.testing import bearer, make_person

FATHER = dossiers.Applicant(subject_id=PARENT_ID, actor_id=PARENT_ID, name="Nguyễn Văn An")
SIMPLE, WITH_FEE = "1.010041", "2.000635"  # fully online, no fee / with a fee
WARD, WARD_CENTRE = "00070", "01.00070.tthcc"
OTHER_WARD, OTHER_CENTRE = "26740", "79.26740.tthcc"
OFFICER = "system:test-officer"


def consent(code: str) -> None:
    from motcua.exchange import services as exchange

    exchange.grant_consent(PARENT_ID, f"thu-tuc:{code}", consumer="motcua-eforms")


def submit(
    code: str = SIMPLE, unit: str = WARD_CENTRE, channel: str = "online", scanned: bool = False
) -> Dossier:
    """`scanned`: a component digitized at the counter before the submission, as the
    counter intake records it."""
    consent(code)
    data = example_data(eforms.json_schema(eforms.form_for(code)))
    draft = dossiers.create_draft(FATHER, code, unit, data)
    if channel != "online":
        Dossier.objects.filter(pk=draft.pk).update(channel=channel)
    attach_required(FATHER, draft)
    if scanned:
        digitize(draft)
    return dossiers.submit(FATHER, draft.reference)


def digitize(dossier: Dossier, position: int = 1) -> Any:
    from motcua.dossiers.models import Digitization

    return Digitization.objects.create(
        kind=Digitization.Kind.COMPONENT,
        owner_id=PARENT_ID,
        dossier=dossier,
        component_position=position,
        title="Tờ khai",
        unit=WARD_CENTRE,
        digitized_by="001075900009",
        digitized_at=timezone.now(),
        pages=2,
    )


def finish(dossier: Dossier, *, due: dt.date | None = None, e_result: bool = True) -> Dossier:
    """Receive, process, result, return; `due` replaces the due date set at receipt."""
    code = str(dossier.code)
    dossiers.receive(code, actor=OFFICER)
    if due is not None:
        Dossier.objects.filter(code=code).update(due_date=due)
    dossiers.advance(code, Status.PROCESSING, actor=OFFICER)
    if e_result:
        issue_result(code)
    dossiers.advance(code, Status.RESULT_READY, actor=OFFICER)
    return dossiers.advance(code, Status.RETURNED, actor=OFFICER)


def issue_result(code: str) -> None:
    """An electronic result as the results app records it (without signing a PDF)."""
    from motcua.results.models import ResultDocument

    ResultDocument.objects.create(
        dossier_code=code,
        procedure_code=SIMPLE,
        template_code="t",
        template_version=1,
        title="Kết quả",
        owner_id=PARENT_ID,
        issuer="UBND",
        signer_personal_id="001075900003",
        signer_name="Lãnh đạo",
        signing_provider="local",
        issued_at=timezone.now(),
        sha256=uuid.uuid4().hex * 2,
    )


def official(personal_id: str, agency: str, roles: list[str], units: tuple[str, ...] = ()) -> Any:
    account = make_person(personal_id, full_name="Cán Bộ Giám Sát")
    identity.appoint_official(
        personal_id=personal_id, agency_code=agency, roles=roles, unit_codes=units, actor="test"
    )
    return account


def token_headers(account: Any) -> dict[str, str]:
    token = bearer(account, scope="openid profile official", client_id="motcua-backoffice")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def log_in(client: Any, personal_id: str, agency: str, roles: list[str]) -> None:
    session = client.session
    session["backoffice_official"] = {
        "personal_id": personal_id,
        "agency_code": agency,
        "roles": roles,
    }
    session.save()
