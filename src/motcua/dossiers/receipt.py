"""The receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả): rendered from the dossier on
demand, so the document always says what the dossier says; its QR code opens the public
status lookup."""

from __future__ import annotations

from urllib.parse import urlencode

from motcua.core import site
from motcua.core.formats import format_bytes, format_date, format_datetime, format_money

from .models import Dossier


def lookup_url(dossier: Dossier) -> str:
    """The public status lookup of this dossier, on the site's public address."""
    query = urlencode({"ma": dossier.code, "bi-mat": dossier.lookup_secret})
    return site.absolute(f"/tra-cuu-ho-so/?{query}")


def render(dossier: Dossier) -> bytes:
    # Imported here: fpdf and fontTools take seconds to import, and most processes never
    # render a receipt.
    from motcua.core.pdf import render_document

    if not dossier.code or not dossier.submitted_at:
        raise ValueError("only a submitted dossier has a receipt")
    appointment = dossier.due_date or dossier.appointment_date
    records = list(dossier.records.all())
    files = list(dossier.files.all())
    rows = [
        ("Mã hồ sơ", dossier.code),
        ("Mã tra cứu", dossier.lookup_secret),
        ("Thủ tục", f"{dossier.procedure_name} ({dossier.procedure_code})"),
        ("Người nộp", f"{dossier.applicant_name} — {dossier.applicant_id}"),
        ("Nơi tiếp nhận", dossier.receiving_unit_name),
        ("Thời điểm nộp", format_datetime(dossier.submitted_at)),
        ("Ngày hẹn trả kết quả", format_date(appointment)),
        ("Phí, lệ phí", format_money(dossier.fee_amount) if dossier.fee_amount else "Không thu"),
    ]
    if dossier.assisted_by:  # at a counter, or submitted with assistance: both names
        from .counter import assistance_rows

        rows[4:4] = assistance_rows(dossier)
    for file in files:
        rows.append(
            (
                "Tệp đính kèm",
                f"{file.name} ({format_bytes(file.size)}, SHA-256 {file.sha256[:16]}…)",
            )
        )
    for record in records:
        rows.append(
            (
                "Nhà nước đã có",
                f"{record.component_name}: thay bằng dữ liệu {record.registry}, "
                f"bản ghi phiên bản {record.record_version}",
            )
        )
    return render_document(
        title="GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        subtitle=f"Mã hồ sơ: {dossier.code}",
        issuer=dossier.receiving_unit_name,
        rows=rows,
        paragraphs=[
            "Ngày hẹn tính theo ngày làm việc (không kể thứ Bảy, Chủ nhật và ngày lễ, Tết). "
            "Tra cứu tình trạng hồ sơ bằng mã hồ sơ và mã tra cứu, hoặc quét mã QR."
        ],
        qr_payload=lookup_url(dossier),
        footer="MotCua — Cổng dịch vụ công một cửa",
        metadata={"title": f"Giấy tiếp nhận {dossier.code}", "author": dossier.receiving_unit_name},
    )
