"""The dossier's status is what its log says: a dossier of every demo procedure is driven
through its process (straight through, with a supplement, refused, sent back for rework,
withdrawn), then every dossier's history is replayed from the draft, transition by
transition, and must end at the stored status, with the workflow's steps agreeing."""

from __future__ import annotations

import itertools

import pytest

from motcua.catalog import selectors as catalog
from motcua.dossiers import services as dossiers
from motcua.dossiers.models import Dossier, Status
from motcua.workflow import services
from motcua.workflow.models import Task

from .helpers import FATHER, PROVINCE_CENTRE, WARD_CENTRE, official, submitted

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

MARRIAGE = "1.000894"  # the test family is married: the couple registers before that
FORWARD = ("accept", "forward", "approve", "sign", "issue_result")
SCENARIOS = ("straight", "supplement", "refused", "rework", "withdrawn")
EXPECTED = {
    "straight": Status.RETURNED,
    "supplement": Status.RETURNED,
    "refused": Status.REFUSED,
    "rework": Status.RETURNED,
    "withdrawn": Status.WITHDRAWN,
}


class Staff:
    """One official per (unit, role) a step asks for, appointed the first time."""

    def __init__(self) -> None:
        self._by_post: dict[tuple[str, str], services.OfficialRef] = {}
        self._ids = itertools.count(960000)

    def at(self, task: Task) -> services.OfficialRef:
        post = (task.unit, task.role)
        if post not in self._by_post:
            self._by_post[post] = official(f"001080{next(self._ids):06d}", task.unit, task.role)
        return self._by_post[post]


def open_task(dossier: Dossier) -> Task | None:
    return Task.objects.filter(dossier_id=dossier.id, state=Task.State.OPEN).first()


def submit(code: str) -> Dossier:
    from motcua.dossiers.tests.conftest import MOTHER_ID
    from motcua.registries.population.models import Person

    if code == MARRIAGE:
        Person.objects.filter(personal_id__in=[FATHER.subject_id, MOTHER_ID]).update(
            marital_status="single", spouse=None
        )
    unit = WARD_CENTRE if catalog.get_published(code).at_commune else PROVINCE_CENTRE
    dossier = submitted(code, unit)
    if dossier.status == Status.DRAFT:  # the other party confirms on their own account
        dossier = dossiers.answer_party(MOTHER_ID, dossier.draft_ref, confirm=True)
    return dossier


def drive(dossier: Dossier, scenario: str, staff: Staff) -> None:
    """Act on each open step until the process ends, as the scenario says."""
    supplemented = reworked = False
    for _ in range(20):
        task = open_task(dossier)
        if task is None:
            return
        actor = staff.at(task)
        allowed = services.case(actor, dossier.code).actions
        if scenario == "refused":
            services.act(actor, dossier.code, "refuse", reason="Hồ sơ không thuộc thẩm quyền")
            continue
        if scenario == "supplement" and not supplemented:
            services.act(actor, dossier.code, "request_supplement", reason="Bổ sung bản chụp")
            dossiers.answer_supplement(FATHER, dossier.code, note="Đã bổ sung")
            supplemented = True
            continue
        if scenario == "rework" and not reworked and "return_for_rework" in allowed:
            services.act(actor, dossier.code, "return_for_rework", reason="Sai một chi tiết")
            reworked = True
            continue
        if scenario == "withdrawn" and task.step != "receive":
            dossiers.withdraw(FATHER, dossier.code)
            return
        if (
            "consult" in allowed
            and not Task.objects.filter(dossier_id=dossier.id, step="consult").exists()
        ):
            services.act(actor, dossier.code, "consult")
            continue
        action = next(a for a in FORWARD if a in allowed)
        services.act(actor, dossier.code, action)
    raise AssertionError(f"{dossier.code}: the process did not end")


def replay(dossier: Dossier) -> str:
    """The status the history leads to, checking that each row starts where the previous one
    ended and makes a move the lifecycle allows."""
    status = Status.DRAFT
    for event in dossiers.timeline(dossier):
        assert event.from_status == status, (dossier.code, event.seq, event.action)
        bookkeeping = event.to_status == status and event.action in dossiers.SAME_STATUS_ACTIONS
        assert bookkeeping or event.to_status in dossiers.TRANSITIONS[Status(status)], (
            dossier.code,
            event.seq,
            f"{status} → {event.to_status}",
        )
        status = Status(event.to_status)
    return status


def test_replaying_every_demo_dossiers_history_gives_its_stored_status(processes, results):
    staff = Staff()
    # The marriage last: it makes the couple single in the registry for its own sake.
    codes = sorted(
        (v.procedure.code for v in catalog.published()), key=lambda c: (c == MARRIAGE, c)
    )
    # Every procedure a process serves (an integrated service's parent has none: its
    # children, each of a procedure here, are processed).
    codes = [c for c in codes if services.process_for(c) is not None]
    # (That every demo procedure has a process is test_definitions' concern.)
    assert {"1.001193", "3.000333", "1.013831", "2.001583", MARRIAGE} <= set(codes)
    expected: dict[str, Status] = {}
    for n, code in enumerate(codes):
        dossier = submit(code)
        assert dossier.code, code
        scenario = SCENARIOS[n % len(SCENARIOS)]
        drive(dossier, scenario, staff)
        expected[dossier.code] = EXPECTED[scenario]

    stored = {d.code: d for d in Dossier.objects.exclude(code=None)}
    assert set(stored) == set(expected)
    for code, dossier in stored.items():
        assert dossier.status == expected[code], code
        assert replay(dossier) == dossier.status, code
        assert dossiers.replay_status(dossier) == dossier.status, code
        # The workflow agrees: a step is open exactly while the dossier waits on an official.
        finished = dossier.status in (Status.RETURNED, Status.REFUSED, Status.WITHDRAWN)
        assert (open_task(dossier) is None) == finished, code
    # Every result was signed by the leader of the step that signs.
    assert len(results()) == sum(s == Status.RETURNED for s in expected.values())
