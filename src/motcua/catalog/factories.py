"""Generated catalog records for tests and benchmarks (never demo data)."""

from __future__ import annotations

import random
from collections.abc import Iterator

from .schema import ComponentIn, FeeIn, ProcedureIn, SectorIn

SECTORS = [
    SectorIn(code="ho-tich", name="Hộ tịch", name_en="Civil status"),
    SectorIn(code="cu-tru", name="Đăng ký, quản lý cư trú", name_en="Residence"),
    SectorIn(code="dat-dai", name="Đất đai", name_en="Land"),
    SectorIn(code="xay-dung", name="Hoạt động xây dựng", name_en="Construction"),
]
_VERBS = ["Đăng ký", "Cấp", "Cấp lại", "Cấp đổi", "Điều chỉnh", "Xác nhận", "Gia hạn", "Thu hồi"]
_OBJECTS = [
    "khai sinh",
    "kết hôn",
    "khai tử",
    "thường trú",
    "tạm trú",
    "giấy phép xây dựng",
    "giấy chứng nhận quyền sử dụng đất",
    "giấy phép lái xe",
    "hộ kinh doanh",
    "phiếu lý lịch tư pháp",
    "thẻ bảo hiểm y tế",
    "chứng chỉ hành nghề",
    "biển số xe",
]
_QUALIFIERS = [
    "",
    "có yếu tố nước ngoài",
    "lưu động",
    "cho người chưa thành niên",
    "tại cơ quan đại diện",
    "trường hợp bị mất",
    "điện tử",
    "cho doanh nghiệp",
]


def procedure(
    code: str = "1.001193", name: str = "Đăng ký khai sinh", **overrides: object
) -> ProcedureIn:
    body: dict[str, object] = {
        "code": code,
        "name": name,
        "name_en": "Birth registration",
        "sector": "ho-tich",
        "levels": ["commune"],
        "online_level": "full",
        "processing_days": 3,
        "fees": [FeeIn(label="Lệ phí", amount=8000)],
        "result_type": "Giấy khai sinh",
        "legal_basis": ["Luật Hộ tịch 2014"],
        "components": [
            ComponentIn(name="Tờ khai đăng ký khai sinh", required=True, copies=1),
            ComponentIn(name="Căn cước của người yêu cầu", replaced_by="population"),
        ],
    }
    body.update(overrides)
    return ProcedureIn.model_validate(body)


def generated_procedures(count: int, seed: int = 7) -> Iterator[ProcedureIn]:
    """`count` distinct, plausible procedures with codes 9.000001, 9.000002, ..."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    for i in range(1, count + 1):
        name = " ".join(
            filter(None, [rng.choice(_VERBS), rng.choice(_OBJECTS), rng.choice(_QUALIFIERS)])
        )
        yield procedure(
            code=f"9.{i:06d}",
            name=f"{name} ({i})",
            sector=rng.choice(SECTORS).code,
            levels=rng.sample(["central", "province", "commune"], rng.randint(1, 2)),
            online_level=rng.choice(["full", "partial"]),
            processing_days=rng.randint(0, 30),
        )
