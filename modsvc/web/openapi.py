"""OpenAPI 3.1 for /api/v1, generated from the code: each view declares its pydantic request/response models
with ``@documented(...)``, and ``openapi_document()`` turns those into paths and JSON Schema components.

Why pydantic and not a framework (flask-smorest, APIFlask): the views stay plain Flask with our own error
shapes and key decorator, and the schema comes from the same models that validate the requests.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, TypeAdapter

REF_TEMPLATE = "#/components/schemas/{model}"


class ErrorBody(BaseModel):
    code: int
    message: str
    reason: str | None = None
    details: Any = None


class ErrorResponse(BaseModel):
    """Every error: HTTP status, a message that says what to change, sometimes details."""

    error: ErrorBody


@dataclass
class Operation:
    path: str
    method: str
    summary: str
    description: str = ""
    request: Any = None  # a pydantic model or a type (e.g. a Union) for TypeAdapter
    responses: dict[int, tuple[str, Any]] = field(default_factory=dict)  # status -> (description, model|None)
    parameters: list[dict] = field(default_factory=list)
    tag: str = "scoring"
    secured: bool = True


OPERATIONS: list[Operation] = []

STANDARD_ERRORS = {
    400: "Invalid request; the message says what is wrong",
    401: "Missing, unknown or revoked API key",
    413: "Request body over the limit (1 MB for scoring endpoints)",
    429: "Rate limit or daily quota of the API key exceeded; see Retry-After",
    503: "Overloaded; retry after Retry-After seconds",
}


def documented(path: str, method: str, summary: str, *, request: Any = None,
               responses: dict[int, tuple[str, Any]] | None = None, parameters: list[dict] | None = None,
               errors: tuple[int, ...] = (400, 401, 413, 429, 503), tag: str = "scoring", secured: bool = True):
    """Record a view's contract for the OpenAPI document; the view itself is unchanged."""

    def decorate(view):
        all_responses = dict(responses or {})
        for code in errors:
            all_responses.setdefault(code, (STANDARD_ERRORS.get(code, "Error"), ErrorResponse))
        OPERATIONS.append(Operation(path, method.lower(), summary, (view.__doc__ or "").strip(), request,
                                    all_responses, parameters or [], tag, secured))
        return view

    return decorate


def _schema(model: Any, defs: dict[str, Any]) -> dict:
    adapter = model if isinstance(model, TypeAdapter) else TypeAdapter(model)
    schema = adapter.json_schema(ref_template=REF_TEMPLATE, mode="serialization")
    defs.update(schema.pop("$defs", {}))
    if isinstance(model, type) and issubclass(model, BaseModel):
        defs[model.__name__] = schema
        return {"$ref": REF_TEMPLATE.format(model=model.__name__)}
    return schema


def _request_schema(model: Any, defs: dict[str, Any]) -> dict:
    adapter = TypeAdapter(model)
    schema = adapter.json_schema(ref_template=REF_TEMPLATE, mode="validation")
    defs.update(schema.pop("$defs", {}))
    if isinstance(model, type) and issubclass(model, BaseModel):
        defs[model.__name__] = schema
        return {"$ref": REF_TEMPLATE.format(model=model.__name__)}
    return schema


def openapi_document(server_url: str = "/") -> dict:
    defs: dict[str, Any] = {}
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        entry: dict[str, Any] = {
            "operationId": f"{op.method}_{op.path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}",
            "summary": op.summary,
            "tags": [op.tag],
            "responses": {},
        }
        if op.description:
            entry["description"] = op.description
        if op.parameters:
            entry["parameters"] = op.parameters
        if op.request is not None:
            entry["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": _request_schema(op.request, defs)}}}
        for code, (description, model) in sorted(op.responses.items()):
            response: dict[str, Any] = {"description": description}
            if model is not None:
                response["content"] = {"application/json": {"schema": _schema(model, defs)}}
            if code in (429, 503):
                response["headers"] = {"Retry-After": {"description": "Seconds to wait before retrying",
                                                       "schema": {"type": "string"}}}
            entry["responses"][str(code)] = response
        if not op.secured:
            entry["security"] = []
        paths.setdefault(op.path, {})[op.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "modsvc scoring API",
            "version": "1",
            "description": "Score comments for toxicity, antisemitism and conspiracy narratives, with evidence "
                           "spans and a moderation decision; optionally store them in the moderation queue. "
                           "A Perspective-compatible API is served at /v1alpha1/comments:analyze "
                           "(discovery document at /$discovery/rest?version=v1alpha1).",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer KEY"},
                "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "apiKeyQuery": {"type": "apiKey", "in": "query", "name": "key"},
            },
        },
        "security": [{"bearer": []}, {"apiKeyHeader": []}, {"apiKeyQuery": []}],
    }
