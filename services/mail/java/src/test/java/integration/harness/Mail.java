// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.opentest4j.AssertionFailedError;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * E-mail capture for the tests (MailDev): parameters {@code Mail.Mailbox}, {@code JavaMailSender}
 * and {@code @Mail.SmtpUrl String}.
 *
 * <p>The code under test sends real SMTP (Spring's {@code JavaMailSender} on Jakarta Mail) to a
 * capture server that delivers nothing; tests read what arrived through its REST API ({@code
 * java.net.http}).
 *
 * <p>Isolation: the capture server is shared by every worker and is never emptied as a whole.
 * Each test sends to addresses of its own ({@code mailbox.address("ada")} gives {@code
 * ada+test-<worker>-mail-<stamp><random>@example.com}), reads only the messages for them, and
 * deletes those after the test.
 */
public final class Mail implements ServiceModule {
  static final String TITLE = Services.Catalogue.title("mail");
  static final String URL_VAR = Services.Catalogue.urlVar("mail");
  static final String SMTP_URL_VAR = Services.Catalogue.alsoUrlVars("mail").get(0);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** {@code smtp://host:port} of the capture server, for code under test. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface SmtpUrl {}

  @Override
  public void guard(String url, Settings settings) {
    Safety.ensureDisposableUrl(
        TITLE,
        List.of(URL_VAR, SMTP_URL_VAR),
        url,
        settings.allowedHosts(),
        "http",
        "https",
        "smtp");
  }

  @Override
  public String probe(String url, Duration timeout) throws Exception {
    Readiness.httpGet(Readiness.trimmedUrl(url) + "/healthz", timeout, "MailDev");
    return TITLE;
  }

  /** The SMTP URL is guarded before any test too: the code under test sends there. */
  @Override
  public void preflight(String url, Settings settings, Session session) {
    guard(settings.url(SMTP_URL_VAR), settings);
  }

  /**
   * A {@code JavaMailSender} for the server at {@code smtp://host:port}, giving up after {@code
   * timeout} (connect, read and write).
   */
  public static JavaMailSenderImpl mailSender(String smtpUrl, Duration timeout) {
    URI uri = URI.create(smtpUrl.strip());
    if (!"smtp".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException("not an smtp://host:port URL: " + Safety.redact(smtpUrl));
    }
    JavaMailSenderImpl sender = new JavaMailSenderImpl();
    sender.setHost(uri.getHost());
    sender.setPort(uri.getPort() != -1 ? uri.getPort() : 25);
    Properties properties = new Properties();
    String millis = String.valueOf(timeout.toMillis());
    properties.setProperty("mail.smtp.connectiontimeout", millis);
    properties.setProperty("mail.smtp.timeout", millis);
    properties.setProperty("mail.smtp.writetimeout", millis);
    sender.setJavaMailProperties(properties);
    return sender;
  }

  /** Addresses that only this test uses, and the captured messages sent to them. */
  public static final class Mailbox {
    private final HttpClient http;
    private final String apiUrl;
    private final String tag;

    Mailbox(HttpClient http, String apiUrl, String tag) {
      this.http = http;
      this.apiUrl = Readiness.trimmedUrl(apiUrl);
      this.tag = tag;
    }

    /** A recipient address unique to this test, e.g. {@code ada+test-main-mail-...@example.com}. */
    public String address(String name) {
      return address(name, "example.com");
    }

    /** {@link #address(String)} at another domain. */
    public String address(String name, String domain) {
      return name + "+" + tag + "@" + domain;
    }

    /** {@code user+<tag>@example.com}. */
    public String address() {
      return address("user");
    }

    private String call(String method, String path) throws IOException, InterruptedException {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(apiUrl + path))
                  .timeout(Duration.ofSeconds(10))
                  .method(method, HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 != 2) {
        throw new IOException(
            TITLE + ": HTTP " + response.statusCode() + " from " + method + " " + path);
      }
      return response.body();
    }

    /**
     * Messages captured for this test's addresses (To, Cc or Bcc), oldest first. Each is
     * MailDev's JSON: {@code subject}, {@code text}, {@code html}, {@code from}, {@code to},
     * {@code headers}, {@code attachments}, {@code envelope}.
     */
    public List<JsonNode> messages() throws IOException, InterruptedException {
      String marker = "+" + tag + "@";
      List<JsonNode> mine = new ArrayList<>();
      for (JsonNode message : JSON.readTree(call("GET", "/email"))) {
        for (JsonNode recipient : message.path("envelope").path("to")) {
          if (recipient.path("address").asString("").toLowerCase(Locale.ROOT).contains(marker)) {
            mine.add(message);
            break;
          }
        }
      }
      mine.sort(Comparator.comparing(message -> message.path("time").asString("")));
      return mine;
    }

    /** At least {@code count} messages for this test, waiting up to {@code timeout}; else fail. */
    public List<JsonNode> waitFor(int count, Duration timeout)
        throws IOException, InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        List<JsonNode> found = messages();
        if (found.size() >= count) {
          return found;
        }
        if (System.nanoTime() >= deadline) {
          throw new AssertionFailedError(
              found.size() + " of " + count + " e-mails for *+" + tag + "@ arrived in "
                  + timeout.toMillis() / 1000.0 + "s");
        }
        Thread.sleep(50);
      }
    }

    /** {@link #waitFor(int, Duration)} with a 5 second timeout. */
    public List<JsonNode> waitFor(int count) throws IOException, InterruptedException {
      return waitFor(count, Duration.ofSeconds(5));
    }

    void deleteAll() throws IOException, InterruptedException {
      for (JsonNode message : messages()) {
        call("DELETE", "/email/" + message.path("id").asString());
      }
    }
  }

  @Override
  public boolean supports(ParameterContext parameter) {
    Class<?> type = parameter.getParameter().getType();
    return type == Mailbox.class
        || type == JavaMailSender.class
        || (type == String.class && parameter.isAnnotated(SmtpUrl.class));
  }

  @Override
  public Object resolve(ParameterContext parameter, ExtensionContext context, Session session) {
    Class<?> type = parameter.getParameter().getType();
    String smtpUrl = session.settings().url(SMTP_URL_VAR);
    guard(smtpUrl, session.settings());
    if (type == String.class) {
      return smtpUrl;
    }
    if (type == JavaMailSender.class) {
      return session.shared(
          "mail.sender",
          JavaMailSenderImpl.class,
          () -> mailSender(smtpUrl, Duration.ofSeconds(10)));
    }
    String apiUrl = session.settings().url(URL_VAR);
    guard(apiUrl, session.settings());
    HttpClient http =
        session.shared(
            "mail.api",
            HttpClient.class,
            () ->
                HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10))
                    .build());
    return Session.perTest(
        context,
        "mail.mailbox",
        () -> new Mailbox(http, apiUrl, Session.uniqueTestName("Mail.Mailbox", "mail", "-")),
        mailbox -> {
          guard(apiUrl, session.settings());
          mailbox.deleteAll();
        });
  }
}
