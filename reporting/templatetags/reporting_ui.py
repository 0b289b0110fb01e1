"""Template helpers of the reporting pages."""

from __future__ import annotations

from typing import Any

from django import template

from reporting import permissions

register = template.Library()


@register.filter
def is_reviewer(user: Any) -> bool:
    """Whether the user may use the review queue (reviewers and administrators)."""
    return permissions.is_reviewer_anywhere(user)
