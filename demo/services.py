"""The demo data of `seed_demo`: users for every role and every loaded ministry and, for the
shipped 2026 budget only, sample progress (:mod:`demo.progress`).

The demo app sits above every app it fills (accounts, budget, reporting) and none of them imports
it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import get_language, gettext, gettext_lazy

from accounts.roles import Role
from accounts.services import roles_ensure_groups, user_upsert
from budget.formatting import localized_name
from budget.models import Ministry
from demo.progress import demo_progress_seed

DEMO_PASSWORD = "tracker-demo-2026"  # demo only: seed_demo needs DEBUG


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    description: str


@dataclass
class DemoResult:
    logins: list[DemoLogin] = field(default_factory=list)
    users_created: int = 0
    reports_created: int = 0

    def summary(self) -> str:
        return gettext(
            "Demo users: %(users)d (%(new)d new). Sample progress reports created: %(reports)d."
        ) % {"users": len(self.logins), "new": self.users_created, "reports": self.reports_created}


_STAFF = [
    (
        "admin",
        Role.ADMINISTRATOR,
        gettext_lazy("Administrator: manages users, ministries, programmes, targets"),
    ),
    ("director", Role.DIRECTOR, gettext_lazy("Director: reads every status board")),
    (
        "reviewer",
        Role.REVIEWER,
        gettext_lazy("Reviewer: approves or returns reports of every ministry"),
    ),
    ("auditor", Role.AUDITOR, gettext_lazy("Auditor: reads the audit trail")),
]


@transaction.atomic
def demo_seed(*, password: str = DEMO_PASSWORD, progress: bool = True) -> DemoResult:
    roles_ensure_groups()
    result = DemoResult()
    for username, role, description in _STAFF:
        _, created = user_upsert(username=username, password=password, role=role)
        result.users_created += created
        result.logins.append(DemoLogin(username, password, str(description)))
    for ministry in Ministry.objects.order_by("code"):
        username = f"officer-{ministry.code.lower()}"
        _, created = user_upsert(
            username=username, password=password, role=Role.OFFICER, ministry_id=ministry.pk
        )
        result.users_created += created
        result.logins.append(
            DemoLogin(
                username,
                password,
                gettext("Officer of %(ministry)s (%(code)s)")
                % {
                    "ministry": localized_name(
                        ministry.name, ministry.name_ko, get_language() or "ko"
                    ),
                    "code": ministry.code,
                },
            )
        )
    if progress:
        result.reports_created = demo_progress_seed()
    return result
