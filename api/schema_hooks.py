"""Schema post-processing: the answers of the request guard (ops/guard.py) on every operation.

The guard runs before any view, so every operation can answer 400 (a NUL character in the path,
the query or a JSON string; JSON nested too deep or not JSON) and every operation with a body 413
(a body over its limit). They use the API's error shape.
"""

from __future__ import annotations

from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
METHODS = ("get", "post", "put", "patch", "delete")


def document_request_guard(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    if "ErrorResponse" not in result.get("components", {}).get("schemas", {}):
        return result
    content = {"application/json": {"schema": ERROR_REF}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            responses.setdefault(
                "400",
                {
                    "description": "A NUL character in the path, the query or the body, or a "
                    "JSON body that is not JSON or nests too deep.",
                    "content": content,
                },
            )
            if "requestBody" in operation:
                responses.setdefault(
                    "413",
                    {
                        "description": "The request body is larger than its limit.",
                        "content": content,
                    },
                )
    return result
