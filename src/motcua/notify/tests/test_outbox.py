import pytest

from motcua.notify import services
from motcua.notify.models import OutboxEvent

pytestmark = pytest.mark.django_db


def test_enqueueing_the_same_key_twice_keeps_one_event():
    first = services.enqueue("dossier.submitted", "dossier.submitted:X1", {"code": "X1"})
    again = services.enqueue("dossier.submitted", "dossier.submitted:X1", {"code": "X1"})
    assert first.pk == again.pk
    assert OutboxEvent.objects.count() == 1
    assert [e.key for e in services.pending()] == ["dossier.submitted:X1"]
