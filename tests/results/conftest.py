"""The hand-computed two-year portfolio of test_figures, shared by the report's tests."""

from tests.results.test_figures import portfolio  # noqa: F401
