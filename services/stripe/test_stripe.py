"""The template's tests that are only about Stripe (stripe-mock): its API keys never
appear in what the harness prints."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.rig import alone_answers, forget_harness, harness_module, render

pytestmark = pytest.mark.render_only  # never talks to the test services (conftest.py)

SERVICE = "stripe"


@pytest.fixture(scope="module")
def safety(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The safety module of a Python project that uses Stripe."""
    project = render(
        tmp_path_factory.mktemp("stripe") / "project", **alone_answers(SERVICE)
    )
    yield harness_module(project, "safety")
    forget_harness()


def test_stripe_keys_are_redacted(safety) -> None:
    """Secret, live and restricted keys (the other credential forms are
    tests/test_guard_faults.py's)."""
    text = "stripe key sk_test_hunter2 and sk_live_hunter2 and rk_test_hunter2"

    redacted = safety.redact(text)

    assert "hunter2" not in redacted
    assert "***" in redacted
    assert redacted.startswith("stripe key ")
