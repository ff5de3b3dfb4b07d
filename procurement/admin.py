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
from procurement.services import event_record


def _admin_action(obj, what: str) -> str:
    return f"{obj._meta.model_name}.{what}_in_admin"


class EventAdminMixin:
    """Changes made in the admin bypass the services' forms, but never the
    event log: every save and delete here writes an event row."""

    def _procurement_of(self, obj):
        if isinstance(obj, Procurement):
            return obj
        return getattr(obj, "procurement", None)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        event_record(
            action=_admin_action(obj, "changed" if change else "created"),
            by=request.user,
            obj=obj,
            procurement=self._procurement_of(obj),
            data={"fields": sorted(form.changed_data)} if change else {},
        )

    def delete_model(self, request, obj):
        procurement = self._procurement_of(obj)
        description = str(obj)
        super().delete_model(request, obj)
        event_record(
            action=f"{obj._meta.model_name}.deleted_in_admin",
            by=request.user,
            procurement=procurement if procurement and procurement.pk else None,
            data={"object": description},
        )

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            event_record(
                action=f"{obj._meta.model_name}.deleted_in_admin",
                by=request.user,
                procurement=self._procurement_of(form.instance),
                data={"object": str(obj)},
            )
            obj.delete()
        for obj in instances:
            created = obj.pk is None
            obj.save()
            event_record(
                action=_admin_action(obj, "created" if created else "changed"),
                by=request.user,
                obj=obj,
                procurement=self._procurement_of(form.instance),
            )
        formset.save_m2m()


admin.site.site_header = _("Kravspor administration")
admin.site.site_title = _("Kravspor")


@admin.register(Organisation)
class OrganisationAdmin(EventAdminMixin, admin.ModelAdmin):
    list_display = ["name", "org_number", "kind", "level", "county", "parent"]
    list_filter = ["kind", "level", "county"]
    search_fields = ["name", "org_number"]
    autocomplete_fields = ["parent"]


class OptionAgreementInline(admin.TabularInline):
    model = OptionAgreement
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(Programme)
class ProgrammeAdmin(EventAdminMixin, admin.ModelAdmin):
    list_display = ["name"]
    filter_horizontal = ["owners"]
    inlines = [OptionAgreementInline]


@admin.register(OptionAgreement)
class OptionAgreementAdmin(EventAdminMixin, admin.ModelAdmin):
    list_display = ["organisation", "programme", "status", "offered_on", "signed_on"]
    list_filter = ["status", "programme"]
    search_fields = ["organisation__name"]
    autocomplete_fields = ["organisation"]


@admin.register(Announcement)
class AnnouncementAdmin(EventAdminMixin, admin.ModelAdmin):
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
class ProcurementAdmin(EventAdminMixin, admin.ModelAdmin):
    list_display = ["reference", "title", "procedure", "phase", "programme"]
    list_filter = ["phase", "procedure", "programme"]
    search_fields = ["reference", "title"]
    inlines = [KeyDateInline, MembershipInline]


@admin.register(Membership)
class MembershipAdmin(EventAdminMixin, admin.ModelAdmin):
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
