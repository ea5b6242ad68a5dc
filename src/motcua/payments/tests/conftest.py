from __future__ import annotations

from typing import Any

import pytest

from motcua.payments import services
from motcua.payments.models import Payment

REFERENCE = "H01.1-260115-000123"
PAYER = "001090000001"


@pytest.fixture(autouse=True)
def paid_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Only this test's hook runs (not other apps'): it records which payments became paid."""
    calls: list[int] = []
    monkeypatch.setattr(services, "_paid_hooks", [])
    services.on_paid(lambda payment: calls.append(payment.pk))
    return calls


@pytest.fixture
def start_payment(db: None):
    def _start(reference: str = REFERENCE, **overrides: Any) -> tuple[Payment, str]:
        kwargs: dict[str, Any] = {
            "payer_id": PAYER,
            "amount": 150_000,
            "description": "Lệ phí đăng ký khai sinh",
            "return_url": f"/ho-so/{reference}/",
            "actor": f"citizen:{PAYER}",
            **overrides,
        }
        return services.start(reference, **kwargs)

    return _start
