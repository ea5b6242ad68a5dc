"""Demo subjects for `manage.py load_demo`: citizens, a business and an official of a commune's
service centre. Passwords are generated once into var/. The people are also put into the
population registry (with a minor child of Nguyễn Văn An, who also represents the demo
business in the enterprise registry); level 2 goes only to those the registry verifies."""

from __future__ import annotations

import contextlib
import datetime
import json
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings

from motcua.core.errors import InvalidInput
from motcua.core.files import write_private

from . import services
from .models import Account

DEMO_PEOPLE = [
    {
        "personal_id": "001085012345",
        "full_name": "Nguyễn Văn An",
        "birth_date": datetime.date(1985, 3, 12),
        "sex": "male",
        "permanent_address": "Số 1 phố Tràng Tiền, phường Hoàn Kiếm, thành phố Hà Nội",
    },
    {
        "personal_id": "079301004567",
        "full_name": "Trần Thị Bình",
        "birth_date": datetime.date(2001, 9, 2),
        "sex": "female",
        "permanent_address": "12 đường Lê Lợi, phường Sài Gòn, Thành phố Hồ Chí Minh",
    },
    {
        "personal_id": "038090001122",
        "full_name": "Lê Minh Cường",
        "birth_date": datetime.date(1990, 1, 20),
        "sex": "male",
        "permanent_address": "Thanh Hóa",
    },
]
# In the population registry: An and Cường (so they verify to level 2) and An's son, a minor
# with no account of his own. Bình is not there yet, so she stays at level 1.
REGISTRY_PEOPLE = [
    ("001085012345", "Nguyễn Văn An", datetime.date(1985, 3, 12), "M", "01"),
    ("038090001122", "Lê Minh Cường", datetime.date(1990, 1, 20), "M", "38"),
]
# An's wife (no account): the other parent a birth registration form fills in.
DEMO_SPOUSE = ("001190012347", "Phạm Thị Hoa", datetime.date(1990, 6, 1), "F", "01")
DEMO_HOME = ("00070", "Số 1 phố Tràng Tiền, phường Hoàn Kiếm, thành phố Hà Nội")
DEMO_CHILD = ("001215012346", "Nguyễn Minh Khang", datetime.date(2015, 6, 1), "M", "01")
DEMO_PARENT = "001085012345"
DEMO_ORGANISATION = {"enterprise_code": "0101234567", "name": "Công ty TNHH Một Cửa Demo"}
DEMO_OFFICIAL: dict[str, Any] = {
    "personal_id": "038090001122",
    "agency_code": "01.00070.tthcc",
    "roles": ["one_stop_officer", "specialist"],
}


def ensure_demo_subjects(var_dir: Path | None = None) -> Path:
    """Create the demo subjects once (idempotent); return the file listing their passwords."""
    path = Path(var_dir or settings.VAR_DIR) / "demo-subjects.json"
    known: dict[str, str] = {}
    if path.exists():
        known = json.loads(path.read_text(encoding="utf-8"))
    ensure_registry_records()
    _load_grants("load_demo")
    for person in DEMO_PEOPLE:
        pid = str(person["personal_id"])
        account = Account.objects.filter(username=pid).first()
        if account is None:
            known[pid] = secrets.token_urlsafe(10)
            account = services.enrol_person(
                password=known[pid],
                actor="load_demo",
                assurance_level=1,
                **person,  # type: ignore[arg-type]
            )
        services.verify_against_registry(account, actor="load_demo")
    code = DEMO_ORGANISATION["enterprise_code"]
    if not Account.objects.filter(username=code).exists():
        known[code] = secrets.token_urlsafe(10)
        services.enrol_organisation(
            enterprise_code=code,
            name=DEMO_ORGANISATION["name"],
            password=known[code],
            actor="load_demo",
        )
    with contextlib.suppress(InvalidInput):  # without units loaded there is no agency
        services.appoint_official(
            personal_id=DEMO_OFFICIAL["personal_id"],
            agency_code=DEMO_OFFICIAL["agency_code"],
            roles=DEMO_OFFICIAL["roles"],
            actor="load_demo",
        )
    ensure_wallet_items()
    write_private(path, json.dumps(known, indent=2, ensure_ascii=False))
    return path


