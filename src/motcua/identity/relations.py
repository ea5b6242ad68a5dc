"""Who a person may act for, read from the national registries through `exchange` (identity
never reads registry tables): children (population), enterprises represented (enterprise).
Identity is a registered consumer with a grant for the purpose `identity.acting_for`.

The exchange sits a layer above identity (`.importlinter`), so identity does not import it: the
exchange plugs its reader in when it starts (`connect_reader`, from its AppConfig.ready) and
collects identity's declared needs (`declared_needs`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

CONSUMER = "motcua-identity"
PURPOSE_ACTING = "identity.acting_for"
PURPOSE_VERIFY = "identity.verification"
# What identity reads (its grants are declared by the data owners in exchange/grants.toml).
SERVICES = {
    "population.person.children": [PURPOSE_ACTING],
    "population.person.basic": [PURPOSE_ACTING, PURPOSE_VERIFY],
    "enterprise.by_representative": [PURPOSE_ACTING],
    "civil_status.guardianship.wards": [PURPOSE_ACTING],
    "enterprise.by_code": [PURPOSE_ACTING],
}
ADULT_AGE = 18

# (consumer, service, purpose, subject, requester) -> the record, or None for an unknown subject
RegistryReader = Callable[[str, str, str, str, str], dict[str, Any] | None]
_reader: RegistryReader | None = None


def connect_reader(reader: RegistryReader) -> None:
    """The exchange's way in: every registry read of identity goes through `reader`."""
    global _reader
    _reader = reader


def declared_needs() -> Iterator[tuple[str, str, str]]:
    """What identity reads, as (consumer, service, purpose), for the exchange's check against
    the data owners' grants."""
    for service, purposes in SERVICES.items():
        for purpose in purposes:
            yield CONSUMER, service, purpose


@dataclass(frozen=True)
class Related:
    """A subject someone may act for, and on which basis."""

    subject_id: str
    name: str
    basis: str  # Acting.Basis value
    birth_date: dt.date | None = None


def _call(service: str, subject: str, purpose: str = PURPOSE_ACTING) -> dict[str, Any] | None:
    if _reader is None:
        raise ImproperlyConfigured("identity reads the registries through motcua.exchange.")
    # On behalf of the person read about (their own login's checks); an enterprise code is
    # read by identity itself.
    who = f"citizen:{subject}" if len(subject) == 12 else f"system:{CONSUMER}"
    return _reader(CONSUMER, service, purpose, subject, who)


def is_minor(birth_date: dt.date | None, today: dt.date | None = None) -> bool:
    if birth_date is None:
        return False
    today = today or timezone.localdate()
    age = (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )
    return age < ADULT_AGE


def minor_children(personal_id: str) -> list[Related]:
    data = _call("population.person.children", personal_id) or {}
    out = []
    for child in data.get("children", []):
        birth = dt.date.fromisoformat(child["birth_date"]) if child.get("birth_date") else None
        if child.get("status", "alive") == "alive" and is_minor(birth):
            out.append(Related(child["personal_id"], child["full_name"], "parent", birth))
    return out


def wards(personal_id: str) -> list[Related]:
    """Living wards under this person's guardianship (civil status registry)."""
    data = _call("civil_status.guardianship.wards", personal_id) or {}
    return [
        Related(
            w["personal_id"],
            w["full_name"],
            "guardian",
            dt.date.fromisoformat(w["birth_date"]) if w.get("birth_date") else None,
        )
        for w in data.get("wards", [])
        if w.get("status", "alive") == "alive"
    ]


def represented_enterprises(personal_id: str) -> list[Related]:
    data = _call("enterprise.by_representative", personal_id) or {}
    return [
        Related(e["code"], e["name"], "legal_representative")
        for e in data.get("enterprises", [])
        if e.get("status") != "dissolved"
    ]


def relatives(personal_id: str) -> list[Related]:
    """Everyone this person may act for by a registry relationship."""
    return [
        *minor_children(personal_id),
        *wards(personal_id),
        *represented_enterprises(personal_id),
    ]


def registry_person(personal_id: str, purpose: str = PURPOSE_ACTING) -> dict[str, Any] | None:
    return _call("population.person.basic", personal_id, purpose)


def registry_enterprise(code: str) -> dict[str, Any] | None:
    return _call("enterprise.by_code", code)
