import pytest


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Tests read English unless they switch language themselves."""
    settings.LANGUAGE_CODE = "en"


def _uses_db(request: pytest.FixtureRequest) -> tuple[bool, bool]:
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    # live_server asks for transactional_db at run time, so it is not among the fixture names
    transactional = (
        "transactional_db" in names
        or "live_server" in names
        or bool(marker and marker.kwargs.get("transaction"))
    )
    return transactional or bool(marker) or "db" in names, transactional


@pytest.fixture(autouse=True)
def _flushable_audit_trail(request):
    """The audit trail refuses TRUNCATE (audit migration 0003), which is how Django empties the
    database after a transactional test. Only for that flush, the test connection (a superuser's)
    skips the table's triggers (session_replication_role = replica); every test starts with them
    on again."""
    uses_db, transactional = _uses_db(request)
    if not uses_db:
        yield
        return
    request.getfixturevalue("_django_db_helper")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
    yield
    if transactional:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")


# Playwright's chromium for the browser tests of every folder, one session per run.
from tests.browser_fixtures import browser, page  # noqa: E402, F401