def ensure_registry_records() -> None:
    """Demo seeding only: the registries app has no write service (its data comes from the
    national databases or `generate_registries`), so the demo writes its few rows directly."""
    from motcua.registries.enterprise.models import Enterprise, LegalRepresentative
    from motcua.registries.population.models import Person as RegistryPerson

    parent = None
    for pid, name, birth, sex, province in REGISTRY_PEOPLE:
        record, _created = RegistryPerson.objects.get_or_create(
            personal_id=pid,
            defaults={
                "full_name": name,
                "birth_date": birth,
                "sex": sex,
                "province_code": province,
                "marital_status": "married" if pid == DEMO_PARENT else "single",
            },
        )
        if pid == DEMO_PARENT:
            parent = record
    pid, name, birth, sex, province = DEMO_SPOUSE
    spouse, _created = RegistryPerson.objects.get_or_create(
        personal_id=pid,
        defaults={
            "full_name": name,
            "birth_date": birth,
            "sex": sex,
            "province_code": province,
            "marital_status": "married",
            "spouse": parent,
        },
    )
    commune, address = DEMO_HOME
    RegistryPerson.objects.filter(personal_id__in=[DEMO_PARENT, pid, DEMO_CHILD[0]]).update(
        permanent_commune_code=commune, permanent_address=address
    )
    RegistryPerson.objects.filter(personal_id=DEMO_PARENT).update(spouse=spouse)
    pid, name, birth, sex, province = DEMO_CHILD
    RegistryPerson.objects.get_or_create(
        personal_id=pid,
        defaults={
            "full_name": name,
            "birth_date": birth,
            "sex": sex,
            "province_code": province,
            "father": parent,
            "mother": spouse,
        },
    )
    enterprise, _created = Enterprise.objects.get_or_create(
        code=DEMO_ORGANISATION["enterprise_code"],
        defaults={
            "name": DEMO_ORGANISATION["name"],
            "kind": "Công ty trách nhiệm hữu hạn một thành viên",
            "registered_address": "Số 1 phố Tràng Tiền, phường Hoàn Kiếm, thành phố Hà Nội",
            "founded_on": datetime.date(2020, 1, 6),
            "province_code": "01",
        },
    )
    LegalRepresentative.objects.get_or_create(
        enterprise=enterprise,
        personal_id=DEMO_PARENT,
        defaults={"full_name": "Nguyễn Văn An", "title": "Giám đốc", "province_code": "01"},
    )


def ensure_wallet_items() -> None:
    """A few e-wallet documents and inbox messages (idempotent by key)."""
    from motcua.wallet import services as wallet

    child_id, child_name, child_birth, _sex, _province = DEMO_CHILD
    birth_data = {
        "so_dinh_danh": child_id,
        "ho_ten": child_name,
        "ngay_sinh": child_birth.isoformat(),
        "cha": "Nguyễn Văn An",
    }
    documents: list[tuple[str, str, str, datetime.date, datetime.date | None, dict[str, Any]]] = [
        (
            child_id,
            "Giấy khai sinh (bản điện tử)",
            "UBND phường Hoàn Kiếm, thành phố Hà Nội",
            datetime.date(2015, 6, 10),
            None,
            birth_data,
        ),
        (
            DEMO_PARENT,
            "Giấy xác nhận thông tin về cư trú",
            "Công an phường Hoàn Kiếm, thành phố Hà Nội",
            datetime.date(2025, 8, 1),
            datetime.date(2026, 8, 1),
            {"so_dinh_danh": DEMO_PARENT, "noi_thuong_tru": DEMO_PEOPLE[0]["permanent_address"]},
        ),
        (
            DEMO_ORGANISATION["enterprise_code"],
            "Giấy chứng nhận đăng ký doanh nghiệp",
            "Sở Tài chính thành phố Hà Nội",
            datetime.date(2020, 1, 6),
            None,
            {"ma_so_doanh_nghiep": DEMO_ORGANISATION["enterprise_code"]},
        ),
    ]
    for owner, title, issuer, issued, until, data in documents:
        wallet.add_document(
            owner_id=owner,
            title=title,
            issuer_name=issuer,
            issued_on=issued,
            valid_until=until,
            content=json.dumps(data, ensure_ascii=False, indent=2).encode(),
            filename="giay-to.json",
            content_type="application/json",
            data=data,
            key=f"demo:{owner}:{title}",
            actor="load_demo",
        )
    messages = [
        (DEMO_PARENT, "Chào mừng đến Cổng dịch vụ công MotCua", "info"),
        (DEMO_PARENT, "Hồ sơ 000.00.01.H29-250801-0001 đã có kết quả", "result"),
        (child_id, "Giấy khai sinh điện tử đã được đưa vào ví giấy tờ", "result"),
        (str(DEMO_PEOPLE[1]["personal_id"]), "Chào mừng đến Cổng dịch vụ công MotCua", "info"),
    ]
    for recipient, title, kind in messages:
        wallet.send_message(
            recipient_id=recipient,
            title=title,
            body="Đây là thông báo mẫu của môi trường demo.",
            kind=kind,
            key=f"demo:{recipient}:{title}",
            actor="load_demo",
        )


def _load_grants(actor: str) -> None:
    """The data owners' declared grants (identity's included); never granted by identity."""
    from motcua.exchange import services as exchange

    exchange.load_grants(actor=actor)
