"""The demo subjects with what surrounds them (`manage.py load_demo`): their records in the
population and enterprise registries, the data owners' grants through which identity verifies
them, identity's own subjects (`motcua.identity.demo`), then a few documents and messages in
their e-wallets. Here, above the apps it seeds, rather than in identity (`.importlinter`)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from motcua.exchange import services as exchange
from motcua.identity import demo as identity_demo
from motcua.identity.demo import (
    DEMO_CHILD,
    DEMO_HOME,
    DEMO_ORGANISATION,
    DEMO_PARENT,
    DEMO_PEOPLE,
    DEMO_SPOUSE,
    REGISTRY_PEOPLE,
)
from motcua.registries.enterprise.models import Enterprise, LegalRepresentative
from motcua.registries.population.models import Person as RegistryPerson
from motcua.wallet import services as wallet


def ensure_demo_subjects(var_dir: Path | None = None) -> Path:
    """Create the demo subjects once (idempotent); return the file listing their passwords."""
    ensure_registry_records()
    # The data owners' declared grants (identity's included); never granted by identity.
    exchange.load_grants(actor="load_demo")
    path = identity_demo.ensure_demo_subjects(var_dir)
    ensure_wallet_items()
    return path


def ensure_registry_records() -> None:
    """Demo seeding only: the registries app has no write service (its data comes from the
    national databases or `generate_registries`), so the demo writes its few rows directly."""
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
