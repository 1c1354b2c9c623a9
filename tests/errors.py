"""The API's error body as tests compare it: without its ``request_id``, once that is
checked to be the response's ``X-Request-ID`` (apps/common/request_context.py)."""
from __future__ import annotations


def error_json(response) -> dict:
    body = response.json()
    assert body.pop("request_id") == response["X-Request-ID"], body
    return body
