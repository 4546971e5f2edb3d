// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit 5 extension of the harness, registered for every test class of this suite (JUnit's
 * extension auto-detection, switched on in junit-platform.properties).
 *
 * <p>Before the first test class of a test JVM it runs the session check once: the managed files,
 * the safety guard of every service, one bounded parallel readiness wait and each service's
 * preflight (its run lock or claim). Any problem stops the run with one message naming each
 * service, its URL and the fix; every later class is skipped. It then gives tests their fixtures
 * as parameters (see each service module, e.g. {@code Postgres}), each cleaned after the test.
 */
public final class Harness implements BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(Harness.class);

  /** This test JVM's session, started (and checked) on first use. */
  public static Session session(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .computeIfAbsent(Session.class, key -> Session.start(), Session.class);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    session(context).ensureUsable();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return Services.ALL.stream().anyMatch(service -> service.module().supports(parameter));
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Session session = session(context);
    session.ensureUsable();
    for (Services.Service service : Services.ALL) {
      if (service.module().supports(parameter)) {
        try {
          return service.module().resolve(parameter, context, session);
        } catch (RuntimeException error) {
          throw error;
        } catch (Exception error) {
          throw new ParameterResolutionException(
              Safety.redact(service.title() + ": " + error.getMessage()), error);
        }
      }
    }
    throw new ParameterResolutionException("no harness module gives " + parameter);
  }
}
