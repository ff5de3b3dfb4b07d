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
    PriceLine,
    Procurement,
    Programme,
    ReportDownload,
    Response,
    Tender,
    TenderRound,
)
from procurement.services import event_record
from procurement.services import tenders as tender_services


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


@admin.register(ReportDownload)
class ReportDownloadAdmin(admin.ModelAdmin):
    """The record of report downloads is written by the report views only."""

    list_display = ["downloaded_at", "user", "procurement", "report", "label"]
    list_filter = ["report", "procurement"]
    search_fields = ["user__username", "label", "filename"]
    list_select_related = ["user", "procurement"]
    date_hierarchy = "downloaded_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Tender rounds, tenders and answers ---------------------------------------------
# The opening, the price envelope and statuses are recorded by the services
# (pages and the evaluation), so they are read-only here. Prices of a sealed
# round are left out of the admin altogether, and nothing of a round whose
# evaluation is locked can be changed or deleted here.


class _TenderAdminMixin(EventAdminMixin):
    def _procurement_of(self, obj):
        if isinstance(obj, TenderRound):
            return obj.procurement
        if isinstance(obj, Tender):
            return obj.round.procurement
        if isinstance(obj, (PriceLine, Response)):
            return obj.tender.round.procurement
        return super()._procurement_of(obj)

    def _round_of(self, obj) -> TenderRound | None:
        if obj is None:
            return None
        return obj if isinstance(obj, TenderRound) else obj.round

    def has_change_permission(self, request, obj=None):
        round = self._round_of(obj)
        if round is not None and tender_services.evaluation_locked(round):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        round = self._round_of(obj)
        if round is not None and tender_services.evaluation_locked(round):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(TenderRound)
class TenderRoundAdmin(_TenderAdminMixin, admin.ModelAdmin):
    list_display = [
        "procurement",
        "number",
        "name",
        "kind",
        "deadline",
        "opened_at",
        "sealed_prices",
        "prices_opened_at",
    ]
    list_filter = ["kind", "sealed_prices", "procurement"]
    search_fields = ["name", "procurement__reference"]
    readonly_fields = [
        "opened_at",
        "opened_by",
        "prices_opened_at",
        "prices_opened_by",
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # Lifting the seal here would show the prices to everyone.
            fields += ["procurement", "sealed_prices"]
        return fields


class PriceLineInline(admin.TabularInline):
    model = PriceLine
    extra = 0
    fields = ["position", "item", "quantity", "unit_price"]


@admin.register(Tender)
class TenderAdmin(_TenderAdminMixin, admin.ModelAdmin):
    list_display = ["vendor", "round", "received_at", "status"]
    list_filter = ["status", "round__procurement", "round__number"]
    search_fields = ["vendor__name", "round__name"]
    list_select_related = ["vendor", "round"]
    autocomplete_fields = ["vendor"]
    readonly_fields = ["status", "status_changed_at", "status_changed_by", "version"]

    def has_add_permission(self, request):
        # Tenders are registered on their round's page, which refuses an
        # opened round (and a locked evaluation) and keeps the opening record.
        return False

    def get_exclude(self, request, obj=None):
        if obj is not None and obj.round.prices_sealed:
            return ["total_price"]
        return super().get_exclude(request, obj)

    def get_inlines(self, request, obj):
        if obj is not None and obj.round.prices_sealed:
            return []
        return [PriceLineInline]


@admin.register(Response)
class ResponseAdmin(_TenderAdminMixin, admin.ModelAdmin):
    """Answers come from the vendor's workbook; here they are only looked up."""

    list_display = ["tender", "requirement", "compliance", "imported_at"]
    list_filter = ["compliance", "tender__round__procurement"]
    search_fields = ["requirement__key", "tender__vendor__name"]
    list_select_related = ["tender__vendor", "tender__round", "requirement"]
    readonly_fields = [
        "tender",
        "requirement",
        "compliance",
        "answer",
        "reference",
        "imported_at",
    ]

    def _round_of(self, obj):
        return None if obj is None else obj.tender.round

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
