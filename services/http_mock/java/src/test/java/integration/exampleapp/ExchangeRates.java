package integration.exampleapp;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.LongSupplier;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Example component (delete me): a client for a third-party exchange-rate API.
 *
 * <p>It retries server errors and timeouts a bounded number of times, never waits longer than its
 * timeout, and stops calling an API that keeps failing (a circuit breaker) until a cool-down has
 * passed.
 */
public final class ExchangeRates {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The API did not give a usable answer (server errors, timeouts). */
  public static class RatesUnavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public RatesUnavailable(String message) {
      super(message);
    }
  }

  /** Too many failures in a row: failing fast without calling the API. */
  public static final class CircuitOpen extends RatesUnavailable {
    private static final long serialVersionUID = 1L;

    /** Which call was not made. */
    public CircuitOpen(String message) {
      super(message);
    }
  }

  /** The API does not know this currency (a 404: not worth retrying). */
  public static final class UnknownCurrency extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The currency it does not know. */
    public UnknownCurrency(String currency) {
      super(currency);
    }
  }

  /** Opens after {@code threshold} failed calls in a row; lets one call try after the cool-down. */
  public static final class CircuitBreaker {
    private final int threshold;
    private final Duration coolDown;
    private final LongSupplier clock;
    private int failures;
    private Long openedAt;

    /** A breaker on the system clock. */
    public CircuitBreaker(int threshold, Duration coolDown) {
      this(threshold, coolDown, System::nanoTime);
    }

    /** A breaker reading {@code clock} (nanoseconds). */
    public CircuitBreaker(int threshold, Duration coolDown, LongSupplier clock) {
      this.threshold = threshold;
      this.coolDown = coolDown;
      this.clock = clock;
    }

    boolean allow() {
      return openedAt == null || clock.getAsLong() - openedAt >= coolDown.toNanos();
    }

    void succeeded() {
      failures = 0;
      openedAt = null;
    }

    void failed() {
      failures++;
      if (failures >= threshold) {
        openedAt = clock.getAsLong();
      }
    }
  }

  private final String baseUrl;
  private final Duration timeout;
  private final int retries;
  private final Duration backoff;
  private final CircuitBreaker breaker;
  private final HttpClient http;

  /** A client of the API at {@code baseUrl}. */
  public ExchangeRates(
      String baseUrl, Duration timeout, int retries, Duration backoff, CircuitBreaker breaker) {
    this.baseUrl = baseUrl.replaceAll("/+$", "");
    this.timeout = timeout;
    this.retries = retries;
    this.backoff = backoff;
    this.breaker = breaker;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  /** A client with a 2 s timeout, 2 retries and a breaker opening after 3 failed calls. */
  public ExchangeRates(String baseUrl) {
    this(
        baseUrl,
        Duration.ofSeconds(2),
        2,
        Duration.ofMillis(50),
        new CircuitBreaker(3, Duration.ofSeconds(30)));
  }

  /** How many {@code quote} one {@code base} buys, from {@code GET /rates/<base>?symbols=<quote>}. */
  public BigDecimal rate(String base, String quote) throws InterruptedException {
    if (!breaker.allow()) {
      throw new CircuitOpen("exchange-rate API failing; not calling it for " + base);
    }
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    baseUrl
                        + "/rates/"
                        + URLEncoder.encode(base, StandardCharsets.UTF_8)
                        + "?symbols="
                        + URLEncoder.encode(quote, StandardCharsets.UTF_8)))
            .header("Accept", "application/json")
            .timeout(timeout)
            .GET()
            .build();
    String problem = "";
    for (int attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        Thread.sleep(backoff.toMillis() << (attempt - 1));
      }
      HttpResponse<String> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (HttpTimeoutException timedOut) {
        problem = "timed out";
        continue;
      } catch (IOException error) {
        problem = error.getClass().getSimpleName();
        continue;
      }
      if (response.statusCode() == 404) {
        breaker.succeeded(); // the API works; the currency is unknown
        throw new UnknownCurrency(base);
      }
      if (response.statusCode() >= 500) {
        problem = "HTTP " + response.statusCode();
        continue;
      }
      if (response.statusCode() != 200) {
        throw new IllegalStateException("HTTP " + response.statusCode() + " from " + request.uri());
      }
      breaker.succeeded();
      JsonNode body = JSON.readTree(response.body());
      return body.path("rates").path(quote).decimalValue();
    }
    breaker.failed();
    throw new RatesUnavailable(
        base + "/" + quote + ": " + problem + " after " + (retries + 1) + " tries");
  }
}
