"""The development gateway: each SMS is appended to VAR_DIR/sms.log and logged, nothing is sent."""

from __future__ import annotations

import logging
import threading
import uuid

from django.conf import settings
from django.utils import timezone

from . import register

logger = logging.getLogger("motcua.notify.sms")
_write_lock = threading.Lock()


class ConsoleProvider:
    id = "console"
    name = "Ghi ra tệp var/sms.log (môi trường phát triển)"
    dev_only = True

    def send(self, phone: str, text: str) -> str:
        message_id = uuid.uuid4().hex
        path = settings.VAR_DIR / "sms.log"
        line = f"{timezone.now().isoformat()}\t{message_id}\t{phone}\t{' '.join(text.split())}\n"
        with _write_lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(line)
        logger.info("SMS to %s: %s", phone, text)
        return message_id


register(ConsoleProvider())
