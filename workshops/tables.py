"""django-tables2 tables for the workshop and participant lists."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from workshops.models import Participant, Workshop


class WorkshopTable(tables.Table):
    starts_at = tables.DateTimeColumn(
        verbose_name=_("When"), format="SHORT_DATETIME_FORMAT"
    )
    title = tables.Column(linkify=True, verbose_name=_("Title"))
    area = tables.Column(verbose_name=_("Area"), order_by="area__sort_key")
    status = tables.Column(verbose_name=_("Status"))
    participant_count = tables.Column(
        verbose_name=_("Participants"), attrs={"td": {"class": "number"}}
    )
    input_count = tables.Column(
        verbose_name=_("Inputs"), attrs={"td": {"class": "number"}}
    )

    class Meta:
        model = Workshop
        fields = [
            "starts_at",
            "title",
            "area",
            "status",
            "participant_count",
            "input_count",
        ]
        order_by = "-starts_at"
        empty_text = _("No workshops match.")
        attrs = {"class": "table", "id": "workshop-table"}

    def render_status(self, record: Workshop) -> str:
        return format_html(
            '<span class="badge workshop-{}">{}</span>',
            record.status,
            record.get_status_display(),
        )


class ParticipantTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"))
    profession = tables.Column(verbose_name=_("Profession / role"))
    organisation = tables.Column(
        verbose_name=_("Organisation"), order_by="organisation__name"
    )
    user_representative = tables.BooleanColumn(
        verbose_name=_("User representative"),
        yesno=(_("Yes"), ""),
    )
    edit = tables.Column(
        verbose_name="", orderable=False, empty_values=(), accessor="pk"
    )

    class Meta:
        model = Participant
        fields = ["name", "profession", "organisation", "user_representative", "edit"]
        order_by = "name"
        empty_text = _("No participants match.")
        attrs = {"class": "table", "id": "participant-table"}

    def render_organisation(self, record: Participant) -> str:
        return record.organisation.name

    def render_edit(self, record: Participant) -> str:
        return format_html(
            '<a href="{}">{}<span class="visually-hidden"> {}</span></a>',
            reverse(
                "workshops:participant-edit",
                kwargs={"pk": record.procurement_id, "participant_pk": record.pk},
            ),
            _("Edit"),
            record.name,
        )
