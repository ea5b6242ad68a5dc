from django.contrib import admin

from .models import CentreReadiness, PlanTask, TaskEvidence


class EvidenceInline(admin.TabularInline):
    model = TaskEvidence
    extra = 0


@admin.register(PlanTask)
class PlanTaskAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "group", "pillar", "phase", "deadline", "status")
    list_filter = ("group", "pillar", "phase", "status", "output_verified")
    search_fields = ("code", "title", "owner_agency")
    inlines = [EvidenceInline]


@admin.register(CentreReadiness)
class CentreReadinessAdmin(admin.ModelAdmin):
    list_display = ("commune", "province", "verified", "updated_at")
    list_filter = ("province", "verified")
