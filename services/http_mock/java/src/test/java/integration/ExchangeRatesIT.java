package integration;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.serverError;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.sun.net.httpserver.HttpServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import integration.exampleapp.ExchangeRates;
import integration.exampleapp.ExchangeRates.CircuitBreaker;
import integration.exampleapp.ExchangeRates.CircuitOpen;
import integration.exampleapp.ExchangeRates.RatesUnavailable;
import integration.exampleapp.ExchangeRates.UnknownCurrency;
import integration.harness.HttpMock;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Example tests (delete with exampleapp/): a third-party HTTP API, stubbed two ways.
 *
 * <p>Most tests run the client against WireMock ({@code HttpMock.Stubs}): real HTTP, real
 * timeouts. The last one answers the same client from the JDK's own HTTP server in the test's
 * process, for unit-speed checks where the shared server adds nothing.
 */
class ExchangeRatesIT {
  static final String EUR_USD = "{\"base\": \"EUR\", \"rates\": {\"USD\": 1.0842}}";

  static ExchangeRates rates(HttpMock.Stubs api) {
    return new ExchangeRates(
        api.baseUrl(),
        Duration.ofMillis(500),
        2,
        Duration.ofMillis(10),
        new CircuitBreaker(3, Duration.ofSeconds(30)));
  }

  @Test
  void rateIsReadFromTheApi(HttpMock.Stubs api) throws Exception {
    api.stub(
        get(urlPathEqualTo(api.path("/rates/EUR")))
            .withQueryParam("symbols", equalTo("USD"))
            .willReturn(okJson(EUR_USD)));

    assertEquals(new BigDecimal("1.0842"), rates(api).rate("EUR", "USD"));

    List<LoggedRequest> received = api.requests("GET", "/rates/EUR");
    assertEquals(1, received.size());
    assertEquals("application/json", received.get(0).getHeader("Accept"));
  }

  @Test
  void serverErrorIsRetriedThenSucceeds(HttpMock.Stubs api) throws Exception {
    api.stubSequence("GET", "/rates/EUR", aResponse().withStatus(503), okJson(EUR_USD));

    assertEquals(new BigDecimal("1.0842"), rates(api).rate("EUR", "USD"));

    assertEquals(2, api.requests("GET", "/rates/EUR").size());
  }

  @Test
  void unknownCurrencyIsNotRetried(HttpMock.Stubs api) {
    api.stub(
        get(urlPathEqualTo(api.path("/rates/XXX")))
            .willReturn(WireMock.jsonResponse("{\"error\": \"unknown\"}", 404)));

    assertThrows(UnknownCurrency.class, () -> rates(api).rate("XXX", "USD"));

    assertEquals(1, api.requests().size());
  }

  @Test
  void slowApiIsGivenUpOnAtTheTimeout(HttpMock.Stubs api) {
    api.stub(
        get(urlPathEqualTo(api.path("/rates/EUR")))
            .willReturn(okJson(EUR_USD).withFixedDelay(5000)));
    ExchangeRates client =
        new ExchangeRates(
            api.baseUrl(),
            Duration.ofMillis(200),
            0,
            Duration.ZERO,
            new CircuitBreaker(3, Duration.ofSeconds(30)));

    long started = System.nanoTime();
    RatesUnavailable error = assertThrows(RatesUnavailable.class, () -> client.rate("EUR", "USD"));

    assertTrue(error.getMessage().contains("timed out"), error.getMessage());
    assertTrue(
        Duration.ofNanos(System.nanoTime() - started).toMillis() < 2500,
        "the 5 s answer was not awaited");
  }

  @Test
  void failingApiOpensTheCircuitAndLaterCallsFailFast(HttpMock.Stubs api) {
    api.stub(get(urlPathEqualTo(api.path("/rates/EUR"))).willReturn(serverError()));
    ExchangeRates client =
        new ExchangeRates(
            api.baseUrl(),
            Duration.ofSeconds(2),
            1,
            Duration.ZERO,
            new CircuitBreaker(2, Duration.ofSeconds(30)));

    for (int call = 0; call < 2; call++) {
      RatesUnavailable error =
          assertThrows(RatesUnavailable.class, () -> client.rate("EUR", "USD"));
      assertTrue(error.getMessage().contains("HTTP 500"), error.getMessage());
    }
    int callsBefore = api.requests().size();
    assertThrows(CircuitOpen.class, () -> client.rate("EUR", "USD"));

    assertEquals(4, callsBefore, "two calls, each tried twice");
    assertEquals(callsBefore, api.requests().size(), "the open circuit called nobody");
  }

  @Test
  void inProcessServerChecksTheSameClientAtUnitSpeed() throws Exception {
    List<String> queries = new ArrayList<>();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/rates/EUR",
        exchange -> {
          queries.add(exchange.getRequestURI().getQuery());
          boolean first = queries.size() == 1;
          byte[] body = (first ? "" : EUR_USD).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(first ? 502 : 200, first ? -1 : body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    try {
      ExchangeRates client =
          new ExchangeRates(
              "http://127.0.0.1:" + server.getAddress().getPort(),
              Duration.ofSeconds(2),
              2,
              Duration.ZERO,
              new CircuitBreaker(3, Duration.ofSeconds(30)));

      assertEquals(new BigDecimal("1.0842"), client.rate("EUR", "USD"));
    } finally {
      server.stop(0);
    }

    assertEquals(List.of("symbols=USD", "symbols=USD"), queries);
  }
}
