from __future__ import annotations

from typing import Any

from motcua.audit import services
from motcua.core.signed_log import AnchorCommand


class Command(AnchorCommand):
    help = (
        "Neo đầu chuỗi nhật ký kiểm toán (ký số); in ra dòng JSON để công bố. --loop N: mỗi N "
        "giây và mỗi LOG_ANCHOR_EVERY mục. Anchor the audit chain's head (signed)."
    )

    def anchor(self) -> Any:
        return services.anchor()

    def pending(self) -> int:
        return services.entries_since_anchor()
