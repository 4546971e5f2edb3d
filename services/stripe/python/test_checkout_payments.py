"""Example tests (delete with example_app/): Stripe payments against stripe-mock.

stripe-mock checks each request against Stripe's API schema and answers with
Stripe's fixtures. It never declines a card, so the decline test answers the
same client in process (respx) with the error body Stripe documents for a
declined card.
"""

from __future__ import annotations

import httpx
import pytest
import respx
import stripe
from example_app.checkout_payments import CheckoutPayments, PaymentDeclined
from integration_harness.stripe_mock import make_stripe_client

DECLINED = {
    "error": {
        "type": "card_error",
        "code": "card_declined",
        "decline_code": "insufficient_funds",
        "message": "Your card has insufficient funds.",
    }
}


def test_payment_is_created_for_the_order_amount(
    stripe_client: stripe.StripeClient,
) -> None:
    payment = CheckoutPayments(stripe_client).pay(
        "order-1", 2500, "EUR", "pm_card_visa"
    )

    assert payment.id.startswith("pi_")
    assert (payment.amount, payment.currency) == (2500, "eur")


def test_payment_can_be_refunded(stripe_client: stripe.StripeClient) -> None:
    payments = CheckoutPayments(stripe_client)
    payment = payments.pay("order-2", 990, "eur", "pm_card_visa")

    assert payments.refund(payment.id) == "succeeded"


def test_request_the_api_schema_refuses_is_an_error(
    stripe_client: stripe.StripeClient,
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.payment_intents.create(params={"currency": "eur"})  # no amount

    assert refused.value.http_status == 400


def test_non_positive_amount_never_reaches_the_api(
    stripe_client: stripe.StripeClient,
) -> None:
    with pytest.raises(ValueError, match="positive"):
        CheckoutPayments(stripe_client).pay("order-3", 0, "eur", "pm_card_visa")


def test_declined_card_is_reported_with_its_reason() -> None:
    with respx.mock(base_url="https://stripe.example", assert_all_called=True) as api:
        route = api.post("/v1/payment_intents").mock(
            return_value=httpx.Response(402, json=DECLINED)
        )
        payments = CheckoutPayments(make_stripe_client("https://stripe.example"))

        with pytest.raises(PaymentDeclined) as declined:
            payments.pay("order-4", 2500, "eur", "pm_card_chargeDeclined")

    assert declined.value.decline_code == "insufficient_funds"
    assert "insufficient funds" in str(declined.value)
    assert route.calls.last.request.headers["Idempotency-Key"] == "order-order-4"
