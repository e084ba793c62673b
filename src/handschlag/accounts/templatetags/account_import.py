"""`field_label`: an account field's code name (vat_id) as the UI label the user knows (USt-IdNr.)."""

from __future__ import annotations

from django import template

from handschlag.accounts.importing import field_label as _field_label

register = template.Library()


@register.filter
def field_label(name: str) -> str:
    return _field_label(name)
