"""Demo officials for `manage.py load_demo` (through `load_demo_workflow`): in Hà Nội, Thành
phố Hồ Chí Minh, Cà Mau and Tuyên Quang, a one-stop officer, specialists and leaders at the
provincial service centre, the Departments of Justice, Finance and Agriculture and
Environment and the social insurance agency, and at one ward's service centre, People's
Committee and police. Personal IDs
are synthetic but valid; passwords are generated once into var/demo-officials.json."""

from __future__ import annotations

import contextlib
import datetime
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from motcua.core import site
from motcua.core.errors import InvalidInput, NotFound
from motcua.core.files import write_private

DEMO_PROCESSES = Path(__file__).resolve().parent / "fixtures" / "demo_processes.json"

# (province code, birth-place code of its people's IDs, ward code)
DEMO_PLACES = [
    ("01", "001", "00070"),  # Thành phố Hà Nội, Phường Hoàn Kiếm
    ("79", "079", "26740"),  # Thành phố Hồ Chí Minh, Phường Sài Gòn
    ("96", "096", "32002"),  # Tỉnh Cà Mau, Phường An Xuyên
    ("08", "008", "02215"),  # Tỉnh Tuyên Quang, Phường Minh Xuân
]
# (agency kind, at the ward?, role, job title)
DEMO_POSTS = [
    ("tthcc", False, "one_stop_officer", "Cán bộ một cửa Trung tâm Phục vụ hành chính công tỉnh"),
    ("tthcc", False, "leader", "Giám đốc Trung tâm Phục vụ hành chính công tỉnh"),
    ("so-tp", False, "specialist", "Chuyên viên Sở Tư pháp"),
    ("so-tp", False, "leader", "Giám đốc Sở Tư pháp"),
    ("so-tc", False, "specialist", "Chuyên viên Phòng Đăng ký kinh doanh, Sở Tài chính"),
    ("so-tc", False, "leader", "Phó Giám đốc Sở Tài chính"),
    ("so-nnmt", False, "specialist", "Chuyên viên Văn phòng đăng ký đất đai"),
    ("so-nnmt", False, "leader", "Phó Giám đốc Sở Nông nghiệp và Môi trường"),
    ("tthcc", True, "one_stop_officer", "Cán bộ một cửa phường"),
    ("ubnd", True, "specialist", "Công chức tư pháp - hộ tịch phường"),
    ("ubnd", True, "leader", "Chủ tịch Ủy ban nhân dân phường"),
    ("ca", True, "specialist", "Cán bộ đăng ký cư trú Công an phường"),
    ("ca", True, "leader", "Trưởng Công an phường"),
]
# Posts added later, numbered after all of the above so that earlier demo IDs stay the same:
# the provincial social insurance agency (integrated services: health insurance cards for
# children, funeral allowances).
DEMO_EXTRA_POSTS = [
    ("bhxh", False, "specialist", "Chuyên viên Bảo hiểm xã hội tỉnh"),
    ("bhxh", False, "leader", "Giám đốc Bảo hiểm xã hội tỉnh"),
]
_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
_MIDDLE = {"male": ["Văn", "Đức", "Minh", "Quang", "Hữu"], "female": ["Thị", "Ngọc", "Thu"]}
_GIVEN = {
    "male": ["Hùng", "Dũng", "Tuấn", "Long", "Nam", "Phong", "Sơn", "Khoa", "Hải", "Thắng"],
    "female": ["Lan", "Hương", "Hoa", "Trang", "Linh", "Hằng", "Yến", "Nga", "Thảo", "Vy"],
}


@dataclass(frozen=True)
class DemoOfficial:
    personal_id: str
    full_name: str
    birth_date: datetime.date
    sex: str
    agency_code: str
    role: str
    title: str
    unit_codes: tuple[str, ...] = ()


def demo_officials() -> list[DemoOfficial]:
    """The demo officials, the same on every run."""
    people = []
    posts = [(place, post) for place in DEMO_PLACES for post in DEMO_POSTS]
    posts += [(place, post) for place in DEMO_PLACES for post in DEMO_EXTRA_POSTS]
    for n, ((province, birth_place, ward), (kind, at_ward, role, title)) in enumerate(
        posts, start=1
    ):
        sex = "female" if n % 2 else "male"
        year = 1975 + n % 20
        pid = f"{birth_place}{1 if sex == 'female' else 0}{year % 100:02d}{800000 + n:06d}"
        name = " ".join(
            [
                _SURNAMES[n % len(_SURNAMES)],
                _MIDDLE[sex][n % len(_MIDDLE[sex])],
                _GIVEN[sex][(n * 7) % len(_GIVEN[sex])],
            ]
        )
        agency = f"{province}.{ward}.{kind}" if at_ward else f"{province}.{kind}"
        # The ward's chairman also leads its service centre (escalations reach them).
        extra = (f"{province}.{ward}.tthcc",) if (kind, role) == ("ubnd", "leader") else ()
        people.append(
            DemoOfficial(
                personal_id=pid,
                full_name=name,
                birth_date=datetime.date(year, 1 + n % 12, 1 + n % 28),
                sex=sex,
                agency_code=agency,
                role=role,
                title=title,
                unit_codes=extra,
            )
        )
    return people


