"""The API's OpenAPI generation (drf-spectacular), set on every API view (``api.views.ApiView``).

A paginated list (``?page=N``) answers 404, in the API's error shape, for a page past the last one
(DRF's ``PageNumberPagination`` raises ``NotFound``: "Invalid page."). drf-spectacular does not
declare that answer by itself, so a schema-conformance check (``make fuzz`` with
``FUZZ_STRICT_STATUS=1``) found undeclared 404s; ``ApiAutoSchema`` adds it to every paginated list
operation that does not declare its own 404.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from api.serializers import ErrorResponseSerializer

PAGE_NOT_FOUND = OpenApiResponse(
    ErrorResponseSerializer,
    description=_("No such page: the page number is past the last page."),
)


class ApiAutoSchema(AutoSchema):
    def is_paginated_list(self) -> bool:
        return self.method == "GET" and self._get_paginator() is not None and self._is_list_view()

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        if direction == "response" and "404" not in responses and self.is_paginated_list():
            responses["404"] = self._get_response_for_code(
                PAGE_NOT_FOUND, "404", direction=direction
            )
        return responses
