"""The counters follow the dossiers' history: counted once, in any batch size, and a full
recount from scratch gives exactly the same rows."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from motcua.dossiers import services as dossiers
from motcua.dossiers.models import DossierEvent
from motcua.monitoring import selectors, services
from motcua.monitoring.models import COUNTERS, DayStat, MonthStat, UnitReport

from .helpers import (
    FATHER,
    OFFICER,
    OTHER_CENTRE,
    WARD,
    WITH_FEE,
    digitize,
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
        "reports": {
            tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v for v in row)
            for row in UnitReport.objects.values_list(
                "kind",
                "first",
                "level",
                "unit",
                "province",
                *COUNTERS,
                "score",
                "colour",
                "indexes",
                "details",
                "colours",
                "reasons",
            )
        },
    }


def _ward_totals() -> dict[str, int]:
    today = timezone.localdate()
    return selectors.unit_report(WARD, selectors.period(f"{today:%Y-%m}")).counters


def test_incremental_batches_and_a_full_recompute_agree_exactly(world):
    today = timezone.localdate()
    first = submit()
    services.update(batch=2)
    finish(first, due=today + dt.timedelta(days=3))  # early, e-result
    late = submit(channel="counter", scanned=True)
    services.update(batch=3)
    submit(channel="counter")
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
    # The judged reports: both communes, their provinces and the nation, per month,
    # quarter and year (the same in both runs, checked above).
    units = {row[3] for row in incremental["reports"]}
    assert {WARD, "01", "79", "VN"} <= units
    assert {row[0] for row in incremental["reports"]} == {"month", "quarter", "year"}


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


def test_walk_in_dossiers_count_as_digitized_when_the_counter_scanned_them(world):
    """Issue 11: the share of walk-in dossiers digitized comes from the counter intake's
    digitization records, judged at the submission."""
    today = timezone.localdate()
    submit(channel="counter", scanned=True)
    submit(channel="counter")  # nothing scanned
    late_scan = submit(channel="counter")
    digitize(late_scan)  # recorded after the submission: not digitized at receipt
    submit(scanned=True)  # online: not a walk-in
    submit(channel="assisted")

    services.catch_up()

    report = selectors.unit_report(WARD, selectors.period(f"{today:%Y-%m}"))
    c = report.counters
    assert (c["submitted"], c["online"], c["assisted"]) == (5, 1, 1)
    assert (c["walk_in"], c["walk_in_digitized"]) == (3, 1)
    assert report.details["walk_in_digitized_share"] == 33.3
    assert report.details["online_share"] == 20.0
    # The digitization index is the mean of the shares it has: e-results and reuse have
    # no dossier to count yet, registry reuse does.
    assert report.details["results_digital_share"] is None
    expected = round((report.details["reuse_share"] + 33.3) / 2, 1)
    assert report.indexes["digitization"] == expected


def test_the_judged_reports_are_built_on_the_first_run_after_they_appear(world):
    """Counters counted before the reports table existed are judged on the job's next run,
    not only the units that run touches."""
    today = timezone.localdate()
    submit()
    services.catch_up()
    UnitReport.objects.all().delete()
    services.Cursor.objects.filter(source=services.REPORTS).delete()
    month = selectors.period(f"{today:%Y-%m}")
    assert not selectors.stored(month)
    assert selectors.unit_report(WARD, month).counters["submitted"] == 1  # on the fly

    submit(unit=OTHER_CENTRE)
    services.catch_up()

    assert selectors.stored(month)
    assert selectors.unit_report(WARD, month).counters["submitted"] == 1
    assert selectors.unit_report("VN", month).counters["submitted"] == 2


def test_new_thresholds_apply_to_the_kept_reports_once_they_are_judged_again(world, settings):
    today = timezone.localdate()
    finish(submit(), due=today - dt.timedelta(days=2))  # late: progress 0%
    services.catch_up()
    month = selectors.period(f"{today:%Y-%m}")
    assert selectors.unit_report(WARD, month).colour == "red"
    lenient = {key: {"green": 0, "red": 0} for key in ("publicity", "progress", "online")}
    lenient |= {key: {"green": 0, "red": 0} for key in ("satisfaction", "digitization")}
    settings.MONITORING = {"THRESHOLDS": lenient}
    assert selectors.unit_report(WARD, month).colour == "red"  # kept as judged

    services.rebuild_reports()

    assert selectors.unit_report(WARD, month).colour == "green"
    assert selectors.unit_report("VN", month).reasons == []
