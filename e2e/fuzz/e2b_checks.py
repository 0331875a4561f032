"""schemathesis hooks for e2e/fuzz/bin/test: every error answer is E2B's error body."""

import json

import schemathesis


@schemathesis.check
def e2b_error_body(ctx, response, case):
    """4xx/5xx answers are JSON {"code": <the status>, "message": <non-empty text>}."""
    if response.status_code < 400:
        return None
    if response.status_code in (414, 431) and not response.content:
        # Request line or headers over the listener's limits: the HTTP codec answers before any
        # route runs and Vert.x sends no body (docs/compatibility.md, deviations).
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    if not content_type.startswith("application/json"):
        raise AssertionError(
            "error %d has content type %r, not JSON" % (response.status_code, content_type))
    try:
        body = json.loads(response.content)
    except ValueError as e:
        raise AssertionError("error %d body is not JSON: %s" % (response.status_code, e))
    if not isinstance(body, dict):
        raise AssertionError("error body is not an object: %r" % (body,))
    if body.get("code") != response.status_code:
        raise AssertionError(
            "error body code %r differs from the status %d" % (body.get("code"), response.status_code))
    if not isinstance(body.get("message"), str) or not body["message"]:
        raise AssertionError("error body has no message: %r" % (body,))
    return None
