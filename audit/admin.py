"""The audit log in the admin: read by the practice admin (superuser) only, changed by nobody.
Therapists do not see it in the index and get 403 on its URLs."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEntry


class StaffFilter(admin.SimpleListFilter):
    """Who: the practice's staff (only they are audited). Listing the distinct users of the
    log instead would read the whole table."""

    title = _("user")
    parameter_name = "user"

    def lookups(self, request, model_admin):
        staff = get_user_model()._default_manager.filter(is_staff=True).order_by("username")
        return [(str(user.pk), user.get_username()) for user in staff]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(user_id=int(value))
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "object_type", "object_id", "patient_id", "changed"]
    list_filter = [
        "action",
        StaffFilter,
        ("at", admin.DateFieldListFilter),
    ]
    list_select_related = ["user"]
    search_fields = ["=patient_id"]
    search_help_text = _("Patient id (the number in the patient's admin address)")
    show_full_result_count = False
    # A tuple: one sequence for both attributes, read-only like the log.
    fields = readonly_fields = (
        "at",
        "user",
        "action",
        "object_type",
        "object_id",
        "patient_id",
        "fields",
        "address",
    )

    @admin.display(description=_("changed fields"))
    def changed(self, entry):
        return ", ".join(entry.fields) or "–"

    def get_search_results(self, request, queryset, search_term):
        """A patient id is a number: anything else finds nothing (instead of an error)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if not term.isdigit():
            return queryset.none(), False
        return queryset.filter(patient_id=int(term)), False

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
