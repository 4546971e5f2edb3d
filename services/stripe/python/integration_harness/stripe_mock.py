# Managed by integration-harness: `copier update` rewrites this file.
# Local changes go in conftest.py (override a fixture) or .env.test.local.
"""Stripe API mock fixtures (stripe-mock): ``stripe_api_url``, ``stripe_client``.

stripe-mock answers every Stripe API call from Stripe's own OpenAPI fixtures and
refuses requests its schema does not allow, so client code is checked against
the real API's shape. It keeps no state (a created payment cannot be read back
with its values) and never declines a card: test declines with an in-process
router instead (see the example), using the error body Stripe documents.

Isolation: nothing to clean. The client always uses a fixed test key, never
yours, so a misconfigured URL cannot charge anyone.
"""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
import stripe

from .readiness import Misconfigured, NotReady
from .safety import ensure_disposable_url, guarded_url
from .services import service_of
from .settings import Settings

SERVICE = service_of("stripe_mock")
TEST_API_KEY = "sk_test_integrationharness"


def pytest_configure(config: pytest.Config) -> None:
    """stripe-python posts encoded bytes through httpx's older keyword: that
    DeprecationWarning is the library's, not the tests', so it is not shown."""
    config.addinivalue_line(
        "filterwarnings",
        "ignore:Use 'content=<...>' to upload raw bytes/text content:DeprecationWarning",
    )


def guard(url: str, settings: Settings) -> None:
    """Refuse ``url`` unless its host is a disposable test service (see ``safety``)."""
    ensure_disposable_url(SERVICE, url, settings.allowed_hosts)


def probe(url: str, timeout: float) -> str:
    """List charges with the test key; raise NotReady / Misconfigured."""
    request = urllib.request.Request(
        f"{url}/v1/charges", headers={"Authorization": f"Bearer {TEST_API_KEY}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            version = response.headers.get("Stripe-Mock-Version", "")
    except urllib.error.HTTPError as error:
        raise Misconfigured(
            f"HTTP {error.code} from {url}/v1/charges: is this stripe-mock?"
        ) from None
    except (OSError, ValueError) as error:
        raise NotReady(str(getattr(error, "reason", error))) from None
    return f"{SERVICE.title} {version}".strip()


def make_stripe_client(api_url: str) -> stripe.StripeClient:
    """A StripeClient on ``api_url`` with the test key, no retries, and httpx underneath."""
    return stripe.StripeClient(
        TEST_API_KEY,
        base_addresses={"api": api_url, "connect": api_url, "files": api_url},
        max_network_retries=0,
        http_client=stripe.HTTPXClient(allow_sync_methods=True),
    )


@pytest.fixture(scope="session")
def stripe_api_url(harness_settings: Settings) -> str:
    """Session: URL of a ready stripe-mock (``TEST_STRIPE_URL``)."""
    return guarded_url(harness_settings, SERVICE.url_var, guard)


@pytest.fixture(scope="session")
def stripe_client(stripe_api_url: str) -> stripe.StripeClient:
    """Session: a ``stripe.StripeClient`` whose requests go to stripe-mock (test key)."""
    return make_stripe_client(stripe_api_url)
