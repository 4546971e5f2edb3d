// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Options;
import io.nats.client.api.StreamConfiguration;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;

/**
 * NATS JetStream for the tests (jnats): parameters {@code io.nats.client.Connection}, {@code
 * NatsJetStream.Streams} and {@code @NatsJetStream.Url String}.
 *
 * <p>Isolation: each test makes its own streams ({@code test-<worker>-<purpose>-<random>},
 * capturing the subjects under {@code test.<worker>.<purpose>.<random>}), deleted after it with
 * their messages and consumers. Before the run, streams a killed run left (harness names over an
 * hour old) are deleted.
 */
public final class NatsJetStream implements ServiceModule {
  static final String TITLE = Services.Catalogue.title("nats");
  static final String URL_VAR = Services.Catalogue.urlVar("nats");

  /** The NATS URL, for code under test. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface Url {}

  /** A stream made for one test: its name and the subjects it captures. */
  public record IsolatedStream(String name, String prefix) {
    /** A subject inside this stream, e.g. {@code stream.subject("orders", "created")}. */
    public String subject(String... parts) {
      return prefix + "." + String.join(".", parts);
    }
  }

  static Connection connect(String url, Duration timeout) throws Exception {
    Options options =
        Options.builder()
            .servers(url.split(","))
            .connectionTimeout(timeout)
            .maxReconnects(0)
            .noReconnect()
            .errorListener(new io.nats.client.ErrorListener() {})
            .build();
    return io.nats.client.Nats.connect(options);
  }

  @Override
  public void guard(String url, Settings settings) {
    List<String> hosts = new ArrayList<>();
    for (String server : url.split(",")) {
      String host = URI.create(server.strip()).getHost();
      hosts.add(host == null ? "" : host);
    }
    Safety.ensureDisposable(TITLE, url, hosts, settings.allowedHosts());
  }

  @Override
  public String probe(String url, Duration timeout) throws Exception {
    Connection conn;
    try {
      conn = connect(url, timeout);
    } catch (io.nats.client.AuthenticationException error) {
      throw new Readiness.Misconfigured(String.valueOf(error.getMessage()));
    } catch (java.io.IOException error) {
      throw new Readiness.NotReady(String.valueOf(error.getMessage()));
    }
    try {
      conn.jetStreamManagement().getAccountStatistics();
      return TITLE + " " + conn.getServerInfo().getVersion();
    } catch (JetStreamApiException | java.io.IOException error) {
      throw new Readiness.Misconfigured("JetStream is not enabled: start the server with -js");
    } finally {
      conn.close();
    }
  }

  /** Before the run: delete the streams killed runs leaked (harness names over an hour old). */
  @Override
  public void preflight(String url, Settings settings, Session session) throws Exception {
    Connection conn = connect(url, settings.serviceTimeout());
    try {
      JetStreamManagement jsm = conn.jetStreamManagement();
      for (String name : jsm.getStreamNames()) {
        if (Session.isStaleTestName(name, "-")) {
          try {
            jsm.deleteStream(name);
          } catch (JetStreamApiException gone) {
            // another run swept it first
          }
        }
      }
    } finally {
      conn.close();
    }
  }

  /** Streams for one test, deleted after it. */
  public static final class Streams {
    private final JetStreamManagement jsm;
    private final List<String> created = new ArrayList<>();

    Streams(JetStreamManagement jsm) {
      this.jsm = jsm;
    }

    /** A stream capturing every subject under its prefix (use {@code subject(...)}). */
    public IsolatedStream make(String purpose) throws Exception {
      String prefix = Session.uniqueTestName("NatsJetStream.Streams.make", purpose, ".");
      IsolatedStream stream = new IsolatedStream(prefix.replace('.', '-'), prefix);
      jsm.addStream(
          StreamConfiguration.builder().name(stream.name()).subjects(prefix + ".>").build());
      created.add(stream.name());
      return stream;
    }

    void deleteAll() throws Exception {
      for (String name : created) {
        jsm.deleteStream(name);
      }
      created.clear();
    }
  }

  @Override
  public boolean supports(ParameterContext parameter) {
    Class<?> type = parameter.getParameter().getType();
    return type == Connection.class
        || type == Streams.class
        || (type == String.class && parameter.isAnnotated(Url.class));
  }

  @Override
  public Object resolve(ParameterContext parameter, ExtensionContext context, Session session) {
    Class<?> type = parameter.getParameter().getType();
    String url = session.settings().url(URL_VAR);
    if (type == String.class) {
      return url;
    }
    Connection conn =
        Session.perTest(
            context, "nats.connection", () -> connect(url, Duration.ofSeconds(10)), Connection::close);
    if (type == Connection.class) {
      return conn;
    }
    return Session.perTest(
        context,
        "nats.streams",
        () -> new Streams(conn.jetStreamManagement()),
        streams -> {
          guard(url, session.settings());
          streams.deleteAll();
        });
  }
}
