"""Demo subjects for `manage.py load_demo`: a citizen at level 2, one at level 1, a business
and an official of a commune's service centre. Passwords are generated once into var/."""

from __future__ import annotations

import contextlib
import datetime
import json
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings

from motcua.core.errors import InvalidInput

from . import services
from .models import Account

DEMO_PEOPLE = [
    {
        "personal_id": "001085012345",
        "full_name": "Nguyễn Văn An",
        "birth_date": datetime.date(1985, 3, 12),
        "sex": "male",
        "permanent_address": "Số 1 phố Tràng Tiền, phường Hoàn Kiếm, thành phố Hà Nội",
        "assurance_level": 2,
    },
    {
        "personal_id": "079301004567",
        "full_name": "Trần Thị Bình",
        "birth_date": datetime.date(2001, 9, 2),
        "sex": "female",
        "permanent_address": "12 đường Lê Lợi, phường Sài Gòn, Thành phố Hồ Chí Minh",
        "assurance_level": 1,
    },
    {
        "personal_id": "038090001122",
        "full_name": "Lê Minh Cường",
        "birth_date": datetime.date(1990, 1, 20),
        "sex": "male",
        "permanent_address": "Thanh Hóa",
        "assurance_level": 2,
    },
]
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
    for person in DEMO_PEOPLE:
        pid = str(person["personal_id"])
        if not Account.objects.filter(username=pid).exists():
            known[pid] = secrets.token_urlsafe(10)
            services.enrol_person(password=known[pid], actor="load_demo", **person)  # type: ignore[arg-type]
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
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=2, ensure_ascii=False), encoding="utf-8")
    path.chmod(0o600)
    return path
