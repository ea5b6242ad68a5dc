from django.contrib import admin

from .models import Agency, Commune, Province


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "division_type"]
    search_fields = ["code", "name", "name_folded"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "division_type", "province"]
    list_filter = ["province"]
    search_fields = ["code", "name", "name_folded"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "province"]
    list_filter = ["level", "kind", "province"]
    search_fields = ["code", "name"]
    raw_id_fields = ["commune"]
