// Example tests (delete with example_app/): Stripe payments against stripe-mock.
//
// stripe-mock checks each request against Stripe's API schema and answers with
// Stripe's fixtures. It never declines a card, so the decline test gives the
// same client an in-process HTTP client that answers with the error body Stripe
// documents for a declined card.
import Stripe from "stripe";
import { CheckoutPayments, PaymentDeclined } from "./example_app/checkoutPayments";
import { expect, test } from "./harness/fixtures";
import { makeStripeClient } from "./harness/stripeMock";

const DECLINED = {
  error: {
    type: "card_error",
    code: "card_declined",
    decline_code: "insufficient_funds",
    message: "Your card has insufficient funds.",
  },
};

test("payment is created for the order amount", async ({ stripeClient }) => {
  const payment = await new CheckoutPayments(stripeClient).pay("order-1", 2500, "EUR", "pm_card_visa");

  expect(payment.id).toMatch(/^pi_/);
  expect([payment.amount, payment.currency]).toEqual([2500, "eur"]);
});

test("payment can be refunded", async ({ stripeClient }) => {
  const payments = new CheckoutPayments(stripeClient);
  const payment = await payments.pay("order-2", 990, "eur", "pm_card_visa");

  expect(await payments.refund(payment.id)).toBe("succeeded");
});

test("a request the api schema refuses is an error", async ({ stripeClient }) => {
  const noAmount = { currency: "eur" } as unknown as Stripe.PaymentIntentCreateParams;

  await expect(stripeClient.paymentIntents.create(noAmount)).rejects.toMatchObject({ statusCode: 400 });
});

test("non-positive amount never reaches the api", async ({ stripeClient }) => {
  await expect(new CheckoutPayments(stripeClient).pay("order-3", 0, "eur", "pm_card_visa")).rejects.toBeInstanceOf(
    RangeError,
  );
});

test("declined card is reported with its reason", async () => {
  const requests: Request[] = [];
  const declining: typeof fetch = async (input, init) => {
    requests.push(new Request(input, init));
    return Response.json(DECLINED, { status: 402 });
  };
  const payments = new CheckoutPayments(makeStripeClient("https://stripe.example", declining));

  const declined = await payments.pay("order-4", 2500, "eur", "pm_card_chargeDeclined").catch((error) => error);

  expect(declined).toBeInstanceOf(PaymentDeclined);
  expect(declined.declineCode).toBe("insufficient_funds");
  expect(declined.message).toContain("insufficient funds");
  expect(requests[0].headers.get("idempotency-key")).toBe("order-order-4");
});
