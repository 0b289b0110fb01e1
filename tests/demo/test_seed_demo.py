import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.roles import Role, has_role, sees_all_ministries, user_roles
from budget.models import Ministry

pytestmark = pytest.mark.django_db


@pytest.fixture
def ministries():
    return [
        Ministry.objects.create(code="MSIT", name="Science and ICT", name_ko="과기정통부"),
        Ministry.objects.create(code="MOE", name="Ministry of Education", name_ko="교육부"),
    ]


def test_refuses_without_debug(settings, ministries):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("seed_demo", "--no-progress")
    assert not User.objects.exists()


def test_force_runs_without_debug(settings, ministries, capsys):
    settings.DEBUG = False
    call_command("seed_demo", "--no-progress", "--force")
    assert User.objects.filter(username="admin").exists()


def test_creates_every_role_and_one_officer_per_ministry(settings, ministries, capsys):
    settings.DEBUG = True
    call_command("seed_demo", "--no-progress")
    out = capsys.readouterr().out
    usernames = set(User.objects.values_list("username", flat=True))
    assert usernames == {"admin", "director", "reviewer", "auditor", "officer-msit", "officer-moe"}
    for name in usernames:
        assert name in out
    assert "tracker-demo-2026" in out

    officer = User.objects.get(username="officer-msit")
    assert officer.ministry == ministries[0]
    assert user_roles(officer) == {Role.OFFICER}
    assert officer.check_password("tracker-demo-2026")
    assert not sees_all_ministries(officer)

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert has_role(admin, Role.ADMINISTRATOR)
    director = User.objects.get(username="director")
    assert user_roles(director) == {Role.DIRECTOR}
    assert not director.is_staff
    assert sees_all_ministries(director)
    reviewer = User.objects.get(username="reviewer")
    assert sees_all_ministries(reviewer)


def test_is_idempotent(settings, ministries, capsys):
    settings.DEBUG = True
    call_command("seed_demo", "--no-progress")
    call_command("seed_demo", "--no-progress")
    assert User.objects.count() == 6
    assert User.objects.get(username="auditor").groups.count() == 1
    assert "(0 new)" in capsys.readouterr().out
