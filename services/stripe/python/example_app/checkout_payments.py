"""Example component (delete me): paying for an order with Stripe PaymentIntents."""

from __future__ import annotations

from dataclasses import dataclass

import stripe


class PaymentDeclined(RuntimeError):
    """The card was declined; ``decline_code`` says why (e.g. insufficient_funds)."""

    def __init__(self, decline_code: str | None, message: str) -> None:
        super().__init__(message)
        self.decline_code = decline_code


@dataclass(frozen=True)
class Payment:
    id: str
    amount: int
    currency: str
    status: str


class CheckoutPayments:
    """Charges orders once each: the order id is the idempotency key."""

    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client

    def pay(
        self, order_id: str, amount_cents: int, currency: str, payment_method: str
    ) -> Payment:
        if amount_cents <= 0:
            raise ValueError(f"amount must be positive, not {amount_cents}")
        try:
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": amount_cents,
                    "currency": currency.lower(),
                    "payment_method": payment_method,
                    "confirm": True,
                    "metadata": {"order_id": order_id},
                },
                options={"idempotency_key": f"order-{order_id}"},
            )
        except stripe.CardError as error:
            decline_code = error.error.decline_code if error.error else None
            raise PaymentDeclined(
                decline_code, error.user_message or str(error)
            ) from None
        return Payment(intent.id, intent.amount, intent.currency, intent.status)

    def refund(self, payment_id: str) -> str:
        """Refund the whole payment; return the refund's status."""
        refund = self.client.v1.refunds.create(params={"payment_intent": payment_id})
        return refund.status or "unknown"
