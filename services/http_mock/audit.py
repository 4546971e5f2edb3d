"""Leak audit of WireMock: stubs and recorded requests of tests (``/test-...``)."""

from __future__ import annotations

import httpx

from native.common import native_service
from tests.audit import made_by_tests


def leftovers() -> dict[str, int]:
    """``{path: how many}`` of the test stubs and recorded requests still on the server."""
    url = native_service("http_mock").url
    mappings = httpx.get(f"{url}/__admin/mappings", timeout=5).json()["mappings"]
    requests = httpx.get(f"{url}/__admin/requests", timeout=5).json()["requests"]
    paths = [m["request"].get("urlPath", "") for m in mappings]
    paths += [r["request"]["url"] for r in requests]
    return made_by_tests(paths, "/test-")
