"""Leak audit of Mailpit: captured e-mails sent to test addresses (``+test-...@``)."""

from __future__ import annotations

from collections import Counter

import httpx

from native.common import native_service


def leftovers() -> dict[str, int]:
    """``{address: messages}`` of the e-mails to test addresses still captured."""
    found = httpx.get(
        f"{native_service('mail').url}/api/v1/search",
        params={"query": "+test-", "limit": "10000"},
        timeout=5,
    ).json()
    return dict(
        Counter(
            recipient["Address"]
            for message in found["messages"]
            for field in ("To", "Cc", "Bcc")
            for recipient in message.get(field) or []
            if "+test-" in recipient["Address"]
        )
    )
