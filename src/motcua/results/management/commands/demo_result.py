"""`manage.py demo_result --out DIR`: make one signed demo result PDF (a birth certificate
extract) in DIR, for people trying the signatures with their own tools."""

from __future__ import annotations

import datetime
import secrets
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from motcua.core.errors import DomainError

DEMO_LEADER_ID = "001078000001"
DEMO_LEADER_NAME = "Trần Văn Quyết"
DEMO_AGENCIES = ("01.00070.ubnd", "01.00070.tthcc")
DEMO_APPLICANT = ("001085012345", "Nguyễn Văn An")
DEMO_DATA: dict[str, Any] = {
    "registration": {"authority_commune_code": "00070"},
    "child": {
        "full_name": "Nguyễn Minh Khôi",
        "sex": "M",
        "birth_date": "2025-03-02",
        "birth_place_kind": "co-so-y-te",
        "birth_facility": "Bệnh viện Phụ sản Hà Nội",
        "birth_commune_code": "00070",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "hometown": "Xã Bát Tràng, thành phố Hà Nội",
    },
    "applicant": {
        "full_name": "Nguyễn Văn An",
        "birth_date": "1985-03-12",
        "sex": "M",
        "personal_id": "001085012345",
        "relation": "cha",
    },
    "other_parent": {
        "known": True,
        "full_name": "Phạm Thị Hoa",
        "sex": "F",
        "personal_id": "001190012347",
    },
}


class Command(BaseCommand):
    help = "Make a signed demo result PDF (PAdES) in --out DIR and say how to check it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="folder to write the PDF into")

    def handle(self, *args: Any, **options: Any) -> None:
        from motcua.results import services

        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        services.ensure_demo_ca()
        leader = self._leader()
        # The workflow app has no "run one dossier through its whole process" entry point
        # yet: issue for a generated dossier-like record through the same service.
        now = timezone.localtime()
        record = SimpleNamespace(
            code=f"DEMO-{now:%y%m%d%H%M%S}-{secrets.token_hex(2).upper()}",
            procedure_code="1.001193",
            procedure_name="Đăng ký khai sinh",
            applicant_id=DEMO_APPLICANT[0],
            applicant_name=DEMO_APPLICANT[1],
            receiving_unit_name="Trung tâm Phục vụ hành chính công Phường Hoàn Kiếm",
            data=DEMO_DATA,
        )
        try:
            document = services.issue_for_record(record, signer_personal_id=leader)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        path = out / f"ket-qua-demo-{document.pk}.pdf"
        with document.file.open("rb") as handle:
            path.write_bytes(handle.read())
        ca = services.ensure_demo_ca()
        self.stdout.write(f"Đã ghi / written: {path}")
        self.stdout.write(f"Trang xác thực / verification page: {services.public_url(document.pk)}")
        self.stdout.write("Kiểm tra chữ ký / check the signature:")
        self.stdout.write(f"  pdfsig {path}")
        self.stdout.write(
            '  ("Signature is Valid"; the certificate is issued by the demo CA, so pdfsig says '
            "the issuer is not trusted unless you add it to an NSS database:)"
        )
        self.stdout.write(
            f"  mkdir -p /tmp/nssdb && certutil -N -d sql:/tmp/nssdb --empty-password && "
            f"certutil -A -d sql:/tmp/nssdb -n motcua-demo -t CT,C,C -i {ca} && "
            f"pdfsig -nssdir sql:/tmp/nssdb {path}"
        )
        self.stdout.write(f"  pdftotext {path} -   # the Vietnamese text")

    def _leader(self) -> str:
        from django.contrib.auth import get_user_model

        from motcua.identity import services as identity

        pid = DEMO_LEADER_ID
        if not get_user_model().objects.filter(username=pid).exists():
            identity.enrol_person(
                personal_id=pid,
                full_name=DEMO_LEADER_NAME,
                birth_date=datetime.date(1978, 5, 5),
                sex="male",
                password=secrets.token_urlsafe(16),
                actor="demo_result",
            )
        for agency in DEMO_AGENCIES:
            try:
                identity.appoint_official(
                    personal_id=pid, agency_code=agency, roles=["leader"], actor="demo_result"
                )
                return pid
            except DomainError:
                continue
        raise CommandError("Chưa có dữ liệu đơn vị hành chính: chạy `manage.py load_demo` trước.")
