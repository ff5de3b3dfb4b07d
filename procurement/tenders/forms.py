"""Forms for rounds, tenders, their status, prices and answers. They validate
and normalise only; ``procurement.services.tenders`` does the writing."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from procurement.documents.xlsx import XLSX_CONTENT_TYPE
from procurement.models import (
    Organisation,
    PriceLine,
    Procurement,
    Response,
    Tender,
    TenderRound,
)
from procurement.personal_data import PersonalDataGuardMixin
from procurement.selectors.tenders import NO_ANSWER


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class RoundForm(forms.ModelForm):
    class Meta:
        model = TenderRound
        fields = ["number", "kind", "name", "baseline", "deadline", "sealed_prices"]
        widgets = {"deadline": DateTimeInput}

    def __init__(self, *args, procurement: Procurement, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.procurement = procurement
        self.fields["baseline"].queryset = procurement.baselines.order_by(
            "-published_at"
        )
        if self.instance.pk and self.instance.opened_at is not None:
            self.fields["sealed_prices"].disabled = True
            self.fields["sealed_prices"].help_text = _(
                "The round has been opened; this can no longer change."
            )

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class TenderForm(forms.ModelForm):
    """Register or edit a tender. Without ``show_price`` (prices sealed from
    this user) the total price is left out."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Tender
        fields = ["vendor", "received_at", "total_price", "note"]
        widgets = {"received_at": DateTimeInput, "note": forms.Textarea({"rows": 3})}

    def __init__(self, *args, round: TenderRound, show_price: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.round = round
        self.fields["vendor"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.VENDOR
        ).order_by("name")
        if not show_price:
            del self.fields["total_price"]
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def validate_unique(self):
        # The service says which round and vendor clash, in its own words.
        pass

    def service_fields(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name in self.fields
        }


class TenderStatusForm(PersonalDataGuardMixin, forms.Form):
    personal_data_fields = ("reason",)

    status = forms.ChoiceField(label=_("Status"), choices=Tender.Status.choices)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Required when the tender is rejected."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status") == Tender.Status.REJECTED
            and not (cleaned.get("reason") or "").strip()
        ):
            self.add_error(
                "reason",
                ValidationError(
                    _("Say why the tender is rejected."), code="reason_required"
                ),
            )
        return cleaned


class PriceLineForm(forms.ModelForm):
    class Meta:
        model = PriceLine
        fields = ["item", "quantity", "unit_price"]


PriceLineFormSet = forms.modelformset_factory(
    PriceLine,
    form=PriceLineForm,
    extra=3,
    can_delete=True,
    max_num=500,
    validate_max=True,
)


class PriceTotalForm(forms.Form):
    total_price = Tender._meta.get_field("total_price").formfield()
    version = forms.IntegerField(widget=forms.HiddenInput)


class AnswerFilterForm(forms.Form):
    section = forms.ChoiceField(label=_("Section"), required=False)
    compliance = forms.ChoiceField(
        label=_("Compliance"),
        required=False,
        choices=[
            ("", _("All")),
            *Response.Compliance.choices,
            (NO_ANSWER, _("Not answered")),
        ],
    )

    def __init__(self, *args, sections: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [
            ("", _("All")),
            *((number, f"{number} {title}") for number, title in sections),
        ]


class AnswerImportForm(forms.Form):
    file = forms.FileField(
        label=_("Filled-in answer workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
        help_text=_(
            "The workbook downloaded for this round, with the vendor's answers "
            "filled in. The answers replace any the tender already has."
        ),
    )
