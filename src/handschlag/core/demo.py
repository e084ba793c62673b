"""The demo organisation: a German machine builder, its departments and users. Generated, deterministic.

Modules add their own demo data (accounts/demo.py …): each registers a step with `demo_step_register` in its
AppConfig.ready, and the `demo` command runs the steps in their order. Core imports no module above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random
from typing import Any

from handschlag.core.enums import Role
from handschlag.core.models import Department, Organisation, User
from handschlag.core.notifications import notifications_tidy_for_demo
from handschlag.core.services import organisation_home_ensure, user_create_by_system

DEMO_PASSWORD = "demo-handschlag"  # noqa: S105 - the published demo login, set inside demo_passwords_allowed()
HOME_NAME = "Kessler & Brandt Maschinenbau GmbH"
# accounts per demo size (DESIGN §5: large is for performance work)
DEMO_SIZES = {"small": 300, "large": 100_000}

# username, first name, last name, role, department
DEMO_USERS: list[tuple[str, str, str, str, str | None]] = [
    ("admin", "Ida", "Admin", Role.ADMIN, None),
    ("leitung", "Hanna", "Vogt", Role.MANAGEMENT, "Geschäftsführung"),
    ("verkauf", "Jonas", "Albrecht", Role.SELLER, "Vertrieb"),
    ("verkauf2", "Mira", "Sommer", Role.SELLER, "Vertrieb"),
    ("verkauf3", "Lukas", "Brenner", Role.SELLER, "Vertrieb"),
    ("partner", "Clara", "Winter", Role.PARTNER_MANAGER, "Vertrieb"),
    ("produktion", "Tobias", "Kern", Role.PROCESS_OWNER, "Produktion"),
    ("qualitaet", "Sophie", "Lang", Role.PROCESS_OWNER, "Qualität"),
    ("logistik", "Emil", "Hahn", Role.PROCESS_OWNER, "Logistik"),
    ("marketing", "Lea", "Roth", Role.MARKETING, "Marketing"),
]
DEPARTMENT_HEADS = {
    "Geschäftsführung": "leitung",
    "Produktion": "produktion",
    "Qualität": "qualitaet",
    "Logistik": "logistik",
    "Marketing": "marketing",
    "Vertrieb": "leitung",
}


@dataclass
class DemoContext:
    size: str
    random: Random
    home: Organisation
    users: dict[str, User] = field(default_factory=dict)
    # what earlier steps built, for the later ones (e.g. "accounts": the demo accounts)
    built: dict[str, Any] = field(default_factory=dict)

    @property
    def sellers(self) -> list[User]:
        return [user for user in self.users.values() if user.role == Role.SELLER]


def build_organisation(*, size: str, seed: int = 2026) -> DemoContext:
    home = organisation_home_ensure(name=HOME_NAME, state="BW")
    if home.name != HOME_NAME:
        home.name = HOME_NAME
        home.save(update_fields=["name"])
    departments = {department.name: department for department in Department.objects.all()}
    context = DemoContext(size=size, random=Random(seed), home=home)
    for username, first, last, role, department_name in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create_by_system(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                email=f"{username}@kessler-brandt.example",
                first_name=first,
                last_name=last,
                department=departments.get(department_name) if department_name else None,
            )
        context.users[username] = user
    for department_name, username in DEPARTMENT_HEADS.items():
        department = departments.get(department_name)
        if department is not None and department.head_id is None:
            department.head = context.users[username]
            department.save(update_fields=["head"])
    management = context.users["leitung"]
    User.objects.filter(
        pk__in=[user.pk for user in context.users.values() if user.pk != management.pk], manager__isnull=True
    ).exclude(role=Role.ADMIN).update(manager=management)
    return context


@dataclass(frozen=True)
class DemoStep:
    """One module's part of the demo: `build(context)` runs inside the demo's transaction, in `order`."""

    order: int
    name: str
    build: Callable[[DemoContext], None]
    # True when the module's demo data (or real data) is there already; the demo loads into an empty database
    present: Callable[[], bool] | None = None
    # extra logins the module adds, printed by the command: (username, role, who)
    logins: tuple[tuple[str, str, str], ...] = ()


_DEMO_STEPS: dict[str, DemoStep] = {}


def demo_step_register(step: DemoStep) -> None:
    _DEMO_STEPS[step.name] = step


def demo_steps() -> list[DemoStep]:
    return sorted(_DEMO_STEPS.values(), key=lambda step: step.order)


def _notifications_tidy(context: DemoContext) -> None:
    notifications_tidy_for_demo()


# last: every module's demo has written its notifications (dated when their cases happened)
demo_step_register(DemoStep(order=1000, name="notifications", build=_notifications_tidy))
