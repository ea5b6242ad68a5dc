from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Account, LoginAttempt, Official, Organisation, Person


@admin.register(Account)
class AccountAdmin(UserAdmin):
    list_display = ("username", "full_name", "kind", "assurance_level", "is_active", "locked_until")
    list_filter = ("kind", "assurance_level", "is_active", "is_staff")
    search_fields = ("username", "full_name")
    ordering = ("username",)
    readonly_fields = ("sub", "last_login", "date_joined", "failed_logins")
    fieldsets = (
        (None, {"fields": ("username", "password", "sub", "kind", "full_name")}),
        ("Định danh", {"fields": ("assurance_level", "failed_logins", "locked_until")}),
        (
            "Quyền",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Thời điểm", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "kind", "password1", "password2")}),
    )
    filter_horizontal = ("groups", "user_permissions")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("personal_id", "full_name", "birth_date", "sex")
    search_fields = ("personal_id", "full_name")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("tax_code", "name")
    search_fields = ("tax_code", "name")


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin):
    list_display = ("account", "agency_code", "roles")
    search_fields = ("account__username", "agency_code")


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    list_display = ("at", "ip", "succeeded")
    list_filter = ("succeeded",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
