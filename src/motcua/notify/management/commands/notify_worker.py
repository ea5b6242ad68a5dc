from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection

from motcua.notify import services


class Command(BaseCommand):
    help = (
        "Gửi thông báo từ hàng đợi sự kiện (outbox) cho đến khi dừng. "
        "Dispatch outbox events and deliver notifications until stopped (SIGTERM/SIGINT)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="deliver what is due now, then exit"
        )
        parser.add_argument(
            "--interval", type=float, default=5.0, help="seconds to wait when idle (default 5)"
        )
        parser.add_argument("--batch", type=int, default=100, help="events per batch")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
        interval = max(0.1, float(options["interval"]))
        verbose = int(options.get("verbosity", 1))
        while not stop.is_set():
            _refresh_connections()
            try:
                report = services.dispatch(batch=options["batch"])
            finally:
                _refresh_connections()
            if report.did_work and verbose:
                self.stdout.write(str(report))
            if report.full:
                continue  # more is due: the next batch at once
            if options["once"]:
                break
            stop.wait(interval)
        if verbose:
            self.stdout.write("notify_worker: stopped")


def _refresh_connections() -> None:
    """A long-lived worker drops broken or expired connections between batches (not when run
    inside a caller's transaction, as in tests)."""
    if not connection.in_atomic_block:
        close_old_connections()
