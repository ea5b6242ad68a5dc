"""Service quality indexes (chỉ số phục vụ người dân, doanh nghiệp) computed from the
counters, following the index set of Decision 766/QĐ-TTg of 23 June 2022 ("Bộ chỉ số chỉ đạo,
điều hành và đánh giá chất lượng phục vụ người dân, doanh nghiệp trong thực hiện thủ tục
hành chính, dịch vụ công theo thời gian thực trên môi trường điện tử"). The Decision has five
groups with these maximum points: publicity and transparency 18, progress and results 20,
digitization 22, online service 22, satisfaction 18 (total 100).

Counters (models.Counters), each counted on the day (Asia/Ho_Chi_Minh) of its event, for the
receiving unit (commune or province, from the agency code) and the procedure:

- submitted: the first submission of a dossier (history row `submitted` from `draft`);
  online / assisted: of those, channel `online` / `assisted` (digital help at a counter);
  walk_in: of those, channel `counter` (received at a counter, issue 11);
  walk_in_digitized: of the walk-ins, those with at least one component digitized at the
  counter (`dossiers.models.Digitization`, kind `component`) no later than the submission.
  The counter intake scans while the dossier is a draft, so every scan of a walk-in dossier
  predates its `submitted` row; the rule compares `digitized_at` with that row's time
  rather than asking whether a record exists when the job runs, so the incremental job and
  `recompute` agree whenever they run.
  fully_online: channel `online` and the procedure version's online level `full`;
  fee_required: fee above zero.
- components / components_reused: at submission, the components held electronically
  (distinct component positions with a file uploaded before the submission, plus registry
  records) and, of those, the ones a registry record replaced (`ComponentRecord`).
- answered / answered_timely: the office's first answer after submission (`received`,
  `refused` or `supplement_requested` from `submitted`), and of those the answers given no
  later than one working day after the submission's counting day.
- received, refused, withdrawn: those history rows.
- finished: `result_ready`; finished_early / finished_on_time / finished_late: its day before,
  on, after the dossier's due date; results_digital: finished with an electronic result
  (`ResultDocument`) issued by then.
- returned / returned_online: `returned`, and of those with an electronic result issued by
  then (delivered to the applicant's e-wallet).
- paid / paid_online: the fee paid (`paid`), and of those paid through the online payment
  platform (actor `system:payments`).
- ratings / rating_points / ratings_satisfied: ratings (1 to 5) on the day given, their
  points, and those of 4 or 5.

Indexes (percent; None when the denominator is zero, so a unit is never judged on nothing):

1. publicity (Công khai, minh bạch, 766 group 1): answered_timely / answered. The Decision
   scores publishing procedures on the national procedure database on time and publishing
   each dossier's progress on the national portal. MotCua publishes every dossier's progress
   by construction (the look-up page by code), so what varies is how soon the office's
   answer becomes visible to the applicant. Publication of procedures on time is left out:
   MotCua has no deadlines for publishing procedures.
2. progress (Tiến độ, kết quả giải quyết, group 2): (finished_early + finished_on_time) /
   (finished_early + finished_on_time + finished_late); early and late shares shown beside.
3. online (Cung cấp dịch vụ trực tuyến, group 4): the mean of the available shares
   online / submitted, fully_online / submitted, returned_online / returned,
   paid_online / paid. The share of procedures offered online (a catalog figure, not a
   dossier figure) is left out.
4. satisfaction (Mức độ hài lòng, group 5): ratings_satisfied / ratings; the average score
   (rating_points / ratings) is shown beside. Handling of citizens' reports (feedback app)
   is left out until that app publishes its figures.
5. digitization (Số hóa hồ sơ, group 3): the mean of the available shares
   results_digital / finished, components_reused / components and walk_in_digitized /
   walk_in (the Decision's share of dossiers digitized at receipt). Online and assisted
   dossiers arrive as files, but a walk-in dossier is digitized only if the officer scanned
   what the person brought: the counter intake records that (`Digitization`), so the share
   is counted from those records, never from a form filled in by hand. Dossiers received
   outside MotCua are not known to it.

score = sum(weight × index) / sum(weight) over the indexes that have a value, weights the
Decision's maximum points (18, 20, 22, 22, 18), so 0 to 100.

Colour (settings.MONITORING["THRESHOLDS"], per index "green" and "red"): an index is GREEN at
or above its green threshold, RED below its red threshold, YELLOW between. A unit is RED
when any index is RED (the reasons: those indexes), GREEN when every index with a value is
GREEN, otherwise YELLOW (the reasons: the indexes below green); "none" without any value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from .models import COUNTERS

GREEN, YELLOW, RED, NONE = "green", "yellow", "red", "none"
COLOUR_LABELS = {GREEN: "Xanh", YELLOW: "Vàng", RED: "Đỏ", NONE: "Chưa có dữ liệu"}

# (key, Vietnamese name, weight: the Decision's maximum points)
INDEXES: tuple[tuple[str, str, int], ...] = (
    ("publicity", "Công khai, minh bạch", 18),
    ("progress", "Tiến độ giải quyết", 20),
    ("online", "Dịch vụ trực tuyến", 22),
    ("satisfaction", "Mức độ hài lòng", 18),
    ("digitization", "Số hóa hồ sơ", 22),
)
INDEX_NAMES = {key: name for key, name, _w in INDEXES}

DEFAULTS: dict[str, Any] = {
    "THRESHOLDS": {
        "publicity": {"green": 90, "red": 60},
        "progress": {"green": 95, "red": 80},
        "online": {"green": 60, "red": 30},
        "satisfaction": {"green": 90, "red": 70},
        "digitization": {"green": 70, "red": 40},
    },
    # Open data: a count below this, and an index on fewer dossiers, is not published.
    "SUPPRESS_BELOW": 10,
    # The incremental job's batch size and how long a gap in the ids may stay open before
    # it is taken for a rolled-back insert rather than a transaction still running.
    "BATCH": 5000,
    "GAP_GRACE_SECONDS": 60,
}


def conf(key: str) -> Any:
    return {**DEFAULTS, **getattr(settings, "MONITORING", {})}[key]


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 1) if present else None


@dataclass
class Report:
    """Counters, indexes, colour and reasons of one unit over one period."""

    counters: dict[str, int]
    indexes: dict[str, float | None]
    details: dict[str, float | None]
    score: float | None
    colour: str
    reasons: list[dict[str, Any]] = field(default_factory=list)
    colours: dict[str, str] = field(default_factory=dict)

    @property
    def colour_label(self) -> str:
        return COLOUR_LABELS[self.colour]

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Each index with its name, weight, value and colour, in the Decision's order."""
        out = []
        for key, name, weight in INDEXES:
            colour = self.colours.get(key, NONE)
            out.append(
                {
                    "key": key,
                    "name": name,
                    "weight": weight,
                    "value": self.indexes[key],
                    "colour": colour,
                    "colour_label": COLOUR_LABELS[colour],
                }
            )
        return out


