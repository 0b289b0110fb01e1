"""Users of ``make fuzz``: one per role (officers and reviewers of the first ministry with
programmes), each with an API token; prints them as JSON {role: token}."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    import django

    django.setup()

    from accounts.roles import Role
    from accounts.services import user_upsert
    from api.services import api_token_create
    from programs.models import Program

    program = Program.objects.order_by("code").first()
    ministry_id = program.ministry_id if program else None
    tokens = {}
    for role in Role:
        scoped = role in (Role.OFFICER, Role.REVIEWER)
        user, _ = user_upsert(
            username=f"fuzz-{role.value}",
            password="fuzz-password-2026",
            role=role,
            ministry_id=ministry_id if scoped else None,
        )
        tokens[role.value] = api_token_create(user=user)[1]
    print(json.dumps(tokens))


if __name__ == "__main__":
    main()
