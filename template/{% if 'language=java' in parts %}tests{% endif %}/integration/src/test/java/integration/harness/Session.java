// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

/**
 * One test JVM's session: the settings, the one check of every service before the first test,
 * and what lives as long as the JVM (a pool, a claim) and is closed when the run ends.
 *
 * <p>Under {@code PARALLEL=N} Surefire runs N JVMs (forks); each is a worker with a number from 1
 * to N ({@link #worker}) and its own database, Redis index and names, as pytest-xdist workers are.
 */
public final class Session implements AutoCloseable {
  private static final Pattern PURPOSE = Pattern.compile("^[a-z0-9][a-z0-9_-]{0,40}$");
  private static final String BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Settings settings;
  private final List<Readiness.Result> results;
  private final String problem;
  private final AtomicBoolean reported = new AtomicBoolean();
  private final Map<String, Object> shared = new HashMap<>();
  private final Deque<AutoCloseable> closing = new ArrayDeque<>();

  private Session(Settings settings, List<Readiness.Result> results, String problem) {
    this.settings = settings;
    this.results = results;
    this.problem = problem;
  }

  /** The run stops: a service is not usable, or the settings cannot be read. */
  public static final class HarnessStopped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HarnessStopped(String message) {
      super(message, null, false, false);
    }
  }

  /** The resolved {@code TEST_*} settings. */
  public Settings settings() {
    return settings;
  }

  /** What the readiness check found, one result per service. */
  public List<Readiness.Result> results() {
    return results;
  }

  /** This JVM's worker number (1..N) under {@code PARALLEL=N}, empty in a serial run. */
  public static Optional<Integer> worker() {
    int workers = Integer.parseInt(System.getProperty("integration.workers", "1").strip());
    String number = System.getProperty("integration.worker", "").strip();
    if (workers <= 1 || number.isEmpty() || !number.matches("\\d+")) {
      return Optional.empty();
    }
    return Optional.of(Integer.parseInt(number));
  }

  /** The worker's name in resource names: {@code w1}, {@code w2}, ..., or {@code main}. */
  public static String workerName() {
    return worker().map(number -> "w" + number).orElse("main");
  }

  private static String base36(long number, int width) {
    StringBuilder digits = new StringBuilder();
    while (number > 0) {
      digits.insert(0, BASE36.charAt((int) (number % 36)));
      number /= 36;
    }
    while (digits.length() < width) {
      digits.insert(0, '0');
    }
    return digits.substring(digits.length() - width);
  }

  /**
   * {@code test<sep><worker><sep><purpose><sep><stamp><random>}: a name no other test or worker
   * uses. {@code stamp} is the creation time (unix seconds, 7 base-36 digits) and {@code random}
   * 6 hex digits, so a later run can tell a leaked resource's age.
   */
  public static String uniqueTestName(String factory, String purpose, String separator) {
    if (!PURPOSE.matcher(purpose).matches()) {
      throw new IllegalArgumentException(
          factory + " purpose '" + purpose + "': use lowercase letters, digits, - or _");
    }
    byte[] random = new byte[3];
    RANDOM.nextBytes(random);
    String suffix = base36(System.currentTimeMillis() / 1000, 7) + HexFormat.of().formatHex(random);
    return String.join(separator, "test", workerName(), purpose, suffix);
  }

  /** True for a {@link #uniqueTestName} name made more than an hour ago (a killed run's leak). */
  public static boolean isStaleTestName(String name, String separator) {
    String[] parts = name.split(java.util.regex.Pattern.quote(separator));
    if (parts.length < 4 || !parts[0].equals("test")) {
      return false;
    }
    String suffix = parts[parts.length - 1];
    if (!suffix.matches("[0-9a-z]{7}[0-9a-f]{6}")) {
      return false;
    }
    long stamp = Long.parseLong(suffix.substring(0, 7), 36);
    return System.currentTimeMillis() / 1000 - stamp > 3600;
  }

  /**
   * The value kept under {@code key} for the whole session, made by {@code make} on first use; an
   * {@link AutoCloseable} value is closed when the run ends (last made, first closed).
   */
  public synchronized <T> T shared(String key, Class<T> type, Supplier<T> make) {
    Object value = shared.get(key);
    if (value == null) {
      value = make.get();
      shared.put(key, value);
      if (value instanceof AutoCloseable resource) {
        closing.push(resource);
      }
    }
    return type.cast(value);
  }

  /** Makes a per-test fixture's value (may throw: the test then errors with the reason). */
  @FunctionalInterface
  public interface Maker<T> {
    /** The value. */
    T make() throws Exception;
  }

  /** Cleans up after a per-test fixture. */
  @FunctionalInterface
  public interface Cleanup<T> {
    /** Clean {@code value} up. */
    void clean(T value) throws Exception;
  }

  /** A per-test fixture's value and its cleanup, closed by JUnit when the test ends. */
  private record PerTest(Object value, AutoCloseable cleanup) implements AutoCloseable {
    @Override
    public void close() {
      try {
        cleanup.close();
      } catch (RuntimeException error) {
        throw error;
      } catch (Exception error) {
        throw new IllegalStateException(error.getMessage(), error);
      }
    }
  }

  /**
   * The value of the per-test fixture {@code key} for the test of {@code context}: made on first
   * use, the same for the test's {@code @BeforeEach} methods and the test itself (as a pytest
   * fixture is), cleaned up by {@code cleanup} when the test ends.
   */
  @SuppressWarnings("unchecked")
  public static <T> T perTest(
      ExtensionContext context, String key, Maker<T> make, Cleanup<? super T> cleanup) {
    PerTest fixture =
        context
            .getStore(ExtensionContext.Namespace.create(Session.class))
            .computeIfAbsent(
                key,
                name -> {
                  try {
                    T value = make.make();
                    return new PerTest(value, () -> cleanup.clean(value));
                  } catch (RuntimeException error) {
                    throw error;
                  } catch (Exception error) {
                    throw new IllegalStateException(
                        Safety.redact(name + ": " + error.getMessage()), error);
                  }
                },
                PerTest.class);
    return (T) fixture.value();
  }

  /** Close {@code resource} when the run ends. */
  public synchronized void closeAtEnd(AutoCloseable resource) {
    closing.push(resource);
  }

  @Override
  public synchronized void close() {
    IllegalStateException failed = null;
    while (!closing.isEmpty()) {
      try {
        closing.pop().close();
      } catch (Exception error) {
        if (failed == null) {
          failed = new IllegalStateException("integration-harness: cleaning up after the run failed");
        }
        failed.addSuppressed(error);
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  /** Throws unless every service passed the check: the first caller gets the message. */
  void ensureUsable() {
    if (problem == null) {
      return;
    }
    if (!reported.getAndSet(true)) {
      throw new HarnessStopped(problem);
    }
    throw new TestAbortedException(
        "integration-harness: not run, the services are not usable (see the first error)");
  }

  private static String fix(Services.Service service, Settings settings, String problem) {
    String source =
        System.getenv(service.urlVar()) != null
            ? "the environment"
            : settings.envFile().map(Object::toString).orElse(Settings.ENV_FILE_NAME);
    if (problem != null && !problem.startsWith("no answer within")) {
      return "    fix: the server answered but refused: check the user, password and database in "
          + service.urlVar()
          + " (now from "
          + source
          + ")";
    }
    return "    fix: start the test services (`make integration-services-up`, needs Docker) or"
        + " point "
        + service.urlVar()
        + " at a running "
        + service.title()
        + " (now from "
        + source
        + ")";
  }

  private static String preflight(Session session, Services.Service service, Duration timeout) {
    String url = session.settings.url(service.urlVar());
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    AtomicBoolean finished = new AtomicBoolean();
    Thread thread =
        new Thread(
            () -> {
              try {
                service.module().preflight(url, session.settings, session);
              } catch (Throwable error) {
                outcome.set(error);
              }
              finished.set(true);
            },
            "integration-harness-preflight");
    thread.setDaemon(true);
    thread.start();
    try {
      thread.join(timeout.plus(Readiness.GRACE).toMillis());
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
    if (!finished.get()) {
      return Safety.redact(
          service.title()
              + " at "
              + url
              + ": stopped answering after it was ready (no answer within "
              + timeout.toSeconds()
              + "s)");
    }
    Throwable error = outcome.get();
    if (error == null) {
      return null;
    }
    if (error instanceof Safety.UnsafeTarget) {
      return Safety.redact(service.title() + ": " + error.getMessage());
    }
    String detail =
        (error.getClass().getSimpleName() + ": " + String.valueOf(error.getMessage()))
            .replaceAll("\\s+", " ")
            .strip();
    return Safety.redact(
        service.title() + " at " + url + ": stopped answering after it was ready (" + detail + ")");
  }

  /** Guard, wait for and claim every service; the session, holding any problems found. */
  static Session start() {
    Settings settings;
    try {
      ManagedFiles.enforce();
      settings = Settings.load();
    } catch (ManagedFiles.Broken error) {
      return new Session(null, List.of(), error.getMessage());
    } catch (Exception error) {
      return new Session(
          null,
          List.of(),
          "integration-harness: cannot read the TEST_* settings: " + error.getMessage());
    }
    List<String> problems = new ArrayList<>();
    List<Readiness.Check> checks = new ArrayList<>();
    List<Services.Service> waiting = new ArrayList<>();
    for (Services.Service service : Services.ALL) {
      try {
        String url = settings.url(service.urlVar());
        service.module().guard(url, settings);
        checks.add(new Readiness.Check(service.title(), url, service.module()::probe));
        waiting.add(service);
      } catch (RuntimeException error) {
        problems.add(Safety.redact(service.title() + ": " + error.getMessage()));
      }
    }
    Duration timeout;
    try {
      timeout = settings.serviceTimeout();
    } catch (Settings.MissingSetting error) {
      return new Session(settings, List.of(), "integration-harness: " + error.getMessage());
    }
    List<Readiness.Result> results = Readiness.waitForAll(checks, timeout);
    Session session = new Session(settings, results, null);
    for (int index = 0; index < waiting.size(); index++) {
      Services.Service service = waiting.get(index);
      Readiness.Result result = results.get(index);
      if (result.ready()) {
        String problem = preflight(session, service, timeout);
        if (problem != null) {
          problems.add(problem);
        }
      } else {
        problems.add(
            service.title()
                + " at "
                + result.url()
                + ": "
                + result.problem()
                + "\n"
                + fix(service, settings, result.problem()));
      }
    }
    if (!problems.isEmpty()) {
      try {
        session.close();
      } catch (IllegalStateException ignored) {
        // the run stops anyway; the problems say why
      }
      String count =
          problems.size() == 1 ? "service is" : problems.size() + " services are";
      StringBuilder message =
          new StringBuilder("integration-harness: " + count + " not usable, no test was run:");
      for (String problem : problems) {
        message.append("\n  - ").append(problem);
      }
      return new Session(settings, results, message.toString());
    }
    System.out.println(header(results));
    return session;
  }

  /** The one line saying what the harness connected to and how long each took to answer. */
  static String header(List<Readiness.Result> results) {
    if (results.isEmpty()) {
      return "integration-harness: this project uses no services";
    }
    List<String> parts = new ArrayList<>();
    for (Readiness.Result result : results) {
      parts.add(
          result.server()
              + " at "
              + Safety.redact(result.url())
              + " ready in "
              + result.took().toMillis()
              + " ms");
    }
    return "integration-harness: " + String.join("; ", parts);
  }
}
