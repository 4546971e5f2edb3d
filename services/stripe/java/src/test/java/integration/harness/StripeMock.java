// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import com.stripe.StripeClient;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;

/**
 * Stripe API mock for the tests (stripe-mock, stripe-java): parameters {@code StripeClient} and
 * {@code @StripeMock.Url String}; {@link #client} for a client on another URL.
 *
 * <p>stripe-mock answers every Stripe API call from Stripe's own OpenAPI fixtures and refuses
 * requests its schema does not allow, so client code is checked against the real API's shape. It
 * keeps no state (a created payment cannot be read back with its values) and never declines a
 * card: test declines against an in-process server instead (see the example), with the error body
 * Stripe documents.
 *
 * <p>Isolation: nothing to clean. The client always uses a fixed test key, never yours, so a
 * misconfigured URL cannot charge anyone; keys are hidden wherever the harness prints text.
 */
public final class StripeMock implements ServiceModule {
  static final String TITLE = Services.Catalogue.title("stripe");
  static final String URL_VAR = Services.Catalogue.urlVar("stripe");

  /** The only key the harness's clients use: a test key stripe-mock accepts. */
  public static final String TEST_API_KEY = "sk_test_integrationharness";

  /** The URL of stripe-mock, for code under test. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface Url {}

  @Override
  public void guard(String url, Settings settings) {
    Safety.ensureDisposableUrl(TITLE, List.of(URL_VAR), url, settings.allowedHosts(), "http", "https");
  }

  @Override
  public String probe(String url, Duration timeout) throws Exception {
    return Readiness.httpGet(
            Readiness.trimmedUrl(url) + "/v1/charges",
            timeout,
            "stripe-mock",
            "Authorization",
            "Bearer " + TEST_API_KEY)
        .headers()
        .firstValue("Stripe-Mock-Version")
        .map(version -> TITLE + " " + version)
        .orElse(TITLE);
  }

  /** A StripeClient on {@code apiUrl} with the test key and no retries. */
  public static StripeClient client(String apiUrl) {
    String base = Readiness.trimmedUrl(apiUrl);
    return StripeClient.builder()
        .setApiKey(TEST_API_KEY)
        .setApiBase(base)
        .setConnectBase(base)
        .setFilesBase(base)
        .setMeterEventsBase(base)
        .setMaxNetworkRetries(0)
        .setConnectTimeout(10_000)
        .setReadTimeout(10_000)
        .build();
  }

  @Override
  public boolean supports(ParameterContext parameter) {
    Class<?> type = parameter.getParameter().getType();
    return type == StripeClient.class || (type == String.class && parameter.isAnnotated(Url.class));
  }

  @Override
  public Object resolve(ParameterContext parameter, ExtensionContext context, Session session) {
    String url = session.settings().url(URL_VAR);
    guard(url, session.settings());
    if (parameter.getParameter().getType() == String.class) {
      return url;
    }
    return session.shared("stripe.client", StripeClient.class, () -> client(url));
  }
}
