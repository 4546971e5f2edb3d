// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Bounded readiness: wait for every service at once, then report or stop the run.
 *
 * <p>Each service module's {@code probe(url, timeout)} connects with the real driver and returns
 * a short description of the server. It throws {@link NotReady} for what may pass (refused
 * connection, server starting) and {@link Misconfigured} for what will not (wrong password,
 * unknown database); only other failures and {@code NotReady} are retried, until the deadline.
 * Nothing sleeps longer than the retry interval.
 */
public final class Readiness {
  static final Duration RETRY_INTERVAL = Duration.ofMillis(250);

  /** How long past the deadline a probe may take to give up before it is abandoned. */
  static final Duration GRACE = Duration.ofSeconds(3);

  private Readiness() {}

  /** The service does not answer yet; worth another try. */
  public static final class NotReady extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why it is not ready. */
    public NotReady(String message) {
      super(message);
    }
  }

  /** The service answers but refuses us; retrying will not help. */
  public static final class Misconfigured extends Exception {
    private static final long serialVersionUID = 1L;

    /** What it refused. */
    public Misconfigured(String message) {
      super(message);
    }
  }

  /** A probe: connect once, describe the server, or throw. */
  @FunctionalInterface
  public interface Probe {
    /** Connect to {@code url} within {@code timeout}; the server's name and version. */
    String probe(String url, Duration timeout) throws Exception;
  }

  /** One service to wait for. */
  public record Check(String title, String url, Probe probe) {}

  /** Outcome of waiting for one service; {@code problem} is null when it is ready. */
  public record Result(String title, String url, Duration took, String server, String problem) {
    /** True when the service answered. */
    public boolean ready() {
      return problem == null;
    }
  }

  /** {@code url} without surrounding blanks and trailing slashes, for appending a path. */
  public static String trimmedUrl(String url) {
    return url.strip().replaceAll("/+$", "");
  }

  /**
   * One GET of {@code url} for an HTTP service's probe, within {@code timeout}, with {@code
   * headers} given as name, value pairs. HTTP/1.1: an h2c upgrade request is never answered by
   * some servers (MailDev's socket.io). A connection that fails is {@link NotReady}; a status
   * of 400 or more is {@link Misconfigured}, asking whether {@code url} is {@code expected}.
   */
  public static HttpResponse<String> httpGet(
      String url, Duration timeout, String expected, String... headers)
      throws NotReady, Misconfigured, InterruptedException {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .build();
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET();
    if (headers.length > 0) {
      request.headers(headers);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException error) {
      throw new NotReady(reason(error));
    }
    if (response.statusCode() >= 400) {
      throw new Misconfigured(
          "HTTP " + response.statusCode() + " from " + url + ": is this " + expected + "?");
    }
    return response;
  }

  /**
   * {@code error}'s class and the first message along its causes; java.net.http's {@code
   * ConnectException} carries none, so it is said in words.
   */
  public static String reason(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      String message = cause.getMessage();
      if (message != null && !message.isBlank()) {
        return error.getClass().getSimpleName() + ": " + message.strip();
      }
    }
    if (error instanceof java.net.ConnectException) {
      return "ConnectException: connection refused or host unreachable";
    }
    return error.getClass().getSimpleName();
  }

  private static String describe(Throwable error) {
    String message = error.getMessage() == null ? "" : error.getMessage().strip();
    if (error instanceof NotReady) {
      return message;
    }
    String name = error.getClass().getSimpleName();
    return message.isEmpty() ? name : name + ": " + message.lines().findFirst().orElse("");
  }

  private static String seconds(Duration timeout) {
    double value = timeout.toMillis() / 1000.0;
    return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
  }

  /** Probe {@code url} until it answers or {@code timeout} has passed. */
  public static Result waitFor(String title, String url, Probe probe, Duration timeout) {
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    String shown = Safety.redact(url);
    while (true) {
      long remaining = Math.max(deadline - System.nanoTime(), Duration.ofMillis(100).toNanos());
      try {
        String server = probe.probe(url, Duration.ofNanos(Math.min(remaining, 5_000_000_000L)));
        return new Result(title, shown, Duration.ofNanos(System.nanoTime() - started), server, null);
      } catch (Misconfigured error) {
        return new Result(
            title,
            shown,
            Duration.ofNanos(System.nanoTime() - started),
            null,
            Safety.redact(String.valueOf(error.getMessage())));
      } catch (Exception error) {
        if (System.nanoTime() + RETRY_INTERVAL.toNanos() >= deadline) {
          return new Result(
              title,
              shown,
              Duration.ofNanos(System.nanoTime() - started),
              null,
              Safety.redact(
                  "no answer within " + seconds(timeout) + "s (" + describe(error) + ")"));
        }
        try {
          Thread.sleep(RETRY_INTERVAL.toMillis());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return new Result(title, shown, timeout, null, "interrupted");
        }
      }
    }
  }

  /**
   * Wait for all services in parallel, so the whole wait is bounded by {@code timeout}.
   *
   * <p>Each wait runs in a daemon thread: a driver that ignores its own timeout is reported as not
   * answering instead of holding the run (or its exit).
   */
  public static List<Result> waitForAll(List<Check> checks, Duration timeout) {
    List<AtomicReference<Result>> results = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (Check check : checks) {
      AtomicReference<Result> result = new AtomicReference<>();
      results.add(result);
      Thread thread =
          new Thread(
              () -> result.set(waitFor(check.title(), check.url(), check.probe(), timeout)),
              "integration-harness-readiness");
      thread.setDaemon(true);
      thread.start();
      threads.add(thread);
    }
    long deadline = System.nanoTime() + timeout.plus(GRACE).toNanos();
    for (Thread thread : threads) {
      try {
        thread.join(Math.max(Duration.ofNanos(deadline - System.nanoTime()).toMillis(), 1));
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    List<Result> outcome = new ArrayList<>();
    for (int index = 0; index < checks.size(); index++) {
      Result result = results.get(index).get();
      Check check = checks.get(index);
      outcome.add(
          result != null
              ? result
              : new Result(
                  check.title(),
                  Safety.redact(check.url()),
                  timeout.plus(GRACE),
                  null,
                  "no answer within " + seconds(timeout) + "s (the connection hung)"));
    }
    return outcome;
  }
}
