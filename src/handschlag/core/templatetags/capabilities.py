"""`{% load capabilities %}` … `{% if user|may:"offers.triage" %}`: show a link only to those whose role may open it.

The template asks the one capability table (core/roles.py) by the capability's value; it never tests a role.
"""

from __future__ import annotations

from django import template
from django.contrib.auth.models import AnonymousUser

from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability

register = template.Library()


@register.filter
def may(user: User | AnonymousUser, capability: str) -> bool:
    """True when the user has the capability; an unknown capability name is a programming error (ValueError)."""
    return has_capability(user, Capability(capability))
