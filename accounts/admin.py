from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Scope"), {"fields": ("ministry",)}))  # type: ignore[misc]
    list_display = ("username", "email", "ministry", "is_staff", "is_active")
    list_filter = ("ministry", "groups", "is_staff", "is_active")
    list_select_related = ("ministry",)
