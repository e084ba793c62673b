from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from handschlag.accounts.selectors import no_accounts
from handschlag.complaints.enums import ComplaintCategory, EightDStep, Severity, ThreatScope
from handschlag.complaints.models import Complaint, RoutingRule
from handschlag.complaints.selectors import step_owner_choices
from handschlag.core.enums import Role
from handschlag.core.forms import DateInput, QuickSelect
from handschlag.core.models import Department, User

if TYPE_CHECKING:
    from handschlag.accounts.models import Account


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        """Files are checked by the service (content, size); here only collected."""
        if isinstance(data, list | tuple):
            return [item for item in data if item]
        return [data] if data else []


class AccountSearchWidget(forms.Widget):
    """The account of a new case, chosen by searching instead of from a select of every account.

    Renders a search field and the current matches as radio buttons named like the field. With htmx the matches
    follow the typing (`search_url`); without JavaScript the "Search" button posts the form back and the page
    shows the matches. The view sets `matches` and `selected` before rendering.
    """

    template_name = "complaints/widgets/account_search.html"
    search_url = ""
    matches: Any = None
    selected: Account | None = None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"].update(
            {"search_url": self.search_url, "matches": self.matches, "selected": self.selected}
        )
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


class ComplaintForm(forms.Form):
    account = forms.ModelChoiceField(
        label=_("Account"),
        queryset=no_accounts(),
        widget=AccountSearchWidget(),
        error_messages={"required": _("Search for the account and choose it.")},
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=ComplaintCategory.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM)
    description = forms.CharField(
        label=_("What does the customer complain about?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20_000,
    )
    product_line = forms.CharField(label=_("Product line"), max_length=100, required=False)
    plant = forms.CharField(label=_("Plant"), max_length=100, required=False)
    product = forms.CharField(label=_("Product"), max_length=200, required=False)
    order_numbers = forms.CharField(
        label=_("Order numbers"),
        max_length=1000,
        required=False,
        help_text=_("The customer's orders this is about, separated by commas."),
    )
    cancellation_threat = forms.BooleanField(
        label=_("The customer threatens to cancel orders"), required=False
    )
    cancellation_deadline = forms.DateTimeField(
        label=_("Cancellation deadline"), required=False, widget=DateTimeInput()
    )
    threat_scope = forms.ChoiceField(
        label=_("Threatened orders"), choices=ThreatScope.choices, initial=ThreatScope.ALL_OPEN_ORDERS
    )
    attachments = MultipleFileField(label=_("Photos and PDFs"), required=False)

    def __init__(self, *args: Any, accounts: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts if accounts is not None else no_accounts()  # type: ignore[attr-defined]

    def set_account_matches(self, *, matches: Any, selected: Account | None, search_url: str) -> None:
        widget = self.fields["account"].widget
        assert isinstance(widget, AccountSearchWidget)
        widget.matches, widget.selected, widget.search_url = matches, selected, search_url


class ThreatForm(forms.Form):
    cancellation_threat = forms.BooleanField(
        label=_("The customer threatens to cancel orders"), required=False
    )
    cancellation_deadline = forms.DateTimeField(
        label=_("Cancellation deadline"), required=False, widget=DateTimeInput()
    )
    threat_scope = forms.ChoiceField(label=_("Threatened orders"), choices=ThreatScope.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)


class StepForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=pgettext_lazy("complaint", "Owner"),
        queryset=User.objects.none(),
        required=False,
        widget=QuickSelect,
    )
    due_date = forms.DateField(label=_("Due"), required=False, widget=DateInput())
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=10_000
    )
    done = forms.BooleanField(label=_("Done"), required=False)
    reason = forms.CharField(
        label=_("Reason for completing it before an earlier step"),
        required=False,
        max_length=500,
        help_text=_("Only needed when an earlier step is not done yet (D3 excepted)."),
    )

    def __init__(
        self,
        *args: Any,
        complaint: Complaint | None = None,
        owners: list[User] | None = None,
        **kwargs: Any,
    ) -> None:
        """`owners`: the step owner choices read once for all eight steps of a case page (the form then shows
        them without asking the database again; it still validates against the query)."""
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        # the case's department first, each name with its department
        owner.queryset = step_owner_choices(complaint) if complaint is not None else internal_users()  # type: ignore[attr-defined]
        owner.label_from_instance = _user_with_department  # type: ignore[attr-defined]
        if owners is not None:
            owner.choices = step_owner_options(owners)  # type: ignore[attr-defined]


def step_owner_options(owners: list[User]) -> list[tuple[Any, str]]:
    """The choices of StepForm's owner picker for these users (read once: `step_owner_choices`)."""
    return [("", "---------"), *((user.pk, _user_with_department(user)) for user in owners)]


def _user_with_department(user: User) -> str:
    return f"{user} · {user.department}" if user.department_id else str(user)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class CloseForm(forms.Form):
    summary = forms.CharField(
        label=_("How was the case resolved?"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Photo or PDF"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )


def internal_users() -> Any:
    return (
        User.objects.filter(is_active=True)
        .exclude(role=Role.PARTNER_USER)
        .order_by("last_name", "first_name")
    )


class WatcherForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Colleague"), queryset=User.objects.none(), widget=QuickSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = internal_users()  # type: ignore[attr-defined]


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Process owner"), queryset=User.objects.none(), widget=QuickSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = internal_users().filter(  # type: ignore[attr-defined]
            role__in=[Role.PROCESS_OWNER, Role.MANAGEMENT]
        )


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = ["category", "product_line", "plant", "department", "process_owner", "priority", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["process_owner"].queryset = internal_users().filter(  # type: ignore[attr-defined]
            role__in=[Role.PROCESS_OWNER, Role.MANAGEMENT]
        )

    def _post_clean(self) -> None:
        """Rules live in the service; the form only converts what was typed."""


STEP_CHOICES = EightDStep.choices


class SlaPolicyForm(forms.Form):
    """Targets in business hours; the rules (positive, in order) live in `services.configuration.sla_policy_set`."""

    first_response_hours = forms.IntegerField(label=_("First response (business hours)"), min_value=1)
    containment_hours = forms.IntegerField(label=_("Containment, D3 (business hours)"), min_value=1)
    resolution_hours = forms.IntegerField(label=_("Resolution (business hours)"), min_value=1)
    escalation_step_hours = forms.IntegerField(
        label=_("Escalation step (business hours)"),
        min_value=1,
        help_text=_("Time between the rungs of the escalation ladder once a clock is overdue."),
    )
