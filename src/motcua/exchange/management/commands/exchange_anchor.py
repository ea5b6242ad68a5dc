from __future__ import annotations

from typing import Any

from motcua.core.signed_log import AnchorCommand
from motcua.exchange import log, services


class Command(AnchorCommand):
    help = (
        "Neo đầu mọi chuỗi nhật ký trao đổi (ký số); in ra dòng JSON để công bố. --loop N: mỗi "
        "N giây và mỗi LOG_ANCHOR_EVERY mục. Anchor every exchange-log chain's head (signed)."
    )

    def anchor(self) -> Any:
        return services.anchor_log()

    def pending(self) -> int:
        return log.entries_since_anchor()
