package integration.exampleapp;

import com.stripe.StripeClient;
import com.stripe.exception.CardException;
import com.stripe.exception.StripeException;
import com.stripe.model.PaymentIntent;
import com.stripe.model.Refund;
import com.stripe.net.RequestOptions;
import com.stripe.param.PaymentIntentCreateParams;
import com.stripe.param.RefundCreateParams;
import java.util.Locale;

/** Example component (delete me): paying for an order with Stripe PaymentIntents. */
public final class CheckoutPayments {
  private final StripeClient client;

  /** Payments through {@code client}. */
  public CheckoutPayments(StripeClient client) {
    this.client = client;
  }

  /** The card was declined; {@link #declineCode} says why (e.g. insufficient_funds). */
  public static final class PaymentDeclined extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Stripe's decline code, or null. */
    public final String declineCode;

    /** A decline with Stripe's code and the message for the customer. */
    public PaymentDeclined(String declineCode, String message) {
      super(message);
      this.declineCode = declineCode;
    }
  }

  /** A payment made. */
  public record Payment(String id, long amount, String currency, String status) {}

  /** Charge {@code amountCents} for {@code orderId}, once: the order id is the idempotency key. */
  public Payment pay(String orderId, long amountCents, String currency, String paymentMethod)
      throws StripeException {
    if (amountCents <= 0) {
      throw new IllegalArgumentException("amount must be positive, not " + amountCents);
    }
    PaymentIntent intent;
    try {
      intent =
          client
              .v1()
              .paymentIntents()
              .create(
                  PaymentIntentCreateParams.builder()
                      .setAmount(amountCents)
                      .setCurrency(currency.toLowerCase(Locale.ROOT))
                      .setPaymentMethod(paymentMethod)
                      .setConfirm(true)
                      .putMetadata("order_id", orderId)
                      .build(),
                  RequestOptions.builder().setIdempotencyKey("order-" + orderId).build());
    } catch (CardException declined) {
      String message =
          declined.getUserMessage() != null ? declined.getUserMessage() : declined.getMessage();
      throw new PaymentDeclined(declined.getDeclineCode(), message);
    }
    return new Payment(intent.getId(), intent.getAmount(), intent.getCurrency(), intent.getStatus());
  }

  /** Refund the whole payment; the refund's status. */
  public String refund(String paymentId) throws StripeException {
    Refund refund =
        client.v1().refunds().create(RefundCreateParams.builder().setPaymentIntent(paymentId).build());
    return refund.getStatus() != null ? refund.getStatus() : "unknown";
  }
}
