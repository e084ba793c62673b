from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from handschlag.core.enums import NotificationEmail, Role
from handschlag.core.errors import InvalidInput
from handschlag.core.models import Department, User


def form_add_service_errors(
    form: forms.BaseForm, error: InvalidInput, *, aliases: dict[str, str] | None = None
) -> None:
    """Show a service's field errors on the form; errors of unknown fields go to the top. `aliases` maps a
    service's field name to the form's (`head_id` → `head`)."""
    if not error.fields:
        form.add_error(None, error.message)
    for field, messages in error.fields.items():
        field = (aliases or {}).get(field, field)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class QuickSelect(forms.Select):
    """A `<select>` written in Python: Django's renders each option through two template includes, which on a page
    with eight pickers of every colleague (the 8D steps of a case) took most of the page's time. Same markup;
    option groups and option attributes fall back to Django's rendering."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        choices = list(iter(self.choices))  # not list(choices): a model choice iterator would COUNT first
        if self.allow_multiple_selected or any(isinstance(label, list | tuple) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        selected = set(self.format_value(value))
        options = [
            format_html(
                '<option value="{}"{}>{}</option>',
                "" if option is None else str(option),
                mark_safe(" selected") if ("" if option is None else str(option)) in selected else "",
                label,
            )
            for option, label in choices
        ]
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe("\n".join(options)),
        )


class DateInput(forms.DateInput):
    """The browser's date picker; the value as ISO date (what `<input type="date">` sends and shows)."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("User name or password is wrong. Both are case-sensitive."),
        "inactive": _("This account is deactivated."),
    }


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What will use this token, e.g. CRM sync.")
    )


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    head = forms.ModelChoiceField(
        label=_("Head"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Escalations go to the head."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["head"].queryset = User.objects.exclude(role=Role.PARTNER_USER).filter(is_active=True)  # type: ignore[attr-defined]


INTERNAL_ROLES = [(value, label) for value, label in Role.choices if value != Role.PARTNER_USER]


class UserForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=INTERNAL_ROLES)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), required=False
    )
    manager = forms.ModelChoiceField(label=_("Manager"), queryset=User.objects.none(), required=False)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_(
            "Only when creating the user. At least 10 characters; not a common password and not the name of the "
            "product or of the company."
        ),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = User.objects.exclude(role=Role.PARTNER_USER).filter(is_active=True)  # type: ignore[attr-defined]
        if editing:
            self.fields["username"].disabled = True
            del self.fields["password"]
        else:
            self.fields["password"].required = True


class NotificationSettingsForm(forms.Form):
    notification_email = forms.ChoiceField(
        label=_("E-mail for notifications"),
        choices=NotificationEmail.choices,
        widget=forms.RadioSelect,
        help_text=_("Notifications always appear in handschlag; this is about your mailbox."),
    )
    weekly_digest = forms.BooleanField(
        label=_("Weekly summary by e-mail"),
        required=False,
        help_text=_(
            "Every Monday morning: what your home page shows — your cases, goals and what waits for you."
        ),
    )
