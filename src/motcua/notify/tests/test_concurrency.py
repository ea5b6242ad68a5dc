"""Several dispatchers at once on PostgreSQL: each event reaches each address once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection, connections

from motcua.notify import services
from motcua.notify.models import Delivery
from motcua.wallet.models import InboxMessage

from .conftest import PERSON_ID, announce


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_deliver_each_event_once(make_dossier, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    services.set_address(PERSON_ID, email="an@example.vn", email_verified=True, actor="test")
    events = 30
    for _ in range(events):
        announce(make_dossier(), "received")

    sends: Counter[tuple[int, str, str]] = Counter()
    lock = threading.Lock()
    channels = dict(services.CHANNELS)

    def counted(channel: str):
        def send(delivery: Delivery) -> None:
            with lock:
                sends[(delivery.event_id, delivery.channel, delivery.recipient)] += 1
            channels[channel](delivery)

        return send

    for channel in channels:
        monkeypatch.setitem(services.CHANNELS, channel, counted(channel))

    workers = 4
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            while services.dispatch(batch=4).did_work:
                pass
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(sends) == 2 * events and set(sends.values()) == {1}
    assert Delivery.objects.filter(state=Delivery.State.SENT, attempts=1).count() == 2 * events
    assert InboxMessage.objects.filter(recipient_id=PERSON_ID).count() == events
    assert len(mail.outbox) == events
    assert services.pending() == []
