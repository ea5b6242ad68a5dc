"""Who sees which monitoring page: an official sees the units of their agency (a province's
agency: the province and its communes; a commune's: that commune) and the provinces or
communes listed in their `unit_codes`; `VN` in `unit_codes` with the `monitor` role is the
national centre. Readiness is updated by a commune's own officials and verified by the
province's (roles leader, monitor or admin)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from motcua.core.errors import NotFound, PermissionDenied
from motcua.identity import officials
from motcua.identity.officials import OfficialRef
from motcua.units import selectors as units

if TYPE_CHECKING:
    from motcua.units.models import Commune

NATIONAL = "VN"
STEERING_ROLES = frozenset({"leader", "monitor", "admin"})


@dataclass(frozen=True)
class Viewer:
    personal_id: str
    roles: tuple[str, ...]
    provinces: frozenset[str]
    communes: frozenset[str]
    national: bool = False
    # Units the official works at (not merely watches): their agency's.
    home_province: str = ""
    home_commune: str = ""
    official: OfficialRef | None = None

    def can_see(self, code: str) -> bool:
        if self.national:
            return True
        if len(code) == 2:
            return code in self.provinces
        if code in self.communes:
            return True
        try:
            return units.get_commune(code).province_id in self.provinces
        except NotFound:
            return False

    def may_update_readiness(self, commune: str, province: str) -> bool:
        return self._steers() and self.home_commune == commune

    def may_verify_readiness(self, province: str) -> bool:
        return self._steers() and not self.home_commune and self.home_province == province

    def _steers(self) -> bool:
        """A leader, monitor or administrator of their own agency (identity's one check)."""
        return self.official is not None and self.official.has_role(*STEERING_ROLES)

    @property
    def home(self) -> str:
        """The page an official lands on."""
        if self.national:
            return NATIONAL
        return self.home_commune or self.home_province


def viewer_for(personal_id: str) -> Viewer:
    """The official's view, or PermissionDenied for anyone who is not an official."""
    ref = officials.official_ref(personal_id)
    home_province, home_commune = ref.home_province, ref.home_commune
    provinces = {home_province} if home_province and not home_commune else set()
    communes = {home_commune} if home_commune else set()
    for code in ref.unit_codes:
        if len(code) == 2 and code.isdigit():
            provinces.add(code)
        elif len(code) == 5 and code.isdigit():
            communes.add(code)
    national = NATIONAL in ref.unit_codes and ref.has_role("monitor")
    return Viewer(
        personal_id=ref.personal_id,
        roles=ref.roles,
        provinces=frozenset(provinces),
        communes=frozenset(communes),
        national=national,
        home_province=home_province,
        home_commune=home_commune,
        official=ref,
    )


def require(viewer: Viewer, code: str) -> None:
    if not viewer.can_see(code):
        raise PermissionDenied("Bạn không có quyền xem số liệu của đơn vị này.")


def commune_unit(code: str) -> Commune:
    return units.get_commune(code)
