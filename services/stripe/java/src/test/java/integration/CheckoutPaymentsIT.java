package integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.stripe.StripeClient;
import com.stripe.exception.InvalidRequestException;
import com.stripe.param.PaymentIntentCreateParams;
import com.sun.net.httpserver.HttpServer;
import integration.exampleapp.CheckoutPayments;
import integration.exampleapp.CheckoutPayments.Payment;
import integration.exampleapp.CheckoutPayments.PaymentDeclined;
import integration.harness.StripeMock;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Example tests (delete with exampleapp/): Stripe payments against stripe-mock.
 *
 * <p>stripe-mock checks each request against Stripe's API schema and answers with Stripe's
 * fixtures. It never declines a card, so the decline test answers the same client from a server in
 * the test's own process with the error body Stripe documents for a declined card.
 */
class CheckoutPaymentsIT {
  static final String DECLINED =
      "{\"error\": {\"type\": \"card_error\", \"code\": \"card_declined\","
          + " \"decline_code\": \"insufficient_funds\","
          + " \"message\": \"Your card has insufficient funds.\"}}";

  @Test
  void paymentIsCreatedForTheOrderAmount(StripeClient stripe) throws Exception {
    Payment payment = new CheckoutPayments(stripe).pay("order-1", 2500, "EUR", "pm_card_visa");

    assertTrue(payment.id().startsWith("pi_"), payment.id());
    assertEquals(2500, payment.amount());
    assertEquals("eur", payment.currency());
  }

  @Test
  void paymentCanBeRefunded(StripeClient stripe) throws Exception {
    CheckoutPayments payments = new CheckoutPayments(stripe);
    Payment payment = payments.pay("order-2", 990, "eur", "pm_card_visa");

    assertEquals("succeeded", payments.refund(payment.id()));
  }

  @Test
  void requestTheApiSchemaRefusesIsAnError(StripeClient stripe) {
    InvalidRequestException refused =
        assertThrows(
            InvalidRequestException.class,
            () ->
                stripe
                    .v1()
                    .paymentIntents()
                    .create(PaymentIntentCreateParams.builder().setCurrency("eur").build()));

    assertEquals(400, refused.getStatusCode());
  }

  @Test
  void nonPositiveAmountNeverReachesTheApi(StripeClient stripe) {
    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class,
            () -> new CheckoutPayments(stripe).pay("order-3", 0, "eur", "pm_card_visa"));

    assertTrue(error.getMessage().contains("positive"), error.getMessage());
  }

  @Test
  void declinedCardIsReportedWithItsReason() throws Exception {
    List<String> idempotencyKeys = new ArrayList<>();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/v1/payment_intents",
        exchange -> {
          idempotencyKeys.add(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
          byte[] body = DECLINED.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(402, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort();
      CheckoutPayments payments = new CheckoutPayments(StripeMock.client(url));

      PaymentDeclined declined =
          assertThrows(
              PaymentDeclined.class,
              () -> payments.pay("order-4", 2500, "eur", "pm_card_chargeDeclined"));

      assertEquals("insufficient_funds", declined.declineCode);
      assertTrue(declined.getMessage().contains("insufficient funds"), declined.getMessage());
      assertEquals(List.of("order-order-4"), idempotencyKeys);
    } finally {
      server.stop(0);
    }
  }
}
