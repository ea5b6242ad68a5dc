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
    SIMPLE,
    WARD,
    WARD_CENTRE,
    WITH_FEE,
    digitize,
    finish,
    submit,
)

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


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

    services.recompute()

    assert _snapshot() == incremental
    assert incremental["day"] and incremental["month"]
    # The judged reports: both communes, their provinces and the nation, per month,
    # quarter and year (the same in both runs, checked above).
    units = {row[3] for row in incremental["reports"]}
    assert {WARD, "01", "79", "VN"} <= units
    assert {row[0] for row in incremental["reports"]} == {"month", "quarter", "year"}


def _move(dossier, submitted: dt.datetime, gap: dt.timedelta, scan: dt.timedelta) -> None:
    """Put a dossier's whole history at another time: its n-th row `n * gap` after the
    submission, its files uploaded at the submission, its counter scan `scan` from the
    submission, its e-result with the result (a minute after it, for a gap over 3 days):
    equal times are the edges where `<=` and `<` differ."""
    from motcua.dossiers.models import Digitization, Dossier, DossierFile, Rating
    from motcua.results.models import ResultDocument

    events = list(DossierEvent.objects.filter(dossier=dossier).order_by("seq"))
    submit_seq = next(e.seq for e in events if e.action == "submitted")
    for event in events:
        at = submitted + (event.seq - submit_seq) * gap
        DossierEvent.objects.filter(pk=event.pk).update(at=at)
        if event.action == "result_ready":
            shift = dt.timedelta(minutes=1 if gap > dt.timedelta(days=3) else 0)
            ResultDocument.objects.filter(dossier_code=dossier.code).update(issued_at=at + shift)
    Dossier.objects.filter(pk=dossier.pk).update(submitted_at=submitted)
    DossierFile.objects.filter(dossier=dossier).update(uploaded_at=submitted)
    Digitization.objects.filter(dossier=dossier).update(digitized_at=submitted + scan)
    Rating.objects.filter(dossier=dossier).update(
        rated_at=submitted + len(events) * gap + dt.timedelta(hours=1)
    )


def _upload(dossier, position: int, at: dt.datetime) -> None:
    from motcua.dossiers.models import DossierFile

    row = DossierFile.objects.create(
        dossier=dossier,
        component_position=position,
        name="a.pdf",
        mime="application/pdf",
        size=1,
        sha256="0" * 64,
        file="test/a.pdf",
        uploaded_by=FATHER.actor_id,
    )
    DossierFile.objects.filter(pk=row.pk).update(uploaded_at=at)


def test_the_sql_recount_follows_the_job_across_days_hours_and_holidays(world):
    """The job's windows of ids and the recount of every id (one rule set, `counting.py`)
    agree on answers timely or not (the cut-off hour, weekends, Tết), results on time
    or late, e-results issued before or after, scans before or after the submission."""
    from motcua.core.calendar import VN_TZ

    def local(*args: int) -> dt.datetime:
        return dt.datetime(*args, tzinfo=VN_TZ)

    a = submit(channel="counter", scanned=True)
    finish(a, due=dt.date(2026, 2, 25))
    b = submit(channel="counter", scanned=True)
    finish(b, due=dt.date(2026, 5, 5), e_result=False)
    c = submit(channel="assisted")
    dossiers.request_supplement(str(c.code), actor=OFFICER, reason="Bổ sung")
    dossiers.answer_supplement(FATHER, str(c.code))
    dossiers.receive(str(c.code), actor=OFFICER)
    d = submit(unit=OTHER_CENTRE)
    dossiers.refuse(str(d.code), actor=OFFICER, reason="Sai thẩm quyền")
    e = submit(WITH_FEE)
    dossiers.mark_paid(str(e.code), actor="system:payments", receipt_number="BL-2")
    finish(e, due=dt.date(2026, 11, 25))  # its result comes a fortnight later: late
    f = submit()
    dossiers.receive(str(f.code), actor=OFFICER)
    draft = dossiers.create_draft(FATHER, SIMPLE, WARD_CENTRE, {})
    dossiers.withdraw(FATHER, draft.reference)  # a draft dropped: not counted
    dossiers.rate(FATHER, str(a.code), score=4)
    dossiers.rate(FATHER, str(e.code), score=1)
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    _move(a, local(2026, 2, 13, 17, 30), 3 * day, 0 * hour)  # after the cut-off, before Tết
    _move(b, local(2026, 5, 2, 9, 0), 1 * day, hour)  # a Saturday; scanned afterwards
    _upload(a, 1, local(2026, 2, 13, 17, 30))  # with the submission: counted
    _upload(b, 1, local(2026, 5, 2, 8, 0))
    _upload(b, 2, local(2026, 5, 2, 10, 0))  # after it: not counted
    _move(c, local(2026, 9, 1, 16, 59), 2 * hour, hour)  # National Day holidays
    _move(d, local(2025, 12, 31, 23, 50), 20 * dt.timedelta(minutes=1), hour)  # new year
    _move(e, local(2026, 11, 20, 8, 0), 4 * day, hour)  # answered 4 days later: late
    # At the cut-off hour, answered on the last timely day (a day later than before it).
    _move(f, local(2026, 11, 23, 17, 0), 3 * day, hour)

    services.catch_up(batch=3)
    incremental = _snapshot()
    services.recompute()

    assert _snapshot() == incremental
    months = {row[0] for row in incremental["month"]}
    assert len(months) >= 5
    totals = {
        name: sum(row[3 + i] for row in incremental["month"]) for i, name in enumerate(COUNTERS)
    }
    assert 0 < totals["answered_timely"] < totals["answered"]
    assert 0 < totals["walk_in_digitized"] < totals["walk_in"]
    assert totals["finished_late"] and totals["finished_early"] + totals["finished_on_time"]
    assert 0 < totals["results_digital"] < totals["finished"]
    assert totals["components"] == totals["components_reused"] + 2


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


def test_a_row_still_uncommitted_during_a_recompute_is_counted_when_it_commits(world):
    """The recompute stops its high-water mark before a fresh gap, not on the missing id,
    so the job counts that row once its transaction commits."""
    one = submit()
    submit()
    late = DossierEvent.objects.filter(dossier=one, action="submitted").get()
    DossierEvent.objects.filter(pk=late.pk).delete()  # its insert not committed yet

    report = services.recompute()
    assert report.waiting_on_gap
    assert _ward_totals()["submitted"] == 0

    late.save(force_insert=True)  # the transaction commits, with the id it was given
    services.catch_up(now=timezone.now() + dt.timedelta(minutes=5))

    assert _ward_totals()["submitted"] == 2


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


def test_the_commands_count_and_count_again_the_same(world):
    from io import StringIO

    from django.core.management import call_command

    submit()
    out = StringIO()
    call_command("monitoring_update", stdout=out)
    assert "sự kiện" in out.getvalue()
    assert _ward_totals()["submitted"] == 1

    call_command("monitoring_recompute", stdout=out)

    assert _ward_totals()["submitted"] == 1
    assert out.getvalue().count("sự kiện") == 2
