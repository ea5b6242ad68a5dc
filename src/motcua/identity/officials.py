"""The one answer to "may this official act here?" (cán bộ, công chức), read from identity now
rather than from a session: the back office, workflow, edocs, the counter and monitoring all
ask `OfficialRef`, so a role or unit means the same thing everywhere."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from motcua.core.errors import PermissionDenied

from .models import Official

LEADER = "leader"
NOT_AN_OFFICIAL = "Chỉ cán bộ, công chức được giao mới thực hiện được thao tác này."


@dataclass(frozen=True)
class OfficialRef:
    """Who acts: an official's personal ID, agency, roles and the other units they serve
    (`unit_codes`: agency codes such as `01.00070.tthcc`, province or commune codes they
    watch, `VN` for the national monitoring centre)."""

    personal_id: str
    agency_code: str
    roles: tuple[str, ...]
    unit_codes: tuple[str, ...] = ()
    full_name: str = ""

    @property
    def name(self) -> str:
        return self.full_name or self.personal_id

    @property
    def units(self) -> tuple[str, ...]:
        """The agencies where the official acts: their own and those they serve."""
        extra = tuple(u for u in self.unit_codes if "." in u and u != self.agency_code)
        return (self.agency_code, *extra)

    @property
    def home_province(self) -> str:
        """The province of the official's own agency ("" for a national agency)."""
        first = self.agency_code.split(".")[0]
        return first if len(first) == 2 else ""

    @property
    def home_commune(self) -> str:
        """The commune of the official's own agency, when it is a commune's."""
        parts = self.agency_code.split(".")
        return parts[1] if len(parts) == 3 else ""

    def has_role(self, *roles: str) -> bool:
        """Whether the official holds any of `roles` (at their own agency, at least)."""
        return any(r in self.roles for r in roles)

    def holds(self, role: str, unit: str) -> bool:
        """Whether the official holds `role` at the agency `unit` (own or served)."""
        return role in self.roles and unit in self.units

    def holds_any(self, roles: Iterable[str], unit: str) -> bool:
        return any(self.holds(r, unit) for r in roles)

    def is_leader_of(self, unit: str) -> bool:
        return self.holds(LEADER, unit)


def official_ref(personal_id: str, *, refusal: str = NOT_AN_OFFICIAL) -> OfficialRef:
    """The active official with this personal ID, or PermissionDenied (`refusal`) for anyone
    else."""
    official = (
        Official.objects.select_related("account")
        .filter(account__username=personal_id, account__is_active=True)
        .first()
    )
    if official is None:
        raise PermissionDenied(refusal)
    return _ref(official)


def _ref(official: Official) -> OfficialRef:
    return OfficialRef(
        personal_id=official.account.username,
        agency_code=official.agency_code,
        roles=tuple(official.roles),
        unit_codes=tuple(official.unit_codes),
        full_name=official.account.full_name,
    )


def officials_at(unit: str, role: str) -> list[str]:
    """Personal IDs of the active officials holding `role` at `unit` (agency code)."""
    found = Official.objects.select_related("account").filter(account__is_active=True)
    return sorted(ref.personal_id for ref in map(_ref, found) if ref.holds(role, unit))


def role_label(role: str) -> str:
    return dict(Official.Role.choices).get(role, role)
