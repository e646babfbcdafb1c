"""RFC 9457 problem details with a stable `code` the PWA translates."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ExceptionHandlersMap

from shared_schemas.common import Problem

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

# Stable codes for errors raised by the framework itself.
CODES_BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


# Every API operation documents these answers with the Problem schema.
PROBLEM_RESPONSES = {
    status: ResponseSpec(
        data_container=Problem,
        description=HTTPStatus(status).phrase,
        media_type=PROBLEM_JSON,
        generate_examples=False,
    )
    for status in (400, 401, 403, 404, 409, 413, 415, 422, 429, 503)
}


class ProblemError(Exception):
    """Raise anywhere to answer with a problem document."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


NOT_FOUND_DETAIL = "This resource does not exist or is not visible to you."


def not_found(detail: str = NOT_FOUND_DETAIL) -> ProblemError:
    """The answer for rows a viewer may not see too: 404, never 403 (no existence leak)."""
    return ProblemError(404, "not_found", detail)


def forbidden(detail: str = "Your role does not allow this action.") -> ProblemError:
    return ProblemError(403, "forbidden", detail)


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    code: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors is not None:
        body["errors"] = errors
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_errors(extra: Any) -> list[dict[str, Any]]:
    """Litestar's validation `extra` -> [{"field": "a.b", "message": ...}]."""
    errors = []
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, dict):
            continue
        field = item.get("key") or ""
        errors.append({"field": str(field), "message": str(item.get("message", "invalid"))})
    return errors


def handle_problem(request: Request[Any, Any, Any], exc: ProblemError) -> Response[dict[str, Any]]:
    return problem_response(request, exc.status, exc.code, exc.detail, exc.errors, exc.headers)


def handle_validation(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    return problem_response(
        request,
        400,
        "validation_failed",
        "Some fields are missing or invalid.",
        _field_errors(exc.extra),
    )


# Litestar's words when a request body stops arriving because the client went away (a phone
# that lost the network mid-upload): not our fault, and nobody is left to read the answer.
CLIENT_GONE = "client disconnected prematurely"


def handle_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    if exc.detail == CLIENT_GONE:
        log.info("the client went away during %s", request.url.path)
        return problem_response(request, 400, "bad_request", "The request did not arrive whole.")
    if status >= 500:
        log.error("server error on %s: %s", request.url.path, exc.detail)
        return problem_response(
            request, status, "internal_error", "Something went wrong on our side."
        )
    if isinstance(exc.__cause__, SerializationException):
        return problem_response(
            request, 400, "malformed_json", "The request body is not valid JSON."
        )
    if status == 404:
        return problem_response(request, 404, "not_found", NOT_FOUND_DETAIL)
    code = CODES_BY_STATUS.get(status, "bad_request")
    headers = dict(exc.headers or {})
    return problem_response(request, status, code, str(exc.detail), headers=headers or None)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return problem_response(request, 500, "internal_error", "Something went wrong on our side.")


def _raised_in(error: BaseException, function: str) -> bool:
    frame = error.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code.co_name == function:
            return True
        frame = frame.tb_next
    return False


def handle_recursion(
    request: Request[Any, Any, Any], exc: RecursionError
) -> Response[dict[str, Any]]:
    """JSON nested thousands deep stops the decoder with RecursionError, which Litestar
    does not turn into a 400 as it does other undecodable bodies."""
    if _raised_in(exc, "decode_json"):
        return problem_response(
            request, 400, "malformed_json", "The request body is nested too deeply."
        )
    return handle_unexpected(request, exc)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ProblemError: handle_problem,
    ValidationException: handle_validation,
    HTTPException: handle_http,
    RecursionError: handle_recursion,
    Exception: handle_unexpected,
}
