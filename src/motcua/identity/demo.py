"""Demo subjects for `manage.py load_demo`: citizens, a business and an official of a commune's
service centre. Passwords are generated once into var/. Level 2 goes only to those the
population registry verifies: `motcua.demo.subjects` puts the people there first (with a minor
child of Nguyễn Văn An, who also represents the demo business in the enterprise registry),
loads the grants identity reads them with, and fills their wallets afterwards."""

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
    """Create the demo subjects once (idempotent); return the file listing their passwords.
    Call `motcua.demo.subjects.ensure_demo_subjects`, which sets up the registries first."""
    path = Path(var_dir or settings.VAR_DIR) / "demo-subjects.json"
    known: dict[str, str] = {}
    if path.exists():
        known = json.loads(path.read_text(encoding="utf-8"))
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
    write_private(path, json.dumps(known, indent=2, ensure_ascii=False))
    return path
