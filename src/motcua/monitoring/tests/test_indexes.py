"""Indexes, colours and the reasons for a colour, from summed counters."""

from __future__ import annotations

from motcua.monitoring.indexes import GREEN, NONE, RED, YELLOW, compute, empty


def _counters(**values: int) -> dict[str, int]:
    return {**empty(), **values}


GOOD = {
    "submitted": 100,
    "online": 90,
    "fully_online": 80,
    "answered": 100,
    "answered_timely": 98,
    "finished": 100,
    "finished_early": 60,
    "finished_on_time": 39,
    "finished_late": 1,
    "results_digital": 95,
    "returned": 100,
    "returned_online": 90,
    "components": 100,
    "components_reused": 60,
    "ratings": 50,
    "rating_points": 240,
    "ratings_satisfied": 48,
}


def test_a_unit_without_dossiers_has_no_colour_and_no_score():
    report = compute(empty())
    assert (report.colour, report.score, report.reasons) == (NONE, None, [])
    assert all(v is None for v in report.indexes.values())


def test_a_unit_meeting_every_threshold_is_green():
    report = compute(_counters(**GOOD))
    assert report.colour == GREEN
    assert report.indexes["progress"] == 99.0
    assert report.details["average_rating"] == 4.8
    assert 90 < (report.score or 0) <= 100


def test_late_dossiers_make_a_unit_red_and_say_so():
    report = compute(_counters(**{**GOOD, "finished_on_time": 10, "finished_late": 30}))
    assert report.colour == RED
    assert report.reasons == [
        {
            "index": "progress",
            "name": "Tiến độ giải quyết",
            "value": 70.0,
            "colour": RED,
            "threshold": 80,
        }
    ]


def test_an_index_at_the_red_threshold_is_yellow_not_red():
    report = compute(_counters(**{**GOOD, "finished_on_time": 20, "finished_late": 20}))
    assert report.indexes["progress"] == 80.0
    assert report.colour == YELLOW


def test_an_index_between_thresholds_makes_the_unit_yellow(settings):
    settings.MONITORING = {
        "THRESHOLDS": {
            "publicity": {"green": 99, "red": 50},
            "progress": {"green": 95, "red": 80},
            "online": {"green": 60, "red": 30},
            "satisfaction": {"green": 90, "red": 70},
            "digitization": {"green": 70, "red": 40},
        }
    }
    report = compute(_counters(**GOOD))
    assert report.colour == YELLOW
    assert [(r["index"], r["threshold"]) for r in report.reasons] == [("publicity", 99)]
