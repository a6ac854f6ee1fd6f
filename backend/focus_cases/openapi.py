"""The OpenAPI 3.1 document, built from the route table and the pydantic models."""

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from focus_cases.endpoints import IDEMPOTENCY_KEY_LENGTH, Endpoint
from focus_cases.problems import CONTENT_TYPE as PROBLEM_TYPE
from focus_cases.schemas import Problem

_REF = "#/components/schemas/{model}"
_PROBLEM = {"$ref": _REF.format(model="Problem")}
_ERROR_TEXT = {
    400: "Malformed JSON or a bad header",
    401: "No or wrong credentials",
    403: "Wrong role, or missing CSRF token",
    404: "Not found",
    409: "Conflict with the case's current state",
    413: "Body over 64 KiB",
    415: "Body is not application/json",
    422: "Body or query fails validation (unknown fields, wrong types, bad values)",
    429: "Too many failed attempts",
    502: "The bot (Rasa) answered with an error",
    503: "Database or the bot (Rasa) unavailable",
}
_SECURITY = {
    "service": {"bearerAuth": []},
    "staff": {"cookieAuth": []},
}


def _strip_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent rather than null."""
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1:
        return {**options[0], **{k: v for k, v in schema.items() if k != "anyOf"}}
    return schema


def _operation(entry: Endpoint, refs: dict[tuple[type[BaseModel], str], Any]) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": entry.summary, "operationId": entry.handler.__name__}
    params: list[dict[str, Any]] = []
    params += [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{(\w+)\}", entry.path)
    ]
    if entry.query:
        properties = entry.query.model_json_schema()["properties"]
        params += [
            {"name": name, "in": "query", "required": False, "schema": _strip_null(schema)}
            for name, schema in properties.items()
        ]
    if entry.idempotency_key:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Required with the service token; a repeat returns the same case",
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": IDEMPOTENCY_KEY_LENGTH,
                },
            }
        )
    if params:
        op["parameters"] = params
    if entry.body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(entry.body, "validation")]}},
        }
    responses: dict[str, Any] = {}
    errors = {400}
    if entry.roles:
        errors |= {401, 403}
        op["security"] = [_SECURITY["service"]] if "service" in entry.roles else []
        if entry.roles - {"service"}:
            op["security"].append(_SECURITY["staff"])
        op["x-roles"] = sorted(entry.roles)  # finer than security: agent or admin
    if entry.body:
        errors |= {413, 415, 422}
    if entry.query:
        errors.add(422)
    if "{" in entry.path:
        errors.add(404)
    for status, model in entry.responses.items():
        if status >= 400:
            errors.add(status)
        elif model is None:
            responses[str(status)] = {"description": "No content"}
        else:
            schema = refs[(model, "serialization")]
            responses[str(status)] = {
                "description": model.__doc__ or "OK",
                "content": {"application/json": {"schema": schema}},
            }
    if not responses:
        responses["200"] = {"description": "OK", "content": {"application/json": {}}}
    for status in sorted(errors):
        responses[str(status)] = {
            "description": _ERROR_TEXT[status],
            "content": {PROBLEM_TYPE: {"schema": _PROBLEM}},
        }
    op["responses"] = responses
    return op


def document(endpoints: list[Endpoint]) -> dict[str, Any]:
    wanted: list[tuple[type[BaseModel], Any]] = [(Problem, "serialization")]
    for entry in endpoints:
        if entry.body:
            wanted.append((entry.body, "validation"))
        wanted += [(m, "serialization") for m in entry.responses.values() if m]
    refs, definitions = models_json_schema(list(dict.fromkeys(wanted)), ref_template=_REF)
    paths: dict[str, dict[str, Any]] = {}
    for entry in endpoints:
        paths.setdefault(entry.path, {})[entry.method.lower()] = _operation(entry, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Focus Group case service",
            "version": "1.0.0",
            "description": "Cases, customer verification and working hours for the "
            "Focus Group assistant. Errors are application/problem+json.",
        },
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The bot's service token (FOCUS_SERVICE_TOKEN)",
                },
                "cookieAuth": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "focus_session",
                    "description": "Staff session from POST /api/auth/login; state-changing "
                    "requests also need header X-CSRF-Token",
                },
            },
        },
    }