def passwords_path(var_dir: Path | None = None) -> Path:
    return Path(var_dir or settings.VAR_DIR) / "demo-officials.json"


def ensure_demo_officials(var_dir: Path | None = None) -> tuple[Path, int]:
    """Enrol and appoint the demo officials once (idempotent); return the password file and
    how many were created now."""
    from motcua.identity import services as identity
    from motcua.identity.models import Account

    from . import services

    path = passwords_path(var_dir)
    known: dict[str, str] = {}
    if path.exists():
        known = json.loads(path.read_text(encoding="utf-8"))
    created = 0
    for person in demo_officials():
        if not Account.objects.filter(username=person.personal_id).exists():
            known[person.personal_id] = secrets.token_urlsafe(10)
            identity.enrol_person(
                personal_id=person.personal_id,
                full_name=person.full_name,
                password=known[person.personal_id],
                birth_date=person.birth_date,
                sex=person.sex,
                actor="load_demo",
            )
            created += 1
        with contextlib.suppress(services.PermissionDenied):
            ref = services.official_ref(person.personal_id)
            if ref.agency_code == person.agency_code and ref.roles == (person.role,):
                continue
        with contextlib.suppress(InvalidInput):  # without units loaded there is no agency
            identity.appoint_official(
                personal_id=person.personal_id,
                agency_code=person.agency_code,
                roles=[person.role],
                unit_codes=person.unit_codes,
                actor="load_demo",
            )
    write_private(path, json.dumps(known, indent=2, ensure_ascii=False))
    return path, created


def _passwords() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in ("demo-subjects.json", "demo-officials.json"):
        file = Path(settings.VAR_DIR) / name
        if file.exists():
            found.update(json.loads(file.read_text(encoding="utf-8")))
    return found


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(out)


def accounts_table(*, show_passwords: bool = False) -> str:
    """The demo people, organisations and officials as text tables (Vietnamese headings)."""
    from motcua.identity import demo as identity_demo
    from motcua.identity.models import Account, Official
    from motcua.units import selectors as units

    passwords = _passwords() if show_passwords else {}
    existing = set(Account.objects.values_list("username", flat=True))

    def mark(pid: str) -> str:
        return "" if pid in existing else " (chưa tạo)"

    def secret(pid: str) -> list[str]:
        return [passwords.get(pid, "—")] if show_passwords else []

    pw = ["Mật khẩu"] if show_passwords else []
    people = [
        [
            str(p["personal_id"]) + mark(str(p["personal_id"])),
            str(p["full_name"]),
            str(p["permanent_address"]),
            *secret(str(p["personal_id"])),
        ]
        for p in identity_demo.DEMO_PEOPLE
    ]
    org = identity_demo.DEMO_ORGANISATION
    organisations = [
        [
            org["enterprise_code"] + mark(org["enterprise_code"]),
            org["name"],
            "Nguyễn Văn An",
            *secret(org["enterprise_code"]),
        ]
    ]
    names = dict(
        Account.objects.filter(official__isnull=False).values_list("username", "full_name")
    )
    officials: list[list[str]] = []
    for official in Official.objects.select_related("account").order_by("agency_code"):
        pid = official.account.username
        try:
            unit_name = units.get_agency(official.agency_code).name
        except NotFound:  # an agency removed since: show the code alone
            unit_name = ""
        roles = ", ".join(dict(Official.Role.choices).get(r, r) for r in official.roles)
        officials.append(
            [pid, names.get(pid, ""), roles, official.agency_code, unit_name, *secret(pid)]
        )
    sections = [
        "CÔNG DÂN DEMO",
        _table(["Số định danh", "Họ và tên", "Nơi thường trú", *pw], people),
        "",
        "TỔ CHỨC, DOANH NGHIỆP DEMO",
        _table(["Mã số doanh nghiệp", "Tên", "Người đại diện", *pw], organisations),
        "",
        "CÁN BỘ, CÔNG CHỨC",
        _table(["Số định danh", "Họ và tên", "Vai trò", "Mã đơn vị", "Đơn vị", *pw], officials)
        if officials
        else "(chưa có; chạy manage.py load_demo)",
        "",
        f"Mật khẩu: {Path(settings.VAR_DIR) / 'demo-subjects.json'} và {passwords_path()}; "
        f"mã xác thực (TOTP) tại {site.absolute('/dien-thoai/')}<số định danh>/",
    ]
    return "\n".join(sections)
