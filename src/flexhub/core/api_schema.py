"""The API's OpenAPI schema tells what the API answers, errors included.

`ApiSchema` is drf-spectacular's AutoSchema (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS) plus the
error answers an operation can give, each with the body `core.api_base.exception_handler`
writes (component `Error`):

| status | when | documented on |
| --- | --- | --- |
| 400 | invalid input, a broken business rule, a malformed request (a NUL, too many fields) | every operation |
| 401 | no valid credentials | every operation that needs them |
| 403 | the caller's role may not do this | every operation that needs credentials |
| 404 | no such object among those the caller may see, or a page past the last | operations with parameters |
| 409 | someone else is changing the same thing now | actions a viewset names in `conflict_actions` |
| 413 | the request body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE | operations with a request body |
| 429 | too many requests | views with throttles |
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error the API answers. A refused input also keeps its validator's messages under the "
    'input\'s own name (`{"detail": ..., "field": "title", "title": ["This field is required."]}`).',
    "properties": {
        "detail": {"type": "string", "description": "What is wrong, in words fit to show a person."},
        "field": {"type": "string", "description": "The input at fault, where there is one."},
    },
    "required": ["detail"],
    "additionalProperties": {"description": "The messages for one input, under its name."},
}

# status: (component name, description)
ERROR_RESPONSES: dict[str, tuple[str, str]] = {
    "400": ("BadRequest", "The request is malformed, an input is invalid or it breaks a business rule."),
    "401": ("Unauthorized", "No valid credentials: send `Authorization: Token <token>`."),
    "403": ("Forbidden", "The caller's role may not do this."),
    "404": ("NotFound", "No such object among those the caller may see."),
    "409": ("Conflict", "Someone else is changing the same thing right now; try again when they have finished."),
    "413": ("PayloadTooLarge", "The request body is larger than the server accepts."),
    "429": ("TooManyRequests", "Too many requests; try again after the `Retry-After` header's seconds."),
}

RETRY_AFTER = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."},
}


class ApiSchema(AutoSchema):
    """AutoSchema that documents the error answers each operation can give."""

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses: dict[str, Any] = operation["responses"]
        for status in self.error_statuses(operation):
            responses.setdefault(status, self._error_response(status))
        return operation

    def _keyset_list(self) -> bool:
        return bool(getattr(self.view, "keyset_paged", False)) and getattr(self.view, "action", None) == "list"

    def get_operation_id(self) -> str:
        operation_id = str(super().get_operation_id())
        if self._keyset_list() and operation_id.endswith("_retrieve"):
            return operation_id.removesuffix("_retrieve") + "_list"
        return operation_id

    def _is_list_view(self, serializer: Any = None) -> bool:
        # A list paged by key answers one object ({"next", "results"}), not an array or a
        # page-numbered envelope: such views say so with `keyset_paged = True`.
        if self._keyset_list():
            return False
        return bool(super()._is_list_view(serializer))

    def error_statuses(self, operation: dict[str, Any]) -> list[str]:
        """The error statuses this operation can answer (see the module's table)."""
        statuses = ["400"]
        security = operation.get("security") or []
        if security and {} not in security:
            statuses += ["401", "403"]
        if operation.get("parameters"):
            statuses.append("404")
        if getattr(self.view, "action", None) in getattr(self.view, "conflict_actions", ()):
            statuses.append("409")
        if "requestBody" in operation:
            statuses.append("413")
        if self.view.get_throttles():
            statuses.append("429")
        return statuses

    def _error_response(self, status: str) -> dict[str, Any]:
        """A reference to the shared response for `status` (components.responses), carrying `Error`."""
        name, description = ERROR_RESPONSES[status]
        response: dict[str, Any] = {
            "description": description,
            "content": {
                "application/json": {"schema": self._component("Error", ResolvedComponent.SCHEMA, ERROR_SCHEMA)}
            },
        }
        if status == "429":
            response["headers"] = RETRY_AFTER
        return self._component(name, ResolvedComponent.RESPONSE, response)

    def _component(self, name: str, kind: str, schema: dict[str, Any]) -> dict[str, Any]:
        component = ResolvedComponent(name, kind, schema=schema, object=f"{__name__}.{name}")  # type: ignore[no-untyped-call]
        self.registry.register_on_missing(component)
        return component.ref
