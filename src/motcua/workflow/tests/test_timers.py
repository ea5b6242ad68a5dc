"""The periodic job: late steps, escalation to the unit's leader, apology letters; twice
changes nothing more."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from motcua.core.calendar import default_calendar
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests.conftest import PARENT_ID
from motcua.wallet.models import InboxMessage, WalletDocument
from motcua.workflow import services
from motcua.workflow.models import ApologyLetter, Task

from .helpers import WARD_CENTRE, WARD_UBND, official, submitted

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def overdue(processes):
    """A received birth dossier whose processing step and due date passed days ago."""
    officer = official("001080900051", WARD_CENTRE, "one_stop_officer")
    clerk = official("001180900052", WARD_UBND, "specialist")
    chairman = official("001075900053", WARD_UBND, "leader")
    dossier = submitted()
    services.act(officer, dossier.code, "accept")
    task = Task.objects.get(dossier_id=dossier.id, state="open")
    services.claim(clerk, task.id)
    now = timezone.now()
    calendar = default_calendar()
    past = now - dt.timedelta(days=7)
    while not calendar.is_working_day(past.date()):
        past -= dt.timedelta(days=1)
    Task.objects.filter(pk=task.pk).update(due_at=past)
    Dossier.objects.filter(pk=dossier.pk).update(due_date=past.date())
    return dossier, task, clerk, chairman, now


def test_tick_marks_a_task_late_once_and_apologises_once(overdue):
    dossier, task, clerk, chairman, now = overdue
    first = services.tick(now)
    assert (first.late, first.escalated, first.apologies) == (1, 1, 1)
    task.refresh_from_db()
    assert task.late and task.escalated
    assert InboxMessage.objects.filter(recipient_id=clerk.personal_id).count() == 1
    assert InboxMessage.objects.filter(recipient_id=chairman.personal_id).count() == 1
    letter = ApologyLetter.objects.get()
    assert letter.dossier_code == dossier.code and letter.new_date > now.date()
    assert letter.signed and letter.signer == chairman.personal_id
    assert letter.pdf.read().startswith(b"%PDF")
    assert WalletDocument.objects.filter(owner_id=PARENT_ID, title__contains="xin lỗi").exists()
    assert InboxMessage.objects.filter(recipient_id=PARENT_ID, title__contains="xin lỗi").count()

    second = services.tick(now)
    assert (second.late, second.escalated, second.apologies) == (0, 0, 0)
    assert ApologyLetter.objects.count() == 1
    assert InboxMessage.objects.filter(title__contains="xin lỗi").count() == 1


def test_a_task_not_yet_due_is_left_alone(processes):
    official("001080900061", WARD_CENTRE, "one_stop_officer")
    submitted()
    assert services.tick().late == 0
    assert not Task.objects.filter(late=True).exists()


def test_the_tick_command_runs_once(overdue):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("workflow_tick", stdout=out)
    assert "thư xin lỗi" in out.getvalue()
