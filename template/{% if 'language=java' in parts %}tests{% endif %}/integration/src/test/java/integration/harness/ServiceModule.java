// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import java.time.Duration;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;

/**
 * The contract of a service's harness module (one class per service, e.g. {@code Postgres}).
 *
 * <p>{@link #guard} refuses a URL that is no disposable test service, {@link #probe} connects
 * once for the readiness check, {@link #preflight} claims what the run will clean (once per test
 * JVM, before any test), and the parameter methods give tests their fixtures.
 */
public interface ServiceModule {
  /** Throws {@link Safety.UnsafeTarget} unless {@code url} is a disposable test service. */
  void guard(String url, Settings settings);

  /** Connect once; the server's name and version, or {@link Readiness.NotReady} / Misconfigured. */
  String probe(String url, Duration timeout) throws Exception;

  /** Before the run, after readiness: claim and check what this JVM will clean. */
  default void preflight(String url, Settings settings, Session session) throws Exception {}

  /** True when this module gives the test parameter {@code parameter}. */
  default boolean supports(ParameterContext parameter) {
    return false;
  }

  /** The value of a parameter {@link #supports} accepted, for this test. */
  default Object resolve(ParameterContext parameter, ExtensionContext context, Session session)
      throws Exception {
    throw new IllegalStateException("not a parameter of this module");
  }
}
