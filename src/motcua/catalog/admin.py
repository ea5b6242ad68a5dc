"""Administrators edit procedures here. A published version is never changed in place:
saving an edit publishes the next version through `services.revise`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from motcua.core.errors import DomainError

from . import services
from .models import Procedure, ProcedureVersion, Sector

EDITABLE = [
    "name", "name_en", "online_level", "processing_days", "result_type", "description",
    "fees", "legal_basis", "at_central", "at_province", "at_commune",
]  # fmt: skip


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name"]


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = ["code", "version", "name", "sector", "status", "processing_days"]
    list_filter = ["status", "sector", "online_level"]
    search_fields = ["procedure__code", "name", "search_text"]
    fields = ["procedure", "version", "status", "sector", *EDITABLE, "components", "published_at"]
    readonly_fields = ["procedure", "version", "status", "sector", "components", "published_at"]

    @admin.display(description="Thành phần hồ sơ")
    def components(self, obj: ProcedureVersion) -> str:
        return "; ".join(
            f"{c.name}" + (f" (thay bằng {c.replaced_by_name})" if c.replaced_by else "")
            for c in obj.components.all()
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # new procedures come in through import_procedures

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        editable = obj is None or obj.status == ProcedureVersion.Status.PUBLISHED
        return editable and super().has_change_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: ProcedureVersion, form: Any, change: bool
    ) -> None:
        changes: dict[str, Any] = {
            f: form.cleaned_data[f] for f in form.changed_data if f in EDITABLE
        }
        levels = [
            lvl for lvl in ("central", "province", "commune") if form.cleaned_data[f"at_{lvl}"]
        ]
        changes = {k: v for k, v in changes.items() if not k.startswith("at_")}
        changes["levels"] = levels
        try:
            new = services.revise(obj.procedure.code, changes, actor=f"user:{request.user.pk}")
        except DomainError as exc:
            messages.error(request, exc.detail)
            return
        messages.success(request, f"Đã công bố phiên bản {new.version} của thủ tục {new.code}.")


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "current"]
    search_fields = ["code"]
    readonly_fields = ["code", "current", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
