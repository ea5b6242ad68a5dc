import pytest


@pytest.fixture(autouse=True)
def _fresh_exchange_policy():
    """Start each test with the exchange's in-process policy cache empty. (A consumer looked
    up before it was registered stays cached as missing; reported to the exchange owner.)"""
    from motcua.exchange import policy

    if hasattr(policy, "_cached"):
        policy._cached = None
    yield
