// Example component (delete me): paying for an order with Stripe PaymentIntents.
import Stripe from "stripe";

/** The card was declined; `declineCode` says why (e.g. insufficient_funds). */
export class PaymentDeclined extends Error {
  constructor(
    readonly declineCode: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface Payment {
  id: string;
  amount: number;
  currency: string;
  status: string;
}

/** Charges orders once each: the order id is the idempotency key. */
export class CheckoutPayments {
  constructor(private readonly stripe: Stripe) {}

  async pay(orderId: string, amountCents: number, currency: string, paymentMethod: string): Promise<Payment> {
    if (amountCents <= 0) throw new RangeError(`amount must be positive, not ${amountCents}`);
    try {
      const intent = await this.stripe.paymentIntents.create(
        {
          amount: amountCents,
          currency: currency.toLowerCase(),
          payment_method: paymentMethod,
          confirm: true,
          metadata: { order_id: orderId },
        },
        { idempotencyKey: `order-${orderId}` },
      );
      return { id: intent.id, amount: intent.amount, currency: intent.currency, status: intent.status };
    } catch (error) {
      if (error instanceof Stripe.errors.StripeCardError) {
        throw new PaymentDeclined(error.decline_code, error.message);
      }
      throw error;
    }
  }

  /** Refund the whole payment; return the refund's status. */
  async refund(paymentId: string): Promise<string> {
    const refund = await this.stripe.refunds.create({ payment_intent: paymentId });
    return refund.status ?? "unknown";
  }
}
