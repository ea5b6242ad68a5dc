"""Administrators edit form definitions here; a definition is checked against the
meta-schema (and the registry services it names) before it is saved."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .errors import FormImportError
from .models import FormDefinition


class FormDefinitionForm(forms.ModelForm):
    class Meta:
        model = FormDefinition
        fields = ["procedure_code", "procedure_version", "definition"]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        definition = cleaned.get("definition")
        if definition is None or "definition" in self.errors:
            return cleaned
        problems = services.check_definition(definition)
        code = cleaned.get("procedure_code", self.instance.procedure_code)
        version = cleaned.get("procedure_version", self.instance.procedure_version)
        if isinstance(definition, dict) and code and definition.get("procedure") != code:
            problems.append(
                _("$.procedure: phải bằng mã thủ tục %(code)s của biểu mẫu") % {"code": code}
            )
        if code and version and not services.procedure_version_exists(code, version):
            problems.append(
                _("Thủ tục %(code)s không có phiên bản %(version)s.")
                % {"code": code, "version": version}
            )
        if problems:
            raise forms.ValidationError(
                {"definition": [forms.ValidationError(p) for p in problems[:50]]}
            )
        return cleaned


@admin.register(FormDefinition)
class FormDefinitionAdmin(admin.ModelAdmin):
    form = FormDefinitionForm
    list_display = ["procedure_code", "procedure_version", "title", "updated_at"]
    search_fields = ["procedure_code"]
    readonly_fields = ["content_hash", "created_at", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        """A stored form stays attached to its procedure version; only its content changes."""
        fixed = ["procedure_code", "procedure_version"] if obj is not None else []
        return [*fixed, *self.readonly_fields]

    @admin.display(description=_("Tên biểu mẫu"))
    def title(self, obj: FormDefinition) -> str:
        return str(obj.definition.get("title", "")) if isinstance(obj.definition, dict) else ""

    def save_model(
        self, request: HttpRequest, obj: FormDefinition, form: Any, change: bool
    ) -> None:
        try:
            saved = services.save_definition(
                obj.procedure_code,
                obj.procedure_version,
                obj.definition,
                actor=f"user:{request.user.pk}",
            )
        except FormImportError as exc:
            for line in exc.errors:
                messages.error(request, line)
            return
        obj.pk = saved.pk
        obj.content_hash = saved.content_hash
