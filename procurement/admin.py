"""Admin for administrators: users, organisations, memberships and the rest."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from procurement.models import (
    Announcement,
    Event,
    KeyDate,
    Membership,
    OptionAgreement,
    Organisation,
    Procurement,
    Programme,
)

admin.site.site_header = _("Kravspor administration")
admin.site.site_title = _("Kravspor")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "org_number", "kind", "level", "county", "parent"]
    list_filter = ["kind", "level", "county"]
    search_fields = ["name", "org_number"]
    autocomplete_fields = ["parent"]


class OptionAgreementInline(admin.TabularInline):
    model = OptionAgreement
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name"]
    filter_horizontal = ["owners"]
    inlines = [OptionAgreementInline]


@admin.register(OptionAgreement)
class OptionAgreementAdmin(admin.ModelAdmin):
    list_display = ["organisation", "programme", "status", "offered_on", "signed_on"]
    list_filter = ["status", "programme"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation"]


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ["title", "programme", "published_on"]
    list_filter = ["programme"]
    search_fields = ["title", "body"]
    date_hierarchy = "published_on"


class KeyDateInline(admin.TabularInline):
    model = KeyDate
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Procurement)
class ProcurementAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "procedure", "phase", "programme"]
    list_filter = ["phase", "procedure", "programme"]
    search_fields = ["reference", "title"]
    inlines = [KeyDateInline, MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "procurement", "role", "created_at"]
    list_filter = ["role", "procurement"]
    search_fields = ["user__username", "procurement__reference"]
    autocomplete_fields = ["user"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "object_repr", "actor", "procurement"]
    list_filter = ["action"]
    search_fields = ["object_repr", "action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
