from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from handschlag.accounts.selectors import saved_column_mapping_list
from handschlag.mapping.enums import MappingSource, MatchVerdict, Population, SharedField, SharingLevel
from handschlag.mapping.models import (
    COUNT_RELEASE_DAYS_FLOOR,
    MIN_CELL_SIZE_FLOOR,
    MIN_LIST_RECORDS_FLOOR,
    MappingSettings,
)
from handschlag.mapping.partner_lists import PARTNER_LIST_FIELDS


class MappingRunForm(forms.Form):
    source = forms.ChoiceField(
        label=_("What the partner sent"), choices=MappingSource.choices, initial=MappingSource.CLEAR
    )
    file = forms.FileField(
        label=_("Partner's list"),
        help_text=_("CSV or Excel in clear, or the file “handschlag encode” wrote."),
    )
    default_population = forms.ChoiceField(
        label=_("Population of records without one"),
        choices=Population.choices,
        initial=Population.CUSTOMER,
        help_text=_("Used when the list has no population column."),
    )
    populations = forms.FileField(
        label=_("Populations of an encoded file (optional)"),
        required=False,
        help_text=_("A CSV with the columns id and population."),
    )
    skip_bad_rows = forms.BooleanField(label=_("Skip bad rows and map the rest"), required=False)
    confirm_columns = forms.BooleanField(
        label=_("Check the columns before the mapping starts"),
        required=False,
        initial=True,
        help_text=_("After the upload you see which column is read into which field, with a sample value."),
    )
    saved_mapping = forms.ChoiceField(
        label=_("Saved column mapping (optional)"),
        required=False,
        help_text=_("The columns as saved for an earlier list of the same source."),
    )
    columns = forms.CharField(
        label=_("Columns (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One column a line: “Column in the file = field”, e.g. “Firmenbezeichnung = name”; an empty field "
            "ignores the column. Fields: %(fields)s. Columns not named are detected."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["columns"].help_text = self.fields["columns"].help_text % {
            "fields": ", ".join(PARTNER_LIST_FIELDS)
        }
        saved_field = self.fields["saved_mapping"]
        assert isinstance(saved_field, forms.ChoiceField)
        saved_field.choices = [("", _("— detect the columns —"))] + [
            (str(mapping.pk), mapping.name) for mapping in saved_column_mapping_list()
        ]

    def clean_columns(self) -> dict[str, str]:
        """ "Column = field" lines as a column mapping (checked by the service)."""
        chosen: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["columns"].splitlines(), start=1):
            if not line.strip():
                continue
            header, separator, target = line.partition("=")
            if not separator or not header.strip():
                raise forms.ValidationError(
                    _("Line %(line)d: write “Column in the file = field”.") % {"line": number}
                )
            chosen[header.strip()] = target.strip()
        return chosen


class PortalUploadForm(MappingRunForm):
    """The same upload as our partner managers', worded for the partner user who uploads his own list. Saved
    column mappings are ours (their names name partners): the portal has none."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["saved_mapping"]
        self.fields["source"].label = _("What you upload")
        self.fields["source"].initial = MappingSource.ENCODED
        self.fields["file"].label = _("Your list")
        self.fields["file"].help_text = _(
            "The file “handschlag encode” wrote with this agreement's secret (recommended: it reveals no "
            "names), or your CRM export in clear (CSV or Excel)."
        )
        self.fields["default_population"].label = _("Population of your records without one")


class SharingRulesForm(forms.Form):
    """The rules per population and how counts are protected; fed to `SharingRulesPatch` (mapping/inputs.py)."""

    min_cell_size = forms.IntegerField(
        label=_("Smallest count shown exactly to the partner (k)"),
        min_value=MIN_CELL_SIZE_FLOOR,
        max_value=100,
        help_text=_(
            "In rows shared as counts only the partner sees ranges of k (fewer than k, k to 2k-1, …), never "
            "the number. At least 3."
        ),
    )
    min_list_records = forms.IntegerField(
        label=_("Smallest partner list (records)"),
        min_value=MIN_LIST_RECORDS_FLOOR,
        max_value=100_000,
        help_text=_("A shorter list is refused before it is matched."),
    )
    count_release_days = forms.IntegerField(
        label=_("Days between two mappings whose counts the partner sees"),
        min_value=COUNT_RELEASE_DAYS_FLOOR,
        max_value=365,
        help_text=_(
            "Counts of runs in between are withheld, so that re-runs with small changes reveal nothing."
        ),
    )

    def __init__(
        self,
        *args: object,
        rules: dict[str, tuple[str, tuple[str, ...]]],
        protection: MappingSettings | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        protection = protection or MappingSettings()
        for name in ("min_cell_size", "min_list_records", "count_release_days"):
            self.fields[name].initial = getattr(protection, name)
        for population in Population:
            level, fields = rules.get(population.value, (SharingLevel.HIDDEN, ()))
            self.fields[f"level_{population.value}"] = forms.ChoiceField(
                label=population.label, choices=SharingLevel.choices, initial=level
            )
            self.fields[f"fields_{population.value}"] = forms.MultipleChoiceField(
                label=_("Fields shown"),
                choices=SharedField.choices,
                widget=forms.CheckboxSelectMultiple,
                initial=list(fields),
                required=False,
            )

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        """One row per population for the rules table: its label, the level and the shown fields."""
        return [
            (str(population.label), self[f"level_{population.value}"], self[f"fields_{population.value}"])
            for population in Population
        ]

    def protection_fields(self) -> list[forms.BoundField]:
        return [self["min_cell_size"], self["min_list_records"], self["count_release_days"]]

    def rules(self) -> dict[str, dict[str, object]]:
        return {
            population: {
                "level": self.cleaned_data[f"level_{population}"],
                "fields": self.cleaned_data[f"fields_{population}"],
            }
            for population in Population.values
        }


class ExclusionForm(forms.Form):
    account_id = forms.CharField(
        label=_("CRM id or account number"),
        max_length=100,
        help_text=_(
            "The CRM id, as on the account's page, or the number in its address (…/accounts/NUMBER/)."
        ),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class MatchDecisionForm(forms.Form):
    """Confirm or reject a pair the engine found (the buttons carry the verdict)."""

    verdict = forms.ChoiceField(choices=MatchVerdict.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=300,
        required=False,
        help_text=_("Why, for your colleagues: e.g. “sister company, not the same”."),
    )
