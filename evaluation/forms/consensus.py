"""Forms of the consensus stage: one consensus score with its justification."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from procurement.personal_data import PersonalDataGuardMixin


class ConsensusScoreForm(PersonalDataGuardMixin, forms.Form):
    """The panel's score of one tender × item. ``version`` is the version of
    the consensus score the lead saw (0: none yet), for the conflict check."""

    personal_data_fields = ("justification",)

    value = forms.DecimalField(
        label=_("Consensus score"),
        min_value=Decimal(0),
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "class": "score-input"}),
    )
    justification = forms.CharField(
        label=_("Justification"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("A consensus score needs a justification.")},
    )
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, scale_max: Decimal = Decimal(10), **kwargs):
        super().__init__(*args, **kwargs)
        self.scale_max = scale_max
        self.fields["value"].max_value = scale_max
        self.fields["value"].widget.attrs["max"] = str(scale_max.normalize())
        self.fields["value"].help_text = _("From 0 to %(max)s.") % {
            "max": scale_max.normalize()
        }

    def clean_value(self) -> Decimal:
        value = self.cleaned_data["value"]
        if value > self.scale_max:
            raise ValidationError(
                _("A score lies between 0 and %(max)s."),
                code="outside_scale",
                params={"max": self.scale_max.normalize()},
            )
        return value

    def clean_justification(self) -> str:
        text = self.cleaned_data["justification"].strip()
        if not text:
            raise ValidationError(
                _("A consensus score needs a justification."),
                code="justification_required",
            )
        return text
