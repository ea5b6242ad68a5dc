"""Register numbers under concurrency (PostgreSQL): documents sent at the same moment by one
agency get 1..n with no gap and no number twice."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from motcua.edocs import services
from motcua.edocs.models import RegisterEntry

from .conftest import draft, me


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_get_gap_free_unique_numbers_on_postgresql(hanoi, hcmc):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    leader = me(hanoi.leader)
    services.ensure_agency_key(hanoi.agency)
    services.ensure_agency_key(hcmc.agency)
    count = 6
    numbers, errors = [], []
    barrier = threading.Barrier(count)

    def go(n: int) -> None:
        try:
            barrier.wait()
            # One of them fails after taking its number: the number must come back.
            extra = {"main_pdf": b"not a pdf"} if n == 0 else {}
            numbers.append(
                services.send(leader, draft([hcmc.agency], hanoi.leader, **extra)).number
            )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 1 and "PDF" in str(errors[0])
    assert sorted(numbers) == list(range(1, count))
    book = RegisterEntry.objects.filter(agency_code=hanoi.agency, book="out")
    assert sorted(book.values_list("number", flat=True)) == list(range(1, count))
