"""Delivery records in the admin, read-only: therapists see their own patients' reminders and
alert e-mails (and so whether they failed), the practice admin sees all, retries failed ones and
sees the runs. A record whose outcome is unknown (the worker died while sending) is shown as such,
has its own filter entry, and is never retried: the e-mail may have arrived."""

from django.contrib import admin, messages
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.admin_mixins import AuditedAdminMixin
from patients.admin.scoping import TherapistScopedAdminMixin
from reminders import services
from reminders.models import Delivery, DeliveryStatus, Digest, ReminderRun


class ReadOnlyMixin:
    """Written by the reminder run and the senders only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Delivery)
class DeliveryAdmin(AuditedAdminMixin, ReadOnlyMixin, TherapistScopedAdminMixin, admin.ModelAdmin):
    list_display = ["day", "kind", "patient", "status", "attempts", "sent_at", "error"]
    list_filter = ["status", "kind", "day"]
    list_select_related = ["patient__user", "alert"]
    date_hierarchy = "day"
    search_fields = ["patient__user__last_name", "patient__user__first_name"]
    actions = ["retry"]
    fields = readonly_fields = (
        "patient",
        "day",
        "kind",
        "alert",
        "status",
        "attempts",
        "error",
        "details",
        "created_at",
        "updated_at",
        "sent_at",
    )

    def has_retry_permission(self, request):
        return request.user.is_superuser

    @admin.action(description=_("Send failed reminders again"), permissions=["retry"])
    def retry(self, request, queryset):
        count = services.deliveries_retry(deliveries=queryset)
        self.message_user(
            request,
            ngettext("%(count)d reminder queued again.", "%(count)d reminders queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
        unknown = queryset.filter(status=DeliveryStatus.UNKNOWN).count()
        if unknown:
            self.message_user(
                request,
                ngettext(
                    "%(count)d e-mail with an unknown outcome was not sent again: it may have "
                    "arrived.",
                    "%(count)d e-mails with an unknown outcome were not sent again: they may have "
                    "arrived.",
                    unknown,
                )
                % {"count": unknown},
                messages.WARNING,
            )


@admin.register(Digest)
class DigestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["week", "therapist", "status", "attempts", "sent_at", "error"]
    list_filter = ["status", "week"]
    list_select_related = ["therapist"]
    fields = readonly_fields = (
        "therapist",
        "week",
        "status",
        "attempts",
        "error",
        "created_at",
        "sent_at",
    )

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(therapist=request.user)

    def get_object(self, request, object_id, from_field=None):
        """Another therapist's digest answers 404, like one that does not exist."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


@admin.register(ReminderRun)
class ReminderRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """When the beat task last ran and what it found: the operator's first look on a fault."""

    list_display = fields = readonly_fields = (
        "window_end",
        "window_start",
        "started_at",
        "selected",
        "created",
    )

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_module_permission(self, request):
        return request.user.is_superuser
