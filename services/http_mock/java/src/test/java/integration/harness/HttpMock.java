// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.ScenarioMappingBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.URI;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;

/**
 * HTTP API mock for the tests (WireMock's own Java client, in client mode against the shared
 * server): parameters {@code HttpMock.Stubs} and {@code @HttpMock.Url String}.
 *
 * <p>Third-party HTTP APIs are the one thing these tests stub: the code under test makes real HTTP
 * requests to a real WireMock server, which answers with the stubs a test sets up and records what
 * it received.
 *
 * <p>Isolation: WireMock is one server shared by every worker, so nothing is ever reset globally.
 * Each test gets a path prefix of its own ({@code /test-<worker>-api-<stamp><random>}, in {@code
 * Stubs.baseUrl()}); its stubs carry the test's name in their metadata, and after the test they,
 * their scenarios and the requests recorded under the prefix are removed.
 *
 * <p>The client comes from {@code org.wiremock:wiremock-standalone}: the official artifact with
 * its dependencies shaded, so its Jetty, Jackson 2 and Guava never meet the versions the Spring
 * Boot parent manages (the plain {@code org.wiremock:wiremock} would get a mix of Jetty 11 and 12).
 */
public final class HttpMock implements ServiceModule {
  static final String TITLE = Services.Catalogue.title("http_mock");
  static final String URL_VAR = Services.Catalogue.urlVar("http_mock");

  /** The metadata key holding the name of the test a stub belongs to. */
  static final String METADATA_KEY = "integration_harness";

  private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"");

  /** The URL of the WireMock server (its root, not a test's prefix). */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface Url {}

  @Override
  public void guard(String url, Settings settings) {
    Safety.ensureDisposableUrl(TITLE, List.of(URL_VAR), url, settings.allowedHosts(), "http", "https");
  }

  @Override
  public String probe(String url, Duration timeout) throws Exception {
    String body =
        Readiness.httpGet(Readiness.trimmedUrl(url) + "/__admin/health", timeout, "WireMock")
            .body();
    Matcher version = VERSION.matcher(body);
    return version.find() ? TITLE + " " + version.group(1) : TITLE;
  }

  /** The admin client of the server at {@code url}. */
  static WireMock admin(String url) {
    URI uri = URI.create(Readiness.trimmedUrl(url));
    int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    String path = uri.getPath() == null ? "" : uri.getPath();
    return new WireMock(uri.getScheme(), uri.getHost(), port, path);
  }

  /** Stubs and recorded requests of one test, under its own path prefix. */
  public static final class Stubs {
    private final WireMock admin;
    private final String testName;
    private final String prefix;
    private final String baseUrl;

    Stubs(WireMock admin, String serverUrl, String testName) {
      this.admin = admin;
      this.testName = testName;
      this.prefix = "/" + testName;
      this.baseUrl = Readiness.trimmedUrl(serverUrl) + prefix;
    }

    /** The URL to give the client under test: the server and this test's prefix. */
    public String baseUrl() {
      return baseUrl;
    }

    /** {@code path} under this test's prefix, for WireMock's URL matchers. */
    public String path(String path) {
      return prefix + (path.startsWith("/") ? path : "/" + path);
    }

    /** WireMock's client on the shared server, for anything this helper does not wrap. */
    public WireMock client() {
      return admin;
    }

    /**
     * Register {@code mapping} as this test's stub (removed after it). Match URLs under {@link
     * #path}, e.g. {@code stub(get(urlPathEqualTo(stubs.path("/rates/EUR"))).willReturn(...))}.
     */
    public StubMapping stub(MappingBuilder mapping) {
      return admin.register(mapping.withMetadata(Map.of(METADATA_KEY, testName)));
    }

    /**
     * Answer successive {@code method path} calls with {@code responses} in order; the last one
     * repeats (a WireMock scenario of this test's own).
     */
    public void stubSequence(String method, String path, ResponseDefinitionBuilder... responses) {
      if (responses.length == 0) {
        throw new IllegalArgumentException("stubSequence needs at least one response");
      }
      String scenario = testName + " " + method + " " + path;
      for (int index = 0; index < responses.length; index++) {
        ScenarioMappingBuilder mapping =
            WireMock.request(method, WireMock.urlPathEqualTo(path(path)))
                .inScenario(scenario)
                .whenScenarioStateIs(index == 0 ? Scenario.STARTED : "step-" + index);
        mapping.willReturn(responses[index]);
        if (index < responses.length - 1) {
          mapping = mapping.willSetStateTo("step-" + (index + 1));
        }
        stub(mapping);
      }
    }

    /** Requests WireMock received under this test's prefix, oldest first. */
    public List<LoggedRequest> requests() {
      return find(
          RequestPatternBuilder.newRequestPattern(
              RequestMethod.ANY, WireMock.urlPathMatching(prefix + "/.*")));
    }

    /** Requests received for {@code method path} (under the prefix), oldest first. */
    public List<LoggedRequest> requests(String method, String path) {
      return find(
          RequestPatternBuilder.newRequestPattern(
              RequestMethod.fromString(method), WireMock.urlPathEqualTo(path(path))));
    }

    private List<LoggedRequest> find(RequestPatternBuilder pattern) {
      return admin.find(pattern).stream()
          .sorted(Comparator.comparing(LoggedRequest::getLoggedDate))
          .toList();
    }

    /** Delete this test's stubs (and so its scenarios) and its recorded requests. */
    void removeAll() {
      admin.removeStubsByMetadataPattern(
          WireMock.matchingJsonPath("$." + METADATA_KEY, WireMock.equalTo(testName)));
      admin.removeEvents(
          RequestPatternBuilder.newRequestPattern(
              RequestMethod.ANY, WireMock.urlPathMatching(prefix + "(/.*)?")));
    }
  }

  @Override
  public boolean supports(ParameterContext parameter) {
    Class<?> type = parameter.getParameter().getType();
    return type == Stubs.class || (type == String.class && parameter.isAnnotated(Url.class));
  }

  @Override
  public Object resolve(ParameterContext parameter, ExtensionContext context, Session session) {
    String url = session.settings().url(URL_VAR);
    guard(url, session.settings());
    if (parameter.getParameter().getType() == String.class) {
      return url;
    }
    WireMock admin = session.shared("http_mock.admin", WireMock.class, () -> admin(url));
    return Session.perTest(
        context,
        "http_mock.stubs",
        () -> new Stubs(admin, url, Session.uniqueTestName("HttpMock.Stubs", "api", "-")),
        stubs -> {
          guard(url, session.settings());
          stubs.removeAll();
        });
  }
}
