import pytest

from accounts.roles import Role
from tests.boards.data import build_board_data
from tests.factories import user_with_role


@pytest.fixture
def small(db):
    return build_board_data(10)


@pytest.fixture
def director(db):
    return user_with_role(Role.DIRECTOR, username="board-director")


@pytest.fixture
def director_client(client, director):
    client.force_login(director)
    return client
