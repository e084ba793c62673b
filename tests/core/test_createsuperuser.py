"""`handschlag createsuperuser` makes an administrator of our company, through the same rules as every user."""

import pytest
from django.core.management import CommandError, call_command

from handschlag.core.enums import OrganisationKind, Role
from handschlag.core.models import AuditEvent, User

pytestmark = pytest.mark.django_db


def test_creates_an_administrator_of_our_company(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Kaffee-Maschine-77")
    call_command("createsuperuser", "--noinput", "--username", "chefin", "--email", "chefin@example.com")
    user = User.objects.get(username="chefin")
    assert (user.role, user.organisation.kind, user.check_password("Kaffee-Maschine-77")) == (
        Role.ADMIN,
        OrganisationKind.HOME,
        True,
    )
    assert AuditEvent.objects.filter(action__startswith="user.").count() == 1


def test_a_weak_password_is_refused_and_nothing_is_created(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "handschlag")
    with pytest.raises(CommandError):
        call_command("createsuperuser", "--noinput", "--username", "chefin", "--email", "chefin@example.com")
    assert not User.objects.filter(username="chefin").exists()