def empty() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


def compute(
    counters: Mapping[str, int | None], thresholds: Mapping[str, Any] | None = None
) -> Report:
    """The indexes, score, colour and reasons of summed counters (`thresholds`: the
    settings' when None; pass them in when judging thousands of units)."""
    c = {name: int(counters.get(name) or 0) for name in COUNTERS}
    judged = c["finished_early"] + c["finished_on_time"] + c["finished_late"]
    details = {
        "online_share": _share(c["online"], c["submitted"]),
        "assisted_share": _share(c["assisted"], c["submitted"]),
        "fully_online_share": _share(c["fully_online"], c["submitted"]),
        "results_online_share": _share(c["returned_online"], c["returned"]),
        "online_payment_share": _share(c["paid_online"], c["paid"]),
        "early_share": _share(c["finished_early"], judged),
        "late_share": _share(c["finished_late"], judged),
        "results_digital_share": _share(c["results_digital"], c["finished"]),
        "reuse_share": _share(c["components_reused"], c["components"]),
        "walk_in_share": _share(c["walk_in"], c["submitted"]),
        "walk_in_digitized_share": _share(c["walk_in_digitized"], c["walk_in"]),
        "average_rating": round(c["rating_points"] / c["ratings"], 2) if c["ratings"] else None,
    }
    indexes = {
        "publicity": _share(c["answered_timely"], c["answered"]),
        "progress": _share(c["finished_early"] + c["finished_on_time"], judged),
        "online": _mean(
            [
                details["online_share"],
                details["fully_online_share"],
                details["results_online_share"],
                details["online_payment_share"],
            ]
        ),
        "satisfaction": _share(c["ratings_satisfied"], c["ratings"]),
        "digitization": _mean(
            [
                details["results_digital_share"],
                details["reuse_share"],
                details["walk_in_digitized_share"],
            ]
        ),
    }
    weights = {key: weight for key, _n, weight in INDEXES}
    present = {k: v for k, v in indexes.items() if v is not None}
    score = (
        round(sum(weights[k] * v for k, v in present.items()) / sum(weights[k] for k in present), 1)
        if present
        else None
    )
    thresholds = thresholds or conf("THRESHOLDS")
    colour, reasons, colours = judge(indexes, thresholds)
    return Report(c, indexes, details, score, colour, reasons, colours)


def index_colour(key: str, value: float | None, thresholds: Mapping[str, Any]) -> str:
    if value is None:
        return NONE
    limits = thresholds[key]
    if value >= limits["green"]:
        return GREEN
    return RED if value < limits["red"] else YELLOW


def judge(
    indexes: Mapping[str, float | None], thresholds: Mapping[str, Any]
) -> tuple[str, list[dict[str, Any]], dict[str, str]]:
    """The unit's colour, the indexes that made it so, and each index's colour."""
    colours = {key: index_colour(key, value, thresholds) for key, value in indexes.items()}
    if all(c == NONE for c in colours.values()):
        return NONE, [], colours
    worst = RED if RED in colours.values() else YELLOW if YELLOW in colours.values() else GREEN
    reasons = [
        {
            "index": key,
            "name": INDEX_NAMES[key],
            "value": indexes[key],
            "colour": colours[key],
            "threshold": thresholds[key]["red" if worst == RED else "green"],
        }
        for key, _n, _w in INDEXES
        if colours[key] == worst and worst != GREEN
    ]
    return worst, reasons, colours
