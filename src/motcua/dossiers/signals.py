"""Signals other apps of the process layer listen to (workflow creates its tasks from them).
Sent inside the transaction of the change, so a listener's writes commit or roll back with it."""

from django.dispatch import Signal

# Sent after every history row: sender=Dossier, dossier=..., event=DossierEvent.
dossier_event = Signal()
