"""The counters follow the dossiers' history: counted once, in any batch size, and a full
recount from scratch gives exactly the same rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from motcua.dossiers import services as dossiers
from motcua.dossiers.models import DossierEvent
from motcua.monitoring import selectors, services
from motcua.monitoring.models import COUNTERS, DayStat, MonthStat

from .helpers import (
    FATHER,
    OFFICER,
    OTHER_CENTRE,
    WARD,
    WITH_FEE,
    finish,
    submit,
)

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, set[tuple]]:
    return {
        "day": set(
            DayStat.objects.values_list(
                "day", "province", "commune", "sector", "procedure", *COUNTERS
            )
        ),
        "month": set(MonthStat.objects.values_list("month", "province", "commune", *COUNTERS)),
    }


def _ward_totals() -> dict[str, int]:
    today = timezone.localdate()
    return selectors.unit_report(WARD, selectors.period(f"{today:%Y-%m}")).counters


def test_incremental_batches_and_a_full_recompute_agree_exactly(world):
    today = timezone.localdate()
    first = submit()
    services.update(batch=2)
    finish(first, due=today + dt.timedelta(days=3))  # early, e-result
    late = submit(channel="counter")
    services.update(batch=3)
    finish(late, due=today - dt.timedelta(days=2), e_result=False)
    refused = submit(unit=OTHER_CENTRE)
    dossiers.refuse(str(refused.code), actor=OFFICER, reason="Sai thẩm quyền")
    asked = submit()
    dossiers.request_supplement(str(asked.code), actor=OFFICER, reason="Bổ sung ảnh")
    dossiers.answer_supplement(FATHER, str(asked.code), note="Đã bổ sung")
    dossiers.receive(str(asked.code), actor=OFFICER)
    services.update(batch=1)
    withdrawn = submit()
    dossiers.withdraw(FATHER, str(withdrawn.code))
    paid = submit(WITH_FEE)
    dossiers.mark_paid(str(paid.code), actor="system:payments", receipt_number="BL-1")
    dossiers.rate(FATHER, str(first.code), score=5)
    dossiers.rate(FATHER, str(late.code), score=2)
    services.catch_up(batch=4)
    incremental = _snapshot()

    services.recompute(batch=1000)

    assert _snapshot() == incremental
    assert incremental["day"] and incremental["month"]


def test_counts_are_what_happened_to_the_wards_dossiers(world):
    today = timezone.localdate()
    early = submit()
    finish(early, due=today + dt.timedelta(days=3))
    late = submit(channel="counter")
    finish(late, due=today - dt.timedelta(days=1), e_result=False)
    asked = submit()
    dossiers.request_supplement(str(asked.code), actor=OFFICER, reason="Bổ sung")
    dossiers.answer_supplement(FATHER, str(asked.code))
    dossiers.receive(str(asked.code), actor=OFFICER)  # second answer: not counted again
    dossiers.rate(FATHER, str(early.code), score=5)
    dossiers.rate(FATHER, str(late.code), score=3)
    elsewhere = submit(unit=OTHER_CENTRE)

    services.catch_up()

    c = _ward_totals()
    assert (c["submitted"], c["online"], c["fully_online"]) == (3, 2, 2)
    assert (c["answered"], c["answered_timely"], c["received"]) == (3, 3, 3)
    assert (c["finished"], c["finished_early"], c["finished_late"]) == (2, 1, 1)
    assert (c["returned"], c["returned_online"], c["results_digital"]) == (2, 1, 1)
    assert (c["ratings"], c["rating_points"], c["ratings_satisfied"]) == (2, 8, 1)
    report = selectors.unit_report(WARD, selectors.period(f"{today:%Y}"))
    assert report.indexes["progress"] == 50.0
    assert report.indexes["satisfaction"] == 50.0
    saigon = selectors.unit_report("79", selectors.period(f"{today:%Y}"))
    assert saigon.counters["submitted"] == 1
    assert elsewhere.receiving_unit == OTHER_CENTRE
    nation = selectors.unit_report("VN", selectors.period(f"{today:%Y-%m-%d}"))
    assert nation.counters["submitted"] == 4


def test_running_the_job_again_counts_nothing_twice(world):
    submit()
    services.catch_up()
    before = _snapshot()
    report = services.catch_up()
    assert (report.events, report.ratings) == (0, 0)
    assert _snapshot() == before


def test_a_fresh_gap_in_the_history_waits_and_an_old_one_is_passed(world):
    """An id missing between two committed rows may be a transaction still running."""
    services.catch_up()
    one = submit()
    two = submit()
    gap = DossierEvent.objects.filter(dossier=one).order_by("-id").first()
    assert gap is not None
    DossierEvent.objects.filter(pk=gap.pk).delete()  # as if its insert had not committed yet

    report = services.catch_up()
    assert report.waiting_on_gap
    assert _ward_totals()["submitted"] == 0
    assert two.code

    later = services.catch_up(now=timezone.now() + dt.timedelta(minutes=5))
    assert not later.waiting_on_gap
    assert _ward_totals()["submitted"] == 1  # the second dossier; the first lost its row
