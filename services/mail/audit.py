"""Leak audit of MailDev: captured e-mails sent to test addresses (``+test-...@``)."""

from __future__ import annotations

from collections import Counter

import httpx

from native.common import native_service


def leftovers() -> dict[str, int]:
    """``{address: messages}`` of the e-mails to test addresses still captured."""
    messages = httpx.get(f"{native_service('mail').url}/email", timeout=5).json()
    return dict(
        Counter(
            r["address"]
            for message in messages
            for r in message["envelope"]["to"]
            if "+test-" in r["address"]
        )
    )
