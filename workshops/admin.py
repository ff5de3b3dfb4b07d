"""Admin for workshops, participants and inputs. Changes here write event rows
like every other admin change; an input's history is shown read-only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from procurement.admin import EventAdminMixin
from workshops.models import Attendance, Input, Participant, Workshop


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    raw_id_fields = ["participant"]


@admin.register(Workshop)
class WorkshopAdmin(EventAdminMixin, admin.ModelAdmin):
    list_display = ["title", "procurement", "starts_at", "status", "area"]
    list_filter = ["status", "procurement"]
    search_fields = ["title", "location", "facilitator"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["area", "created_by"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [AttendanceInline]


@admin.register(Participant)
class ParticipantAdmin(EventAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "profession",
        "organisation",
        "user_representative",
        "procurement",
    ]
    list_filter = ["profession", "user_representative", "procurement"]
    search_fields = ["name", "organisation__name"]
    raw_id_fields = ["organisation"]


@admin.register(Input)
class InputAdmin(EventAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "workshop", "number", "kind", "status", "created_at"]
    list_filter = ["status", "kind", "workshop__procurement"]
    search_fields = ["text"]
    raw_id_fields = [
        "workshop",
        "area",
        "duplicate_of",
        "decided_by",
        "created_by",
        "raised_by_organisations",
        "raised_by_participants",
        "requirements",
    ]
    readonly_fields = ["client_token", "version", "created_at"]
    # The history pages show what changed; reverting from them would bypass
    # the triage services.
    history_list_display = ["status"]

    def revert_disabled(self, request, obj=None):
        return True
