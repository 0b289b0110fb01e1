import pytest

from tests.status.portfolio import build_portfolio


@pytest.fixture
def portfolio(db):
    return build_portfolio()
