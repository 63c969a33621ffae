"""The error type shared by the server and the user helpers."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API failure, carried as an exception so handlers can bail out from any depth.

    The server turns it into Telegram's error envelope; tests can raise and match it too.
    """

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def standard_error(status: int, retry_after: int | None = None) -> ApiError:
    """Build the body Telegram answers with for a given HTTP status, for fault injection."""
    if status == 429:
        seconds = 1 if retry_after is None else retry_after
        return ApiError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)
    texts = {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden: bot was blocked by the user",
        404: "Not Found",
        409: "Conflict: terminated by other getUpdates request",
        500: "Internal Server Error",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
    }
    return ApiError(status, texts.get(status, f"Error {status}"))
